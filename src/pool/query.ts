/**
 * A lazy query: nothing is sent until it is awaited, so it can also be handed to `batch`.
 * Values are always bound as parameters ($1, $2, …), never spliced into the text.
 */
import type { Column, Row, Statement, StatementResult } from '../transports/types.js';
import { checkParams } from './params.js';

export interface QueryFlags {
  /** Safe to send twice: a read, or a write that is idempotent by construction. */
  idempotent: boolean;
}

export const NOT_IDEMPOTENT: QueryFlags = Object.freeze({ idempotent: false });
export const IDEMPOTENT: QueryFlags = Object.freeze({ idempotent: true });

/** Runs a statement; resolves to its rows with the result's facts attached (`toResult`). */
export type QueryRunner = (statement: Statement, flags: QueryFlags) => Promise<unknown[]>;

/** What every result carries besides its rows (not enumerable: JSON and spreads show only rows). */
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

/**
 * The array a result is: the rows, with `count`, `command` and `columns` as getters of private
 * fields, so they are neither enumerable nor own keys (JSON, spreads and deep equality see rows
 * only). Defining non-enumerable properties on a plain array instead costs microseconds per result
 * in V8, more than the rest of a warm query's client work. `map`, `filter`… give plain arrays.
 */
class ResultRows extends Array<unknown> implements ResultMeta {
  #count = 0;
  #command = '';
  #columns: Column[] = [];

  static override get [Symbol.species](): ArrayConstructor {
    return Array;
  }

  static fromResult(result: StatementResult): ResultRows {
    const source = result.rows;
    const rows = new ResultRows(source.length);
    for (let i = 0; i < source.length; i++) rows[i] = source[i];
    rows.#count = result.count;
    rows.#command = result.command;
    rows.#columns = result.columns;
    return rows;
  }

  get count(): number {
    return this.#count;
  }

  get command(): string {
    return this.#command;
  }

  get columns(): Column[] {
    return this.#columns;
  }
}

/** A transport's result as the API gives it: its rows, carrying the rest. */
export function toResult(result: StatementResult): unknown[] {
  return ResultRows.fromResult(result);
}

/**
 * The queries made on a transaction (or in an invocation) that were neither sent nor used
 * otherwise (inlined into another, batched, or replaced by their `values()`/`idempotent()` form):
 * a transaction refuses to commit past them, and an invocation that ends with some reports them,
 * since they would silently never run.
 */
export type UnsentQueries = Set<LazyQuery<unknown>>;

/** What `sql` and `query` (and their `values()`) share: a statement run once, when first awaited. */
export abstract class LazyQuery<R> implements PromiseLike<R> {
  readonly statement: Statement;
  readonly flags: QueryFlags;
  protected readonly runner: QueryRunner;
  protected readonly unsent: UnsentQueries | undefined;
  #promise: Promise<R> | undefined;

  constructor(runner: QueryRunner, statement: Statement, flags: QueryFlags = NOT_IDEMPOTENT, unsent?: UnsentQueries) {
    this.runner = runner;
    this.statement = statement;
    this.flags = flags;
    this.unsent = unsent;
    unsent?.add(this);
  }

  /** This query will not be sent itself: it was inlined into another or replaced by a derived one. */
  used(): void {
    this.unsent?.delete(this);
  }

  then<A = R, B = never>(
    onFulfilled?: ((result: R) => A | PromiseLike<A>) | null,
    onRejected?: ((reason: any) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    if (!this.#promise) {
      this.used();
      this.#promise = this.runner(this.statement, this.flags) as Promise<R>;
    }
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
    this.used();
    return new SqlQuery<T>(this.runner, this.statement, { ...this.flags, idempotent: true }, this.unsent);
  }

  /** The same query with rows as arrays of values in column order, so columns sharing a name all survive. */
  values<V extends unknown[] = unknown[]>(): ValuesQuery<V> {
    this.used();
    return new ValuesQuery<V>(this.runner, { ...this.statement, arrayRows: true }, this.flags, this.unsent);
  }
}

/** Resolves to `ValuesResult<V>`: rows as arrays of values, plus `count`, `command` and `columns`. */
export class ValuesQuery<V extends unknown[] = unknown[]> extends LazyQuery<ValuesResult<V>> {
  idempotent(): ValuesQuery<V> {
    this.used();
    return new ValuesQuery<V>(this.runner, this.statement, { ...this.flags, idempotent: true }, this.unsent);
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
    value.used();
    const offset = params.length;
    params.push(...value.statement.params);
    return value.statement.text.replace(/\$(\d+)/g, (_m, n: string) => `$${Number(n) + offset}`);
  }
  params.push(value);
  return `$${params.length}`;
}
