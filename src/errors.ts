/**
 * Every error warmpool raises is a WarmpoolError with a stable `code`. Callers branch on `code`,
 * never on message text. Server errors are DatabaseErrors and keep their SQLSTATE in `code` (typed
 * `SqlState`, which no warmpool code matches, so `e.code === 'OUTCOME_UNKNOWN'` type-checks and
 * narrows, and a misspelt code does not compile); `sqlState` holds it on every error that has one.
 */

export type WarmpoolErrorCode =
  | 'INVALID_OPTION'
  | 'INVALID_CONNECTION_STRING'
  | 'INVALID_PARAMETER'
  | 'INVALID_QUERY'
  | 'ACQUIRE_TIMEOUT'
  | 'CONNECT_TIMEOUT'
  | 'CONNECT_FAILED'
  | 'CONNECTION_LOST'
  | 'DEADLINE_EXCEEDED'
  | 'QUERY_TIMEOUT'
  | 'OUTCOME_UNKNOWN'
  | 'IN_PROGRESS'
  | 'ALREADY_APPLIED'
  | 'IDEMPOTENCY_PAYLOAD_MISMATCH'
  | 'IDEMPOTENCY_TABLE_MISSING'
  | 'IDEMPOTENCY_KEY_MISSING'
  | 'RESULT_NOT_JSON'
  | 'TRANSACTION_ROLLED_BACK'
  | 'QUERY_NOT_AWAITED'
  | 'CONCURRENT_SAVEPOINT'
  | 'STALE_STATEMENT'
  | 'POOL_HELD_BY_TRANSACTION'
  | 'POOL_ENDED'
  | 'TRANSPORT_UNAVAILABLE'
  | 'NOT_SUPPORTED_ON_TRANSPORT'
  | 'PAYLOAD_TOO_LARGE'
  | 'RESULT_TOO_LARGE'
  | 'MISSING_PACKAGE';

type Digit = '0' | '1' | '2' | '3' | '4' | '5' | '6' | '7' | '8' | '9';

/**
 * A SQLSTATE: five characters, the class first ('23505', '42P01', '0A000'; PostgreSQL's only
 * classes starting with a letter are F0, HV, P0 and XX).
 */
export type SqlState = `${Digit}${string}` | `F0${string}` | `HV${string}` | `P0${string}` | `XX${string}`;

export interface WarmpoolErrorOptions {
  cause?: unknown;
  /** true when the work certainly had no effect on the server (never sent, or its transaction never committed). */
  notApplied?: boolean;
  /** SQLSTATE of the server error behind this one, if any. */
  sqlState?: string;
}

export class WarmpoolError extends Error {
  /** One of WarmpoolErrorCode; on a DatabaseError the server's SQLSTATE. */
  readonly code: WarmpoolErrorCode | SqlState;
  /**
   * true when the work certainly had no effect on the server: it was never sent, or it ran inside a
   * transaction whose COMMIT was never sent. A retry cannot double it.
   */
  readonly notApplied: boolean;
  /** SQLSTATE of the server error behind this one, if any (equal to `code` on a DatabaseError). */
  readonly sqlState?: SqlState;

  constructor(code: WarmpoolErrorCode | SqlState, message: string, options: WarmpoolErrorOptions = {}) {
    super(redactSecrets(message));
    this.name = 'WarmpoolError';
    this.code = code;
    this.notApplied = options.notApplied ?? false;
    if (options.sqlState !== undefined) this.sqlState = options.sqlState as SqlState;
    if (options.cause !== undefined) {
      // Non-enumerable so JSON.stringify(err) and logs of err stay small; the cause is sanitised.
      Object.defineProperty(this, 'cause', { value: sanitizeCause(options.cause), enumerable: false, writable: true, configurable: true });
    }
  }
}

export interface ServerErrorFields {
  code: string;
  severity?: string;
  detail?: string;
  hint?: string;
  position?: string;
  schema?: string;
  table?: string;
  column?: string;
  constraint?: string;
}

/** An error the server answered with. `code` is the SQLSTATE (e.g. '23505'). */
export class DatabaseError extends WarmpoolError {
  declare readonly code: SqlState;
  declare readonly sqlState: SqlState;
  readonly severity?: string;
  readonly detail?: string;
  readonly hint?: string;
  readonly position?: string;
  readonly schema?: string;
  readonly table?: string;
  readonly column?: string;
  readonly constraint?: string;

  constructor(message: string, fields: ServerErrorFields, options: WarmpoolErrorOptions = {}) {
    super(fields.code as SqlState, message, { ...options, sqlState: fields.code });
    this.name = 'DatabaseError';
    for (const key of ['severity', 'detail', 'hint', 'position', 'schema', 'table', 'column', 'constraint'] as const) {
      if (fields[key] !== undefined) (this as Record<string, unknown>)[key] = redactSecrets(String(fields[key]));
    }
  }
}

const URL_CREDENTIALS = /([a-z][a-z0-9+.-]*:\/\/)([^\s/@:]*)(:[^\s/@]*)?@/gi;
const KEY_VALUE_PASSWORD = /\b(password|pass|pwd|token|secret)=([^\s&;'"]+)/gi;

/** Removes credentials from connection strings and key=value pairs inside free text. */
export function redactSecrets(text: string, knownSecrets: readonly string[] = []): string {
  let out = text
    .replace(URL_CREDENTIALS, (_m, scheme: string, user: string, pass?: string) => `${scheme}${user}${pass ? ':***' : ''}@`)
    .replace(KEY_VALUE_PASSWORD, (_m, key: string) => `${key}=***`);
  for (const secret of knownSecrets) {
    if (secret.length >= 4) out = out.split(secret).join('***');
  }
  return out;
}

/** A connection string safe to show: the password replaced by ***. */
export function redactUrl(url: string): string {
  return redactSecrets(url);
}

/** Keeps a driver error useful (name, code, message) without its properties that may echo secrets. */
function sanitizeCause(cause: unknown): unknown {
  if (!(cause instanceof Error)) return cause;
  const copy = new Error(redactSecrets(cause.message));
  copy.name = cause.name;
  const code = (cause as { code?: unknown }).code;
  if (typeof code === 'string') Object.defineProperty(copy, 'code', { value: code, enumerable: true });
  copy.stack = redactSecrets(cause.stack ?? '');
  return copy;
}

export function isWarmpoolError(value: unknown): value is WarmpoolError {
  return value instanceof WarmpoolError;
}
