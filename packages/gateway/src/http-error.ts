/**
 * What the gateway answers when it refuses or fails a request. The body is the JSON Neon's proxy
 * sends: `message`, plus the server's SQLSTATE fields when Postgres produced the error. The Neon
 * driver turns a 400 body into a NeonDbError carrying those fields; other statuses reach the
 * caller as `Server error (HTTP status N): <body>`.
 */

export interface ErrorBody {
  message: string;
  code?: string;
  severity?: string;
  detail?: string;
  hint?: string;
  position?: string;
  internalPosition?: string;
  internalQuery?: string;
  where?: string;
  schema?: string;
  table?: string;
  column?: string;
  dataType?: string;
  constraint?: string;
  file?: string;
  line?: string;
  routine?: string;
}

export class GatewayHttpError extends Error {
  readonly status: number;
  readonly body: ErrorBody;
  readonly headers: Record<string, string>;

  constructor(status: number, body: ErrorBody | string, headers: Record<string, string> = {}) {
    const b = typeof body === 'string' ? { message: body } : body;
    super(b.message);
    this.name = 'GatewayHttpError';
    this.status = status;
    this.body = b;
    this.headers = headers;
  }
}

/** postgres.js error property → Neon response field. */
const SERVER_FIELDS: ReadonlyArray<[string, keyof ErrorBody]> = [
  ['code', 'code'],
  ['severity', 'severity'],
  ['detail', 'detail'],
  ['hint', 'hint'],
  ['position', 'position'],
  ['internal_position', 'internalPosition'],
  ['internal_query', 'internalQuery'],
  ['where', 'where'],
  ['schema_name', 'schema'],
  ['table_name', 'table'],
  ['column_name', 'column'],
  ['data_type_name', 'dataType'],
  ['constraint_name', 'constraint'],
  ['file', 'file'],
  ['line', 'line'],
  ['routine', 'routine'],
];

/** True for an error the Postgres server sent (postgres.js PostgresError). */
export function isServerError(err: unknown): err is Error & Record<string, unknown> {
  return err instanceof Error && err.name === 'PostgresError' && typeof (err as { code?: unknown }).code === 'string';
}

/** A Postgres error as Neon's proxy reports it: HTTP 400 with the SQLSTATE fields. */
export function serverErrorResponse(err: Error & Record<string, unknown>): GatewayHttpError {
  const body: ErrorBody = { message: err.message };
  for (const [from, to] of SERVER_FIELDS) {
    const value = err[from];
    if (value !== undefined && value !== null && value !== '') body[to] = String(value);
  }
  return new GatewayHttpError(400, body);
}

/** Wrong user, wrong password and "no pg_hba entry" all get this one answer. */
export function authFailed(): GatewayHttpError {
  return new GatewayHttpError(400, { message: 'password authentication failed', code: '28P01', severity: 'FATAL' });
}

export function sqlStateError(status: number, code: string, message: string, headers?: Record<string, string>): GatewayHttpError {
  return new GatewayHttpError(status, { message, code }, headers);
}
