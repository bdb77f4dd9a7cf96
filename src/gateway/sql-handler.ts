import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody } from './body.js';
import { loginFromConnectionString } from './connection-string.js';
import type { CredentialCache } from './credentials.js';
import { GatewayHttpError, authFailed, isServerError, serverErrorResponse, sqlStateError } from './http-error.js';
import type { GatewayConfig } from './options.js';
import { parseNeonHeaders, parsePayload, type NeonHeaders, type QueryData } from './payload.js';
import { bearerToken, type RequestGuard } from './request-guard.js';
import { ResponseBudget, StatementJson, responseTooLarge } from './result-json.js';
import { sendError, sendJson } from './respond.js';
import { CopyNotSupported, StatementStopped, type UpstreamConnection } from './upstream.js';
import type { UpstreamPool } from './upstream-pool.js';

/**
 * `POST /sql`: Neon's HTTP query protocol. In order: bearer token, connection string (must name
 * the upstream), Neon-* headers, body (size-limited), a connection authenticated as the request's
 * user, then the statement, or the batch inside one transaction. The response goes out before the
 * connection's session is reset and returned to the pool. When the client goes away, the running
 * statement is cancelled on the server.
 */

export interface SqlContext {
  config: GatewayConfig;
  guard: RequestGuard;
  credentials: CredentialCache;
  pool: UpstreamPool;
}

export async function handleSql(ctx: SqlContext, req: IncomingMessage, res: ServerResponse, cors: Record<string, string>): Promise<void> {
  const gone = new AbortController();
  res.on('close', () => {
    if (!res.writableEnded) gone.abort();
  });
  let conn: UpstreamConnection | undefined;
  try {
    ctx.guard.checkToken(bearerToken(req));
    const login = loginFromConnectionString(req.headers['neon-connection-string'], ctx.config.upstream);
    const headers = parseNeonHeaders(req.headers);
    const payload = parsePayload(await readBody(req, ctx.config.maxBodyBytes));
    const credential = ctx.credentials.credential(login.user, login.password);

    conn = await ctx.pool.acquire(credential, gone.signal).catch((err: unknown) => {
      const failure = connectFailure(err);
      if (failure.status === 503 && failure.body.code === '08001') {
        ctx.config.log(`warmpool gateway: could not connect to the upstream (${String((err as { code?: unknown })?.code ?? 'error')})`);
      }
      throw failure;
    });
    if (gone.signal.aborted) return;

    const budget = new ResponseBudget(ctx.config.maxResponseBytes);
    const run = (q: QueryData) => runStatement(conn!, q, headers, budget, gone.signal);
    let body: string;
    const extra: Record<string, string> = { ...cors };
    if (payload.kind === 'single') {
      body = await run(payload.query);
    } else {
      body = `{"results":[${(await runBatch(conn, payload.queries, headers, run)).join(',')}]}`;
      if (headers.readOnly) extra['Neon-Batch-Read-Only'] = 'true';
      if (headers.deferrable) extra['Neon-Batch-Deferrable'] = 'true';
      if (headers.isolation) extra['Neon-Batch-Isolation-Level'] = req.headers['neon-batch-isolation-level'] as string;
    }
    sendJson(res, 200, body, extra);
  } catch (err) {
    // A refused request's body may be unread: close the connection rather than drain it.
    if (!gone.signal.aborted) sendError(res, toHttpError(err, ctx.config.maxResponseBytes), { ...cors, ...(req.complete ? {} : { Connection: 'close' }) });
  } finally {
    if (conn) {
      const c = conn;
      // After the response: the client does not wait for the reset.
      ctx.pool.returning(c);
      void c.reset().then((clean) => ctx.pool.release(c, clean, true));
    }
  }
}

/** Runs the batch between BEGIN and COMMIT; any failure rolls the whole batch back. */
async function runBatch(conn: UpstreamConnection, queries: QueryData[], headers: NeonHeaders, run: (q: QueryData) => Promise<string>): Promise<string[]> {
  const mode = [
    headers.isolation && `isolation level ${headers.isolation}`,
    headers.readOnly && 'read only',
    headers.deferrable && 'deferrable',
  ].filter(Boolean);
  await conn.control(`begin${mode.length ? ` ${mode.join(' ')}` : ''}`);
  const results: string[] = [];
  try {
    for (const q of queries) results.push(await run(q));
    await conn.control('commit');
    return results;
  } catch (err) {
    // A stopped statement closed the connection: the server rolls back on its own.
    if (!conn.dead) await conn.control('rollback').catch(() => conn.destroy());
    throw err;
  }
}

async function runStatement(conn: UpstreamConnection, q: QueryData, headers: NeonHeaders, budget: ResponseBudget, signal: AbortSignal): Promise<string> {
  const json = new StatementJson({ rawText: headers.rawText, arrayMode: q.arrayMode ?? headers.arrayMode }, budget);
  const outcome = await conn.run(q.query, q.params, (values, columns) => json.push(values, columns), budget, signal);
  return json.finish(outcome.columns, outcome.command, outcome.count);
}

/** Why a connection could not be had, as the client should see it. */
function connectFailure(err: unknown): GatewayHttpError {
  if (err instanceof GatewayHttpError) return err;
  if (isServerError(err)) {
    // 28P01 wrong password / unknown user, 28000 no pg_hba entry: one answer, so callers cannot
    // tell which users exist.
    return String(err.code).startsWith('28') ? authFailed() : serverErrorResponse(err);
  }
  return sqlStateError(503, '08001', 'could not connect to the upstream database', { 'Retry-After': '1' });
}

function toHttpError(err: unknown, maxResponseBytes: number): GatewayHttpError {
  if (err instanceof GatewayHttpError) return err;
  if (err instanceof StatementStopped) {
    if (err.reason === 'too-large') return responseTooLarge(maxResponseBytes);
    return sqlStateError(400, '57014', 'canceling statement due to statement timeout');
  }
  if (err instanceof CopyNotSupported) return sqlStateError(400, '0A000', err.message);
  if (isServerError(err)) return serverErrorResponse(err);
  return sqlStateError(502, '08006', 'the connection to the upstream database was lost');
}
