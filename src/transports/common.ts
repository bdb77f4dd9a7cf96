import { DatabaseError, WarmpoolError, redactSecrets } from '../errors.js';
import type { ResolvedOptions } from '../options.js';
import { pgHbaTlsHint } from '../tls/defaults.js';
import { outcome } from '../pool/outcome.js';
import type { Connection, ConnectLimit, RunOptions, Statement, StatementResult, TransactionOptions } from './types.js';

/** Helpers shared by transports; none of them imports a driver. */

/** application_name is limited to 63 bytes by the server; keep the container id visible. */
export function applicationNameFor(options: ResolvedOptions, containerId: string): string {
  const name = `${options.applicationName}:${containerId}`;
  return name.length <= 63 ? name : name.slice(0, 63);
}

/**
 * The password for a new connection. A password function's answer is awaited at most
 * connectTimeoutMs, like the rest of a connect: one that never settles must not hold the connect
 * slot. Its `signal` is aborted when the wait is given up, so a cache can drop that call.
 */
export async function passwordFor(options: ResolvedOptions, refresh = false, limit?: ConnectLimit): Promise<string | undefined> {
  const source = options.password;
  if (typeof source !== 'function') return source;
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopWatching: (() => void) | undefined;
  const givenUp = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new WarmpoolError('CONNECT_FAILED', `The password function did not answer within connectTimeoutMs (${options.connectTimeoutMs} ms); no connection was attempted.`, { notApplied: true }));
    }, options.connectTimeoutMs);
    // The connect's own limit (the caller's deadline) may come first.
    stopWatching = limit?.onReached(() => {
      controller.abort();
      reject(limitReached());
    });
  });
  let value: unknown;
  try {
    value = await Promise.race([Promise.resolve().then(() => source({ refresh, signal: controller.signal })), givenUp]);
  } catch (err) {
    // A provider's own coded error (warmpool/aws) already says what went wrong.
    if (err instanceof WarmpoolError) throw err;
    throw new WarmpoolError('CONNECT_FAILED', 'The password function threw; no connection was attempted.', { cause: err, notApplied: true });
  } finally {
    clearTimeout(timer);
    stopWatching?.();
  }
  if (typeof value !== 'string') {
    throw new WarmpoolError('INVALID_OPTION', `The password function must return a string, got ${typeof value}.`, { notApplied: true });
  }
  return value;
}

/** Thrown by a connect that finds its limit already reached; the pool says which limit it was. */
export function limitReached(): Error {
  return Object.assign(new Error('the connect reached its time limit before it started'), { code: 'CONNECT_LIMIT' });
}

/** Wraps a driver's connect failure: nothing of the caller's was sent, so it is always notApplied. */
export function connectError(err: unknown, options: ResolvedOptions, secrets: string[]): WarmpoolError {
  if (err instanceof WarmpoolError) return err;
  const where = `${options.host}:${options.port}/${options.database} as ${options.user}`;
  const code = (err as { code?: unknown })?.code;
  // Poolers (PgBouncer) send only the localized severity field, which the driver calls severity_local.
  const severity = (err as { severity?: unknown })?.severity ?? (err as { severity_local?: unknown })?.severity_local;
  const message = redactSecrets(describeFailure(err), secrets);
  if (typeof severity === 'string' && typeof code === 'string') {
    const hint = pgHbaTlsHint(code, message, options.ssl) ?? startupParameterHint(message);
    return new WarmpoolError('CONNECT_FAILED', `Could not connect to ${where}: ${message} (SQLSTATE ${code})${hint ? ` ${hint}` : ''}`, { cause: err, notApplied: true, sqlState: code });
  }
  if (code === 'CONNECT_TIMEOUT') {
    return new WarmpoolError('CONNECT_TIMEOUT', `Connecting to ${where} timed out after ${options.connectTimeoutMs} ms.`, { cause: err, notApplied: true });
  }
  const tlsHint = typeof code === 'string' && UNVERIFIED_CERTIFICATE.has(code) ? ` ${certificateHint(options)}` : '';
  return new WarmpoolError('CONNECT_FAILED', `Could not connect to ${where}: ${message}${tlsHint}`, { cause: err, notApplied: true });
}

/** PgBouncer (not detected from its host name) refusing the session timeouts sent at connect. */
function startupParameterHint(message: string): string | undefined {
  if (!/unsupported startup parameter/i.test(message)) return undefined;
  return "A pooler in front (PgBouncer) refuses the session timeouts warmpool sends at connect: pass pooler: 'pgbouncer' (or add ?pgbouncer=true to the URL), or serverIdleSessionTimeoutMs: 0.";
}

/**
 * What a failure says. A WebSocket reports a failed connect as an error event, not an Error: its
 * message (Node's, undici's) or its inner error, else its type, never "[object Event]".
 */
function describeFailure(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err !== 'object' || err === null) return String(err);
  const event = err as { message?: unknown; error?: unknown; type?: unknown };
  if (typeof event.message === 'string' && event.message) return event.message;
  if (event.error instanceof Error && event.error.message) return event.error.message;
  return typeof event.type === 'string' ? `the connection failed (${event.type} event, no reason given)` : 'the connection failed (no reason given)';
}

/** Node's codes for a server certificate that did not verify against the roots trusted. */
const UNVERIFIED_CERTIFICATE = new Set([
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'CERT_HAS_EXPIRED', 'ERR_TLS_CERT_ALTNAME_INVALID',
]);

function certificateHint(options: ResolvedOptions): string {
  const rds = /\.rds\.amazonaws\.com\.?$/i.test(options.host)
    ? " For Amazon RDS, pass its roots: import { RDS_ROOT_CERTIFICATES } from 'warmpool/aws' and ssl: { ca: [...tls.rootCertificates, ...RDS_ROOT_CERTIFICATES] }."
    : '';
  return `The server's certificate did not verify (sslmode ${typeof options.ssl === 'string' ? options.ssl : 'with your TLS options'}): pass the CA that signed it as ssl: { ca }, or connect encrypted without verifying with sslmode=require.${rds}`;
}

const ISOLATION_LEVELS = ['read committed', 'repeatable read', 'serializable'];

/** BEGIN with the requested mode; the isolation level is checked because it becomes SQL text. */
export function transactionStart(tx: TransactionOptions): string {
  if (tx.isolation !== undefined && !ISOLATION_LEVELS.includes(tx.isolation)) {
    throw new WarmpoolError('INVALID_OPTION', `isolation must be one of ${ISOLATION_LEVELS.join(', ')}; got "${String(tx.isolation)}".`, { notApplied: true });
  }
  let text = 'begin';
  if (tx.isolation) text += ` isolation level ${tx.isolation}`;
  if (tx.readOnly) text += ' read only';
  if (tx.deferrable) text += ' deferrable';
  return text;
}

/**
 * Sends BEGIN and the statements after it without waiting for BEGIN's answer: one round trip
 * where the driver pipelines (TCP), when no statement needs describing first. A statement fails
 * only where it would have failed after a confirmed BEGIN, with one exception: a BEGIN the server
 * refuses while the session lives (never seen on an idle session; a pooler that cannot find a
 * server closes the connection instead) lets the statements run on their own, so that is
 * reported as OUTCOME_UNKNOWN, never as their results.
 *
 * On a connection that dies, a statement queued behind one being described may never settle
 * (the driver drops such queues), so none is awaited after the connection is lost.
 */
export async function runAfterBegin(connection: Connection, begin: Statement, statements: readonly Statement[], options: RunOptions, beginOptions = options): Promise<StatementResult[]> {
  const started = connection.run(begin, beginOptions);
  const runs = statements.map((statement) => connection.run(statement, options));
  for (const run of runs) run.catch(() => {});
  const refused = await started.then(() => undefined, (err: unknown) => err ?? new Error('BEGIN failed'));
  if (refused !== undefined) {
    if (connection.dead || !(refused instanceof DatabaseError)) throw outcome(refused, 'batch');
    const ran = await Promise.allSettled(runs);
    if (ran.every((r) => r.status === 'rejected')) throw outcome(refused, 'batch');
    throw new WarmpoolError('OUTCOME_UNKNOWN', `The server refused BEGIN (${refused.message}), and the statements sent with it ran on their own, outside a transaction.`, { cause: refused });
  }
  const results: StatementResult[] = [];
  for (let i = 0; i < runs.length; i++) {
    try {
      results.push(await runs[i]);
    } catch (err) {
      // The rest fail in the aborted transaction; wait for them so the session is quiet on release.
      if (!connection.dead) await Promise.allSettled(runs.slice(i + 1));
      throw err;
    }
  }
  return results;
}

/** SQLSTATE 25006: a read-only transaction refused a write. */
const READ_ONLY_TRANSACTION = '25006';

/**
 * A read sent on a connection due for validation, as its own probe: BEGIN READ ONLY, the
 * statement and COMMIT go together, in one round trip where the driver pipelines. The server
 * answers BEGIN at once however long the statement runs, so BEGIN unanswered within
 * `probeTimeoutMs` (pingTimeoutMs) finds a silently dead connection as a ping would; it is closed.
 * Nothing in a read-only transaction can write, so a connection found dead means the statement
 * had no effect and may be sent again on another (`notApplied`). A statement that turns out to
 * write (a function that writes, FOR UPDATE, nextval) is refused with 25006 and then sent as
 * itself, on a connection now proven alive: the same round trips as a ping first.
 */
export async function runReadOnly(connection: Connection, statement: Statement, options: RunOptions, probeTimeoutMs: number): Promise<StatementResult> {
  try {
    const [result] = await runAfterProbingBegin(connection, BEGIN_READ_ONLY, [statement, COMMIT], options, probeTimeoutMs);
    return result;
  } catch (err) {
    if (err instanceof DatabaseError && err.code === READ_ONLY_TRANSACTION && !connection.dead) return connection.run(statement, options);
    if (err instanceof WarmpoolError && !(err instanceof DatabaseError) && (err.code === 'CONNECTION_LOST' || err.code === 'STALE_STATEMENT')) throw outcome(err, 'batch');
    throw err;
  }
}

/**
 * runAfterBegin on a connection due for validation: BEGIN is the probe. The server answers it at
 * once however long the statements after it run, so BEGIN unanswered within `probeTimeoutMs`
 * (pingTimeoutMs) finds a silently dead connection as a ping would: it is closed, and that is a
 * CONNECTION_LOST with `notApplied` (nothing after an unanswered BEGIN can have committed).
 */
export async function runAfterProbingBegin(connection: Connection, begin: Statement, statements: readonly Statement[], options: RunOptions, probeTimeoutMs: number): Promise<StatementResult[]> {
  const deadline = options.deadline ?? Infinity;
  const probeBy = Date.now() + probeTimeoutMs;
  if (probeBy >= deadline) return runAfterBegin(connection, begin, statements, options);
  return runAfterBegin(connection, begin, statements, options, { deadline: probeBy, abandonBy: probeBy }).catch((err: unknown) => {
    if (err instanceof WarmpoolError && err.code === 'DEADLINE_EXCEEDED' && Date.now() < deadline) {
      throw new WarmpoolError('CONNECTION_LOST', `The connection did not answer BEGIN within pingTimeoutMs (${probeTimeoutMs} ms) after an idle gap; it was closed, and nothing sent on it had an effect.`, { cause: err, notApplied: true });
    }
    throw err;
  });
}

const BEGIN_READ_ONLY: Statement = Object.freeze({ text: 'begin read only', params: [] });
const COMMIT: Statement = Object.freeze({ text: 'commit', params: [] });

/**
 * A batch on a session: BEGIN and the statements sent together (runAfterBegin), then COMMIT once
 * all succeeded. Whatever fails before COMMIT is sent leaves the transaction open or aborted, and
 * never committed: the pool's release rule rolls it back or closes the connection. Past the
 * deadline no COMMIT is sent.
 */
export async function batchInSession(connection: Connection, statements: readonly Statement[], tx: TransactionOptions, options: RunOptions): Promise<StatementResult[]> {
  let results: StatementResult[];
  try {
    refuseAfterDeadline(options);
    results = await runAfterBegin(connection, { text: transactionStart(tx), params: [] }, statements, options);
    refuseAfterDeadline(options);
  } catch (err) {
    throw outcome(err, 'batch');
  }
  await connection.run({ text: 'commit', params: [] }, options);
  return results;
}

function refuseAfterDeadline(options: RunOptions): void {
  if (options.deadline !== undefined && Date.now() >= options.deadline) {
    throw new WarmpoolError('DEADLINE_EXCEEDED', 'The deadline passed before the batch was committed; it was not sent further and did not commit.', { notApplied: true });
  }
}
