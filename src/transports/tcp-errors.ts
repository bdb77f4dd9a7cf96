/**
 * What a failure on a TCP connection means: which driver errors say the socket is gone, the
 * server's last words before it closed, which statements cannot have committed when the server
 * ended the session before their CommandComplete, and which errors say a prepared statement no
 * longer matches the schema. tcp.ts decides with these; they hold no state.
 */
import type postgres from 'postgres';
import type { ServerErrorFields } from '../errors.js';

/** Driver error codes meaning the socket is gone. */
export const SOCKET_GONE = new Set([
  'CONNECTION_CLOSED', 'CONNECTION_DESTROYED', 'CONNECTION_ENDED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT',
  'ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ERR_STREAM_DESTROYED', 'ERR_SOCKET_CLOSED',
]);

/**
 * Statements that, run as their own transaction, commit only after the server sent their
 * CommandComplete (at the Sync that follows). Not transaction control (COMMIT commits first), not
 * CALL or DO (a procedure may commit inside), not utility commands that commit at once (VACUUM,
 * CREATE DATABASE, CREATE INDEX CONCURRENTLY…).
 */
export const COMMITS_AFTER_COMPLETE = new Set(['select', 'insert', 'update', 'delete', 'merge', 'with', 'values', 'table']);

/** The server ending a session itself: terminated, crash of another process, shutdown, idle timeouts. */
export const SERVER_TERMINATIONS = new Set(['57P01', '57P02', '57P03', '57P05', '25P03']);

/**
 * An error that says a prepared statement no longer matches the schema it was planned against
 * (a type dropped and created again); the driver re-prepares on its own only for some of these.
 * The session is closed on release, so the next use prepares afresh.
 */
export function isStaleStatement(err: postgres.PostgresError): boolean {
  return (err.code === 'XX000' && err.message.startsWith('cache lookup failed for type')) || (err.code === '0A000' && err.message.startsWith('cached plan must not change result type'));
}

/**
 * The server's last words, if `chunk` ends with them: a FATAL or PANIC ErrorResponse, or the
 * WARNING notice of class 57P an immediate shutdown sends instead (PostgreSQL 14+).
 */
export function trailingFatal(chunk: Buffer | undefined): { code: string; message: string } | undefined {
  if (!chunk) return undefined;
  for (let i = chunk.length - 5; i >= 0; i--) {
    if ((chunk[i] !== 0x45 /* E */ && chunk[i] !== 0x4e /* N */) || i + 1 + chunk.readUInt32BE(i + 1) !== chunk.length) continue;
    const fields: Record<string, string> = {};
    for (let at = i + 5; at < chunk.length && chunk[at] !== 0; ) {
      const end = chunk.indexOf(0, at + 1);
      if (end < 0) break;
      fields[String.fromCharCode(chunk[at])] = chunk.toString('utf8', at + 1, end);
      at = end + 1;
    }
    const severity = fields.V ?? fields.S;
    const last = chunk[i] === 0x45 ? severity === 'FATAL' || severity === 'PANIC' : fields.C?.startsWith('57P');
    return last && fields.C ? { code: fields.C, message: fields.M ?? '' } : undefined;
  }
  return undefined;
}


/** postgres.js names some fields of a server error differently (table_name, constraint_name…). */
export function serverFields(err: postgres.PostgresError): ServerErrorFields {
  const e = err as postgres.PostgresError & Record<string, string | undefined>;
  return { code: e.code, severity: e.severity, detail: e.detail, hint: e.hint, position: e.position, schema: e.schema_name, table: e.table_name, column: e.column_name, constraint: e.constraint_name };
}
