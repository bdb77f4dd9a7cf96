/**
 * Shared by every sample handler: one pool per Lambda container, created at module scope so warm
 * invocations reuse its connection. Creating it does not connect; the first query does.
 */
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { WarmpoolError, createPool, isTransient } from 'warmpool';

/** The object form of APIGatewayProxyResultV2, which is what every sample returns. */
export type HttpResult = APIGatewayProxyStructuredResultV2;

export const db = createPool({
  connectionString: process.env.DATABASE_URL,
  // A container runs one invocation at a time, so 1 is enough. The whole function's connection
  // budget is reservedConcurrency times max (see serverless.yml).
  max: positiveInt(process.env.WARMPOOL_MAX, 1),
});

export function json(status: number, body: unknown, headers: Record<string, string> = {}): HttpResult {
  return {
    statusCode: status,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  };
}

/**
 * 503 for transient database trouble, else 500. Logs the coded error. The client gets the code of a
 * transient failure (OUTCOME_UNKNOWN tells it to retry with the same Idempotency-Key), no internals.
 */
export function errorResponse(err: unknown): HttpResult {
  const code = err instanceof WarmpoolError ? err.code : 'UNEXPECTED';
  console.error(JSON.stringify({ level: 'error', code, message: err instanceof Error ? err.message : String(err) }));
  if (isTransient(err)) {
    // A server error keeps its SQLSTATE (40001: the client may send the request again).
    const sqlState = err instanceof WarmpoolError && err.code === err.sqlState ? err.sqlState : undefined;
    return json(503, { error: 'service temporarily unavailable', code: sqlState ?? code }, { 'retry-after': '1' });
  }
  return json(500, { error: 'internal error' });
}

function positiveInt(value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`WARMPOOL_MAX must be a positive integer, got "${value}"`);
  return n;
}
