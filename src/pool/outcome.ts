/**
 * "Was it applied?": the failure table of docs/guarantees.md, in one function. Work that fails
 * hands its error here with where it stood, and gets back the error the caller sees:
 * - `statement`: a statement or batch on its own. Lost after it was sent: OUTCOME_UNKNOWN, unless
 *   it is `idempotent` (then it is sent again and the loss is kept for the retry rules).
 * - `reserved`: a statement on a reserved connection. Lost after it was sent: OUTCOME_UNKNOWN;
 *   never sent again, since its session is gone.
 * - `before-commit`: a statement inside a transaction. Lost, or refused as stale, it leaves a
 *   transaction that never commits: `notApplied`.
 * - `commit`: COMMIT in flight. Lost: OUTCOME_UNKNOWN. Refused, cancelled or never written:
 *   `notApplied`.
 * - `batch`: a batch (or a lone read in `begin read only`) before its COMMIT was sent: whatever
 *   failed, it never commits, so every error but OUTCOME_UNKNOWN is `notApplied`.
 * Errors the server answered (DatabaseError) and those already marked either way pass as they are.
 * Passing a deadline is the transport's to say (a cancel it could confirm is `notApplied`); the
 * executor names the limit (execute.ts).
 */
import { DatabaseError, WarmpoolError } from '../errors.js';

export type Stage = 'statement' | 'reserved' | 'before-commit' | 'commit' | 'batch';

export function outcome(err: unknown, stage: Stage, idempotent = false): unknown {
  if (stage === 'batch') return markNotApplied(err);
  if (!(err instanceof WarmpoolError) || err instanceof DatabaseError || err.code === 'OUTCOME_UNKNOWN') return err;
  const lost = err.code === 'CONNECTION_LOST';
  switch (stage) {
    case 'statement':
      if (!lost || err.notApplied || idempotent) return err;
      return unknown(err, 'The connection was lost after the statement was sent, so whether it took effect is unknown; it was not sent again. Check before repeating it, or mark reads and idempotent writes with .idempotent() so warmpool may retry them.');
    case 'reserved':
      if (!lost || err.notApplied) return err;
      return unknown(err, 'The reserved connection was lost after the statement was sent, so whether it took effect is unknown; it was not sent again (its session is gone).');
    case 'before-commit':
      if (!lost && err.code !== 'STALE_STATEMENT') return err;
      // Its connection is closed on release: this transaction can no longer commit.
      return new WarmpoolError(err.code, lost ? `${err.message} The transaction did not commit.` : err.message, { cause: lost ? err : err.cause, notApplied: true, sqlState: err.sqlState });
    case 'commit':
      if (err.notApplied) return new WarmpoolError(err.code, `${err.message} The transaction did not commit.`, { cause: err, notApplied: true, sqlState: err.sqlState });
      if (!lost) return err;
      return unknown(err, 'The connection was lost while COMMIT was in flight, so whether the transaction committed is unknown.');
  }
}

/** The same error, marked as certainly not applied (its transaction never committed). */
function markNotApplied(err: unknown): unknown {
  if (err instanceof DatabaseError) return new DatabaseError(err.message, err as unknown as { code: string }, { cause: err, notApplied: true });
  if (!(err instanceof WarmpoolError) || err.code === 'OUTCOME_UNKNOWN') return err;
  return new WarmpoolError(err.code, err.message, { cause: err.cause ?? err, notApplied: true, sqlState: err.sqlState });
}

function unknown(err: WarmpoolError, message: string): WarmpoolError {
  return new WarmpoolError('OUTCOME_UNKNOWN', message, { cause: err, sqlState: err.sqlState });
}
