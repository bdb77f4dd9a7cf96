import { WarmpoolError } from '../errors.js';
import type { Row, Statement } from '../transports/types.js';

/**
 * A lazy query: nothing is sent until it is awaited, so it can also be handed to `batch`.
 * Values are always bound as parameters ($1, $2, …), never spliced into the text.
 */

export interface QueryFlags {
  /** Safe to send twice: a read, or a write that is idempotent by construction. */
  idempotent: boolean;
}

export type QueryRunner = (statement: Statement, flags: QueryFlags) => Promise<Row[]>;

/** Postgres accepts at most 65 535 bound parameters per statement. */
export const MAX_PARAMS = 65_535;

export class SqlQuery<T extends Row = Row> implements PromiseLike<T[]> {
  readonly statement: Statement;
  readonly flags: QueryFlags;
  #runner: QueryRunner;
  #promise: Promise<T[]> | undefined;

  constructor(runner: QueryRunner, statement: Statement, flags: QueryFlags = { idempotent: false }) {
    this.#runner = runner;
    this.statement = statement;
    this.flags = flags;
  }

  /** Marks the query safe to re-send after a lost connection (reads, idempotent writes). */
  idempotent(): SqlQuery<T> {
    return new SqlQuery<T>(this.#runner, this.statement, { ...this.flags, idempotent: true });
  }

  then<A = T[], B = never>(
    onFulfilled?: ((rows: T[]) => A | PromiseLike<A>) | null,
    onRejected?: ((reason: any) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    this.#promise ??= this.#runner(this.statement, this.flags) as Promise<T[]>;
    return this.#promise.then(onFulfilled, onRejected);
  }

  catch<B = never>(onRejected: (reason: any) => B | PromiseLike<B>): Promise<T[] | B> {
    return this.then(undefined, onRejected);
  }

  finally(onFinally: () => void): Promise<T[]> {
    return this.then().finally(onFinally);
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
  if (value instanceof SqlQuery) {
    const offset = params.length;
    params.push(...value.statement.params);
    return value.statement.text.replace(/\$(\d+)/g, (_m, n: string) => `$${Number(n) + offset}`);
  }
  params.push(value);
  return `$${params.length}`;
}

export function checkParams(params: readonly unknown[]): void {
  if (!Array.isArray(params)) {
    throw new WarmpoolError('INVALID_PARAMETER', 'Query parameters must be an array, e.g. db.query(text, [a, b]).', { notApplied: true });
  }
  if (params.length > MAX_PARAMS) {
    throw new WarmpoolError('INVALID_PARAMETER', `A statement can bind at most ${MAX_PARAMS} parameters, got ${params.length}. Split the work or pass an array as one parameter.`, { notApplied: true });
  }
  for (let i = 0; i < params.length; i++) {
    if (params[i] === undefined) {
      throw new WarmpoolError('INVALID_PARAMETER', `Parameter $${i + 1} is undefined; pass null for SQL NULL.`, { notApplied: true });
    }
  }
}

export function checkText(text: unknown): asserts text is string {
  if (typeof text !== 'string' || text.trim() === '') {
    throw new WarmpoolError('INVALID_QUERY', 'The query text must be a non-empty string.', { notApplied: true });
  }
}
