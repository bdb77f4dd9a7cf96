/**
 * The query API (`sql`, `query`, `unsafe`) of the pool, a transaction and a reserved connection,
 * written once: each of them says only how a statement runs and where its unsent queries are
 * tracked, so the checks on text, parameters and templates are the same everywhere.
 */
import { WarmpoolError } from '../errors.js';
import type { Row, Statement } from '../transports/types.js';
import { typeParsers } from '../transports/values.js';
import { checkParams, checkText } from './params.js';
import { IDEMPOTENT, NOT_IDEMPOTENT, type QueryFlags, type QueryRunner, SqlQuery, UnsafeFragment, type UnsentQueries, isTemplateCall, statementFromTemplate } from './query.js';

export interface QueryOptions {
  /**
   * Safe to send twice (a read, or an idempotent write): may be retried after a lost connection.
   * Inside a transaction or on a reserved connection nothing is sent twice, and it changes nothing.
   */
  idempotent?: boolean;
  /** Type OIDs returned as the server's text for this query; replaces the pool's `textTypes`. */
  textTypes?: readonly number[];
}

export abstract class QueryApi {
  /** Made once per handle: every query keeps it to run itself when awaited. */
  readonly #runner: QueryRunner = (statement, flags) => this.runStatement(statement, flags);

  /** Runs one statement; resolves to its rows with the result's facts attached (`toResult`). */
  protected abstract runStatement(statement: Statement, flags: QueryFlags): Promise<unknown[]>;

  /** Where queries made now are tracked until sent (QUERY_NOT_AWAITED), if anywhere. */
  protected abstract unsentQueries(): UnsentQueries | undefined;

  /** Tagged template: values become bound parameters. Lazy: runs when awaited or batched. */
  readonly sql = <T extends object = Row>(strings: TemplateStringsArray, ...values: unknown[]): SqlQuery<T> => {
    if (!isTemplateCall(strings)) throw notTemplate();
    return new SqlQuery<T>(this.#runner, statementFromTemplate(strings, values), NOT_IDEMPOTENT, this.unsentQueries());
  };

  /** SQL text with $1, $2, ... placeholders and their values. Lazy, like `sql`. */
  query<T extends object = Row>(text: string, params: readonly unknown[] = [], options: QueryOptions = {}): SqlQuery<T> {
    return new SqlQuery<T>(this.#runner, statementOf(text, params, options), options.idempotent === true ? IDEMPOTENT : NOT_IDEMPOTENT, this.unsentQueries());
  }

  /** Raw SQL to splice into a `sql` template (identifiers, keywords). Never pass user input. */
  unsafe(text: string): UnsafeFragment {
    checkText(text);
    return new UnsafeFragment(text);
  }
}

/** The statement of `query(text, params, options)`, checked. */
export function statementOf(text: string, params: readonly unknown[], options: QueryOptions): Statement {
  checkText(text);
  checkParams(params);
  const statement: Statement = { text, params };
  if (options.textTypes !== undefined) statement.types = typeParsers(options.textTypes, 'The query option "textTypes"');
  return statement;
}

export function notTemplate(): WarmpoolError {
  return new WarmpoolError('INVALID_QUERY', 'sql must be used as a tagged template: sql`select * from t where id = ${id}`. For SQL in a string use query(text, params).', { notApplied: true });
}
