/**
 * A lazy query: nothing is sent until it is awaited, so it can also be handed to `batch`.
 * Values are always bound as parameters ($1, $2, …), never spliced into the text.
 */
import { WarmpoolError } from '../errors.js';
import type { Column, Row, Statement, StatementResult } from '../transports/types.js';

export interface QueryFlags {
  /** Safe to send twice: a read, or a write that is idempotent by construction. */
  idempotent: boolean;
}

/** Runs a statement; resolves to its rows with the result's facts attached (`toResult`). */
export type QueryRunner = (statement: Statement, flags: QueryFlags) => Promise<unknown[]>;

/** What every result carries besides its rows (non-enumerable: JSON and spreads show only rows). */
export interface ResultMeta {
  /** Rows affected (INSERT, UPDATE, DELETE, MERGE, COPY) or returned (SELECT, FETCH); 0 for commands without a count. */
  count: number;
  /** The first word of the server's command tag: 'SELECT', 'INSERT', 'UPDATE', 'DELETE', 'CREATE', … */
  command: string;
  /** The result's columns in order, with their type OIDs. */
  columns: Column[];
}

/** What awaiting `sql`/`query` gives: the rows, as objects by column name, plus `count`, `command` and `columns`. */
export type Result<T extends object = Row> = T[] & ResultMeta;

/** What awaiting `query.values()` gives: rows as arrays of values in column order (duplicate names kept). */
export type ValuesResult<V extends unknown[] = unknown[]> = V[] & ResultMeta;

/** A transport's result as the API gives it: its rows array, carrying the rest as properties. */
export function toResult(result: StatementResult): unknown[] {
  return Object.defineProperties(result.rows as unknown[], {
    count: { value: result.count, writable: true, configurable: true },
    command: { value: result.command, writable: true, configurable: true },
    columns: { value: result.columns, writable: true, configurable: true },
  });
}

/**
 * Bound parameters per statement: the protocol allows 65 535, but postgres.js (the TCP driver)
 * refuses 65 534 and more while building the message, which would cost the connection.
 */
export const MAX_PARAMS = 65_533;

/** Postgres refuses protocol messages of 1 GiB or more (and closes the connection); keep 1 MiB for the rest of the message. */
const MAX_MESSAGE_BYTES = 0x3fff_ffff - 1024 * 1024;
/** Longest string V8 can build (the driver sends bytea as one hex string). */
const MAX_STRING_LENGTH = 536_870_888;

/** What `sql` and `query` (and their `values()`) share: a statement run once, when first awaited. */
export abstract class LazyQuery<R> implements PromiseLike<R> {
  readonly statement: Statement;
  readonly flags: QueryFlags;
  protected readonly runner: QueryRunner;
  #promise: Promise<R> | undefined;

  constructor(runner: QueryRunner, statement: Statement, flags: QueryFlags = { idempotent: false }) {
    this.runner = runner;
    this.statement = statement;
    this.flags = flags;
  }

  then<A = R, B = never>(
    onFulfilled?: ((result: R) => A | PromiseLike<A>) | null,
    onRejected?: ((reason: any) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    this.#promise ??= this.runner(this.statement, this.flags) as Promise<R>;
    return this.#promise.then(onFulfilled, onRejected);
  }

  catch<B = never>(onRejected: (reason: any) => B | PromiseLike<B>): Promise<R | B> {
    return this.then(undefined, onRejected);
  }

  finally(onFinally: () => void): Promise<R> {
    return this.then().finally(onFinally);
  }
}

/** Resolves to `Result<T>`: rows as objects, plus `count`, `command` and `columns`. */
export class SqlQuery<T extends object = Row> extends LazyQuery<Result<T>> {
  /** Marks the query safe to re-send after a lost connection (reads, idempotent writes). */
  idempotent(): SqlQuery<T> {
    return new SqlQuery<T>(this.runner, this.statement, { ...this.flags, idempotent: true });
  }

  /** The same query with rows as arrays of values in column order, so columns sharing a name all survive. */
  values<V extends unknown[] = unknown[]>(): ValuesQuery<V> {
    return new ValuesQuery<V>(this.runner, { ...this.statement, arrayRows: true }, this.flags);
  }
}

/** Resolves to `ValuesResult<V>`: rows as arrays of values, plus `count`, `command` and `columns`. */
export class ValuesQuery<V extends unknown[] = unknown[]> extends LazyQuery<ValuesResult<V>> {
  idempotent(): ValuesQuery<V> {
    return new ValuesQuery<V>(this.runner, this.statement, { ...this.flags, idempotent: true });
  }
}

/** Raw SQL spliced into a template as is; only for identifiers or keywords the code controls. */
export class UnsafeFragment {
  constructor(readonly text: string) {}
}

export function isTemplateCall(strings: unknown): strings is TemplateStringsArray {
  return Array.isArray(strings) && Array.isArray((strings as unknown as TemplateStringsArray).raw);
}

/** Turns a tagged template into a parameterised statement. Nested SqlQuery objects are inlined. */
export function statementFromTemplate(strings: TemplateStringsArray, values: readonly unknown[]): Statement {
  const params: unknown[] = [];
  let text = strings[0];
  values.forEach((value, i) => {
    text += fragmentText(value, params) + strings[i + 1];
  });
  checkParams(params);
  return { text, params };
}

function fragmentText(value: unknown, params: unknown[]): string {
  if (value instanceof UnsafeFragment) return value.text;
  if (value instanceof LazyQuery) {
    const offset = params.length;
    params.push(...value.statement.params);
    return value.statement.text.replace(/\$(\d+)/g, (_m, n: string) => `$${Number(n) + offset}`);
  }
  params.push(value);
  return `$${params.length}`;
}

/**
 * Refuses, before anything is sent, what the driver or the server would reject only after the
 * statement was written (costing the connection and leaving a write's outcome unknown) or would
 * silently change: undefined, symbols and functions, invalid Dates, strings with NUL or lone
 * surrogates, BigInt inside JSON, circular objects, too many parameters, messages of 1 GiB.
 */
export function checkParams(params: readonly unknown[]): void {
  if (!Array.isArray(params)) {
    throw new WarmpoolError('INVALID_PARAMETER', 'Query parameters must be an array, e.g. db.query(text, [a, b]).', { notApplied: true });
  }
  if (params.length > MAX_PARAMS) {
    throw new WarmpoolError('INVALID_PARAMETER', `A statement can bind at most ${MAX_PARAMS} parameters, got ${params.length}. Split the work or pass an array as one parameter.`, { notApplied: true });
  }
  let bytes = 0;
  for (let i = 0; i < params.length; i++) {
    const value = params[i];
    if (value === null || typeof value === 'number' || typeof value === 'boolean') bytes += 24;
    else bytes += paramBytes(value, `$${i + 1}`);
  }
  if (bytes > MAX_MESSAGE_BYTES) throw payloadTooLarge(bytes);
}

function invalid(where: string, problem: string): WarmpoolError {
  return new WarmpoolError('INVALID_PARAMETER', `Parameter ${where} ${problem}`, { notApplied: true });
}

function payloadTooLarge(bytes: number): WarmpoolError {
  return new WarmpoolError('PAYLOAD_TOO_LARGE', `The parameters need about ${Math.round(bytes / 1_048_576)} MiB; PostgreSQL accepts messages below 1 GiB, and bytea below 256 MiB through this driver. Split the data, or stream it with COPY.`, { notApplied: true });
}

/** Checks one value (an array element too) and estimates its encoded size in bytes. */
function paramBytes(value: unknown, where: string): number {
  switch (typeof value) {
    case 'string':
      return checkString(value, where);
    case 'number':
    case 'boolean':
    case 'bigint':
      return 24;
    case 'undefined':
      throw invalid(where, 'is undefined; pass null for SQL NULL.');
    case 'symbol':
    case 'function':
      throw invalid(where, `is a ${typeof value}; pass a string, number, boolean, bigint, Date, Buffer or Uint8Array, array, or plain object (sent as JSON).`);
  }
  if (value === null) return 4;
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw invalid(where, 'is an invalid Date.');
    return 32;
  }
  if (value instanceof Uint8Array) {
    // Sent as a hex string: \x plus two characters per byte.
    const length = 2 + 2 * value.byteLength;
    if (length > MAX_STRING_LENGTH) throw payloadTooLarge(length);
    return length;
  }
  if (Array.isArray(value)) {
    let bytes = 2;
    for (let i = 0; i < value.length; i++) bytes += 1 + paramBytes(value[i], `${where}[${i}]`);
    return bytes;
  }
  if (typeof value === 'object' && isPlainObject(value)) return jsonBytes(value, where);
  // Other objects (a Decimal, a Map…) are sent as String(value), as the driver does.
  return 64;
}

const NUL = String.fromCharCode(0);

function checkString(value: string, where: string): number {
  if (value.includes(NUL)) {
    throw invalid(where, 'contains a NUL character (\\u0000), which PostgreSQL text cannot store; remove it, or send the data as bytea (a Buffer).');
  }
  if (!(value as unknown as { isWellFormed(): boolean }).isWellFormed()) {
    throw invalid(where, 'contains a lone UTF-16 surrogate, which has no UTF-8 form and would be stored as U+FFFD; fix the string, or send the data as bytea (a Buffer).');
  }
  // UTF-8 needs at most 3 bytes per UTF-16 unit; count exactly only where it matters.
  return value.length > 4096 ? utf8Length(value) : value.length * 3;
}

/** UTF-8 length of a well-formed string, without Node's Buffer (this core also runs on the edge). */
function utf8Length(value: string): number {
  let bytes = value.length;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      bytes += 2; // a surrogate pair: 4 bytes for 2 units
      i++;
    } else if (c >= 0x800) bytes += 2;
    else if (c >= 0x80) bytes += 1;
  }
  return bytes;
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A plain object becomes JSON: refuse what JSON.stringify would throw on (cycles, BigInt). */
function jsonBytes(root: object, where: string): number {
  let bytes = 0;
  const path = new Set<object>();
  const stack: { value: unknown; leave?: object }[] = [{ value: root }];
  while (stack.length > 0) {
    const { value, leave } = stack.pop()!;
    if (leave) {
      path.delete(leave);
      continue;
    }
    if (typeof value === 'string') bytes += value.length > 4096 ? utf8Length(value) + 2 : value.length * 6 + 2;
    else if (typeof value === 'bigint') throw invalid(where, 'holds a BigInt inside an object, which JSON cannot represent; convert it to a string or a number.');
    else if (typeof value === 'object' && value !== null) {
      if (path.has(value)) throw invalid(where, 'is a circular object, which cannot be sent as JSON.');
      if (typeof (value as { toJSON?: unknown }).toJSON === 'function') {
        bytes += 64;
        continue;
      }
      path.add(value);
      stack.push({ value: undefined, leave: value });
      for (const key of Object.keys(value)) {
        bytes += key.length + 4;
        stack.push({ value: (value as Record<string, unknown>)[key] });
      }
    } else bytes += 24;
  }
  return bytes;
}

export function checkText(text: unknown): asserts text is string {
  if (typeof text !== 'string' || text.trim() === '') {
    throw new WarmpoolError('INVALID_QUERY', 'The query text must be a non-empty string.', { notApplied: true });
  }
  // The protocol ends the text at a NUL: the server would see only part of it.
  if (text.includes(NUL) || !(text as unknown as { isWellFormed(): boolean }).isWellFormed()) {
    throw new WarmpoolError('INVALID_QUERY', 'The query text contains a NUL character or a lone UTF-16 surrogate; pass values as parameters.', { notApplied: true });
  }
  if (text.length > MAX_MESSAGE_BYTES / 3 && utf8Length(text) > MAX_MESSAGE_BYTES) throw payloadTooLarge(utf8Length(text));
}
