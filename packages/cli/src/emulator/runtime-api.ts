/**
 * The Lambda Runtime API (version 2018-06-01) of one emulated execution environment, as the
 * runtime inside sees it at AWS_LAMBDA_RUNTIME_API: it long-polls `GET …/invocation/next`, then
 * posts `…/invocation/{id}/response` or `…/invocation/{id}/error`, or `…/init/error` when the
 * handler module cannot be loaded. Each environment gets its own server, as each Lambda
 * execution environment has its own endpoint.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** What a runtime reports for a failed invocation or init (the Runtime API's error body). */
export interface FunctionError {
  errorType: string;
  errorMessage: string;
  /** The stack as lines, the first one `<type>: <message>` (the RIC's name for it). */
  trace?: string[];
  /** Emulator extension: a `code` property of the thrown error (e.g. warmpool's OUTCOME_UNKNOWN). */
  code?: string;
  /** Emulator extension: warmpool's `notApplied` flag of the thrown error. */
  notApplied?: boolean;
}

/** A response sent in the streaming response mode: its content type and every byte, in order. */
export interface StreamedResponse {
  contentType: string;
  body: Buffer;
}

export type RuntimeOutcome = { ok: true; payload: unknown; streamed?: StreamedResponse } | { ok: false; error: FunctionError };

export interface Invocation {
  requestId: string;
  event: unknown;
  /** Wall-clock deadline (Unix ms), sent as Lambda-Runtime-Deadline-Ms. */
  deadlineMs: number;
  invokedFunctionArn: string;
  traceId: string;
  clientContext?: string;
  cognitoIdentity?: string;
  settle(outcome: RuntimeOutcome): void;
}

const PREFIX = '/2018-06-01/runtime';
/** Lambda's limit for a synchronous response payload. */
export const MAX_RESPONSE_BYTES = 6_291_556;
/** Lambda's default limit for a streamed response (200 MB). */
export const MAX_STREAMED_RESPONSE_BYTES = 200 * 1024 * 1024;

export class RuntimeApiServer {
  readonly #server: http.Server;
  /** Pending `next` long polls: one per runtime slot that waits for work. */
  readonly #polls: http.ServerResponse[] = [];
  readonly #queue: Invocation[] = [];
  readonly #inFlight = new Map<string, Invocation>();
  /** A runtime slot asked for work: after init, and after each response or error. */
  onPoll: () => void = () => {};
  onInitError: (error: FunctionError) => void = () => {};

  private constructor(server: http.Server) {
    this.#server = server;
    server.on('request', (req, res) => this.#route(req, res));
  }

  static async listen(): Promise<RuntimeApiServer> {
    const server = http.createServer();
    // A `next` request stays open for as long as the environment is frozen or idle.
    server.requestTimeout = 0;
    server.headersTimeout = 0;
    server.keepAliveTimeout = 0;
    const api = new RuntimeApiServer(server);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return api;
  }

  /** host:port, the value of AWS_LAMBDA_RUNTIME_API. */
  get address(): string {
    const { port } = this.#server.address() as AddressInfo;
    return `127.0.0.1:${port}`;
  }

  get waitingPolls(): number {
    return this.#polls.length;
  }

  get inFlight(): number {
    return this.#inFlight.size + this.#queue.length;
  }

  /** Hands an invocation to a waiting runtime slot, or queues it until one asks. */
  deliver(invocation: Invocation): void {
    this.#queue.push(invocation);
    this.#dispatch();
  }

  /** Ends an invocation from outside (timeout): a late response for it is refused. */
  abandon(requestId: string, error: FunctionError): void {
    const queued = this.#queue.findIndex((i) => i.requestId === requestId);
    const invocation = queued >= 0 ? this.#queue.splice(queued, 1)[0] : this.#inFlight.get(requestId);
    this.#inFlight.delete(requestId);
    invocation?.settle({ ok: false, error });
  }

  /** The runtime is gone: every invocation it held fails; those it never took get `undelivered`. */
  failAll(error: (requestId: string) => FunctionError, undelivered: FunctionError): void {
    const taken = [...this.#inFlight.values()];
    const queued = this.#queue.splice(0);
    this.#inFlight.clear();
    for (const invocation of taken) invocation.settle({ ok: false, error: error(invocation.requestId) });
    for (const invocation of queued) invocation.settle({ ok: false, error: undelivered });
  }

  close(): void {
    for (const res of this.#polls.splice(0)) res.destroy();
    this.#server.closeAllConnections();
    this.#server.close();
  }

  #dispatch(): void {
    while (this.#queue.length > 0 && this.#polls.length > 0) {
      const res = this.#polls.shift()!;
      if (res.destroyed) continue;
      const invocation = this.#queue.shift()!;
      this.#inFlight.set(invocation.requestId, invocation);
      const body = JSON.stringify(invocation.event ?? null);
      res.writeHead(200, {
        'Content-Type': 'application/json',
        'Content-Length': Buffer.byteLength(body),
        'Lambda-Runtime-Aws-Request-Id': invocation.requestId,
        'Lambda-Runtime-Deadline-Ms': String(invocation.deadlineMs),
        'Lambda-Runtime-Invoked-Function-Arn': invocation.invokedFunctionArn,
        'Lambda-Runtime-Trace-Id': invocation.traceId,
        ...(invocation.clientContext ? { 'Lambda-Runtime-Client-Context': invocation.clientContext } : {}),
        ...(invocation.cognitoIdentity ? { 'Lambda-Runtime-Cognito-Identity': invocation.cognitoIdentity } : {}),
      });
      res.end(body);
    }
  }

  #route(req: http.IncomingMessage, res: http.ServerResponse): void {
    const path = (req.url ?? '').split('?')[0];
    if (req.method === 'GET' && path === `${PREFIX}/invocation/next`) {
      this.#polls.push(res);
      res.on('close', () => {
        const i = this.#polls.indexOf(res);
        if (i >= 0) this.#polls.splice(i, 1);
      });
      this.onPoll();
      this.#dispatch();
      return;
    }
    const match = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/.exec(path);
    if (req.method === 'POST' && match) {
      void this.#settleFromBody(req, res, decodeURIComponent(match[1]), match[2] as 'response' | 'error');
      return;
    }
    if (req.method === 'POST' && path === `${PREFIX}/init/error`) {
      void readBody(req, MAX_RESPONSE_BYTES).then(({ text }) => {
        reply(res, 202, { status: 'OK' });
        this.onInitError(parseError(text, req.headers['lambda-runtime-function-error-type']));
      });
      return;
    }
    reply(res, 404, { errorMessage: `No route for ${req.method} ${path}`, errorType: 'NotFound' });
  }

  async #settleFromBody(req: http.IncomingMessage, res: http.ServerResponse, requestId: string, kind: 'response' | 'error'): Promise<void> {
    const invocation = this.#inFlight.get(requestId);
    if (kind === 'response' && /^streaming$/i.test(String(req.headers['lambda-runtime-function-response-mode'] ?? ''))) {
      await this.#settleStreamed(req, res, requestId, invocation);
      return;
    }
    const { text, tooLarge } = await readBody(req, MAX_RESPONSE_BYTES);
    if (!invocation || this.#inFlight.get(requestId) !== invocation) {
      reply(res, 400, { errorMessage: 'Invalid request ID', errorType: 'InvalidRequestID' });
      return;
    }
    this.#inFlight.delete(requestId);
    if (tooLarge) {
      reply(res, 413, { errorMessage: `Exceeded maximum allowed payload size (${MAX_RESPONSE_BYTES} bytes).`, errorType: 'RequestEntityTooLarge' });
      invocation.settle({
        ok: false,
        error: { errorType: 'Function.ResponseSizeTooLarge', errorMessage: `Response payload size exceeded maximum allowed payload size (${MAX_RESPONSE_BYTES} bytes).` },
      });
      return;
    }
    reply(res, 202, { status: 'OK' });
    if (kind === 'response') invocation.settle({ ok: true, payload: parsePayload(text) });
    else invocation.settle({ ok: false, error: parseError(text, req.headers['lambda-runtime-function-error-type']) });
  }

  /** Reads a chunked response to its end; an error the runtime hit on the way comes in the trailers. */
  async #settleStreamed(req: http.IncomingMessage, res: http.ServerResponse, requestId: string, invocation: Invocation | undefined): Promise<void> {
    const { body, tooLarge } = await readBytes(req, MAX_STREAMED_RESPONSE_BYTES);
    if (!invocation || this.#inFlight.get(requestId) !== invocation) {
      reply(res, 400, { errorMessage: 'Invalid request ID', errorType: 'InvalidRequestID' });
      return;
    }
    this.#inFlight.delete(requestId);
    reply(res, tooLarge ? 413 : 202, tooLarge ? { errorType: 'RequestEntityTooLarge', errorMessage: 'streamed response too large' } : { status: 'OK' });
    if (tooLarge) {
      invocation.settle({ ok: false, error: { errorType: 'Function.ResponseSizeTooLarge', errorMessage: `Response payload size exceeded maximum allowed payload size (${MAX_STREAMED_RESPONSE_BYTES} bytes).` } });
      return;
    }
    const errorType = req.trailers['lambda-runtime-function-error-type'];
    if (errorType) {
      const encoded = req.trailers['lambda-runtime-function-error-body'] ?? '';
      invocation.settle({ ok: false, error: parseError(Buffer.from(encoded, 'base64').toString('utf8'), errorType) });
      return;
    }
    const contentType = String(req.headers['content-type'] ?? 'application/octet-stream');
    invocation.settle({ ok: true, payload: body.toString('utf8'), streamed: { contentType, body } });
  }
}

function readBytes(req: http.IncomingMessage, limit: number): Promise<{ body: Buffer; tooLarge: boolean }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    req.on('end', () => resolve({ body: Buffer.concat(chunks), tooLarge: size > limit }));
    req.on('error', () => resolve({ body: Buffer.alloc(0), tooLarge: false }));
  });
}

function reply(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function readBody(req: http.IncomingMessage, limit: number): Promise<{ text: string; tooLarge: boolean }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    req.on('end', () => resolve({ text: Buffer.concat(chunks).toString('utf8'), tooLarge: size > limit }));
    req.on('error', () => resolve({ text: '', tooLarge: false }));
  });
}

function parsePayload(text: string): unknown {
  if (text === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function parseError(text: string, headerType: string | string[] | undefined): FunctionError {
  const fallbackType = (Array.isArray(headerType) ? headerType[0] : headerType) || 'Unhandled';
  const body = parsePayload(text) as Partial<FunctionError> | string | null;
  if (!body || typeof body !== 'object') return { errorType: fallbackType, errorMessage: typeof body === 'string' ? body : '' };
  return {
    errorType: typeof body.errorType === 'string' ? body.errorType : fallbackType,
    errorMessage: typeof body.errorMessage === 'string' ? body.errorMessage : '',
    ...(Array.isArray(body.trace) ? { trace: body.trace.map(String) } : {}),
    ...(typeof body.code === 'string' ? { code: body.code } : {}),
    ...(typeof body.notApplied === 'boolean' ? { notApplied: body.notApplied } : {}),
  };
}
