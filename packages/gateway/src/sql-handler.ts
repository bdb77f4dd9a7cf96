import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody } from './body.js';
import { loginFromConnectionString } from './connection-string.js';
import type { CredentialCache } from './credentials.js';
import { GatewayHttpError, authFailed, isServerError, serverErrorResponse, sqlStateError } from './http-error.js';
import type { GatewayConfig } from './options.js';
import { since } from './log.js';
import { parseNeonHeaders, parsePayload, type NeonHeaders, type QueryData } from './payload.js';
import { bearerToken, type RequestGuard } from './request-guard.js';
import { ResponseBudget, StatementJson, responseTooLarge } from './result-json.js';
import { sendError, sendJson } from './respond.js';
import { CopyNotSupported, StatementStopped, type UpstreamConnection } from './upstream.js';
import { BatchNotApplied } from './upstream-errors.js';
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

/** Where a request's time went, for its log line. */
export interface SqlTiming {
  /** Waiting for a connection: the queue, or opening and authenticating one. */
  acquireMs?: number;
  /** Running the statement or the batch (BEGIN to COMMIT) on the upstream connection. */
  upstreamMs?: number;
  /** SQLSTATE of the answer when it is an error. */
  code?: string;
}

export async function handleSql(ctx: SqlContext, req: IncomingMessage, res: ServerResponse, cors: Record<string, string>, timing: SqlTiming = {}): Promise<void> {
  const gone = new AbortController();
  res.on('close', () => {
    if (!res.writableEnded) gone.abort();
  });
  let conn: UpstreamConnection | undefined;
  /** The statement running or last run: the one a server error is about. */
  let current: QueryData | undefined;
  /** When the statements started on the upstream connection. */
  let running: number | undefined;
  try {
    ctx.guard.checkToken(bearerToken(req));
    const login = loginFromConnectionString(req.headers['neon-connection-string'], ctx.config.upstream);
    const headers = parseNeonHeaders(req.headers);
    const payload = parsePayload(await readBody(req, ctx.config.maxBodyBytes));
    const credential = ctx.credentials.credential(login.user, login.password);

    const waiting = performance.now();
    conn = await ctx.pool.acquire(credential, gone.signal).catch((err: unknown) => {
      const failure = connectFailure(err);
      if (failure.status === 503 && failure.body.code === '08001') {
        const code = String((err as { code?: unknown })?.code ?? 'error');
        ctx.config.logEvent({ level: 'warn', event: 'upstream.connect_failed', route: '/sql', code, message: `could not connect to the upstream (${code})` });
      }
      throw failure;
    });
    timing.acquireMs = since(waiting);
    if (gone.signal.aborted) return;
    running = performance.now();

    const budget = new ResponseBudget(ctx.config.maxResponseBytes);
    const run = (q: QueryData) => {
      current = q;
      return runStatement(conn!, q, headers, budget, gone.signal);
    };
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
    timing.upstreamMs = since(running);
    sendJson(res, 200, body, extra);
  } catch (caught) {
    const err = conn && current ? await parameterCountError(conn, current, caught) : caught;
    const answer = toHttpError(err, ctx.config.maxResponseBytes);
    if (running !== undefined) timing.upstreamMs ??= since(running);
    timing.code = answer.body.code;
    // A refused request's body may be unread: close the connection rather than drain it.
    if (!gone.signal.aborted) sendError(res, answer, { ...cors, ...(req.complete ? {} : { Connection: 'close' }) });
  } finally {
    if (conn?.dead) {
      // Lost or stopped: its slot is free at once, and no request of the same user waits for it.
      ctx.pool.release(conn, false);
    } else if (conn) {
      const c = conn;
      // After the response: the client does not wait for the reset.
      ctx.pool.returning(c);
      void c.reset().then((clean) => ctx.pool.release(c, clean, true));
    }
  }
}

/**
 * Runs the batch between BEGIN and COMMIT; any failure rolls the whole batch back. A connection
 * lost before COMMIT was sent is a BatchNotApplied: the server rolled the transaction back.
 */
async function runBatch(conn: UpstreamConnection, queries: QueryData[], headers: NeonHeaders, run: (q: QueryData) => Promise<string>): Promise<string[]> {
  const mode = [
    headers.isolation && `isolation level ${headers.isolation}`,
    headers.readOnly && 'read only',
    headers.deferrable && 'deferrable',
  ].filter(Boolean);
  const results: string[] = [];
  let committing = false;
  try {
    await conn.control(`begin${mode.length ? ` ${mode.join(' ')}` : ''}`);
    for (const q of queries) results.push(await run(q));
    committing = true;
    await conn.control('commit');
    return results;
  } catch (err) {
    // A stopped or lost statement closed the connection: the server rolls back on its own.
    if (!conn.dead) await conn.rollback();
    const lost = !isServerError(err) && !(err instanceof StatementStopped) && !(err instanceof CopyNotSupported);
    if (lost && !committing && !queries.some((q) => mayEndTransaction(q.query))) throw new BatchNotApplied(err);
    throw err;
  }
}

/** A statement that could end the batch's transaction early, after which later ones commit on their own. */
function mayEndTransaction(text: string): boolean {
  const start = text.replace(/^(\s+|--[^\n]*\n?|\/\*[\s\S]*?\*\/)*/, '');
  return /^(commit|end|rollback|abort|prepare\s+transaction)\b/i.test(start);
}

/**
 * PostgreSQL answers more parameters than placeholders with 08P01 at Bind. postgres.js declares a
 * type for every parameter in its Parse, so the server fails earlier, with 42P18 for the
 * unreferenced one; the statement is described without parameters to tell the two apart.
 */
async function parameterCountError(conn: UpstreamConnection, q: QueryData, err: unknown): Promise<unknown> {
  if (!isServerError(err) || err.code !== '42P18' || q.params.length === 0 || conn.dead) return err;
  const wanted = await conn.placeholders(q.query);
  if (wanted === undefined || wanted >= q.params.length) return err;
  return new GatewayHttpError(400, {
    message: `bind message supplies ${q.params.length} parameters, but prepared statement "" requires ${wanted}`,
    code: '08P01',
    severity: 'ERROR',
  });
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
  // Not applied, so safe to send again at once (warmpool/http does, as over TCP).
  if (err instanceof BatchNotApplied) return sqlStateError(503, '08006', err.message, { 'Retry-After': '0' });
  if (isServerError(err)) return serverErrorResponse(err);
  return sqlStateError(502, '08006', 'the connection to the upstream database was lost');
}
