import type { PoolEvent } from '../options.js';
import type { Statement, TransactionOptions } from '../transports/types.js';

/**
 * What a pool tells an attached observer (warmpool/otel): each statement, batch and transaction
 * from start to end, and every pool event. The core never imports a telemetry library; an
 * uninstrumented pool pays one null check per operation.
 */
export interface PoolObserver {
  statement(statement: Statement, parent?: ObservedOperation): ObservedOperation;
  batch(statements: readonly Statement[]): ObservedOperation;
  transaction(options: TransactionOptions): ObservedOperation;
  /** The same events as the `onEvent` option, after it. */
  event(event: PoolEvent): void;
}

export interface ObservedOperation {
  /** A connection was handed to the operation (again, after a retry). */
  acquired(): void;
  /** The operation is sent again on a fresh connection. */
  retry(reason: string, attempt: number): void;
  /** Ends it; `error` when it failed. Called once. */
  end(error?: unknown): void;
}

/** Ends `operation` when `work` settles, passing the error on. */
export function endWhenSettled<T>(operation: ObservedOperation, work: Promise<T>): Promise<T> {
  return work.then(
    (result) => {
      operation.end();
      return result;
    },
    (err: unknown) => {
      operation.end(err);
      throw err;
    },
  );
}
