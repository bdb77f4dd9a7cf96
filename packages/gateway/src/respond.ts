import type { ServerResponse } from 'node:http';
import type { GatewayHttpError } from './http-error.js';

/** Writes a JSON answer; never cached, never sniffed. */
export function sendJson(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    ...headers,
  });
  res.end(body);
}

export function sendError(res: ServerResponse, err: GatewayHttpError, headers: Record<string, string> = {}): void {
  sendJson(res, err.status, JSON.stringify(err.body), { ...headers, ...err.headers });
}
