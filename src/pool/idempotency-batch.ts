/**
 * Keyed batches: `db.batch([...], { idempotencyKey })` applies the batch at most once per key, on
 * every transport. The key is claimed by the batch's first statement (BATCH_CLAIM), in the
 * batch's own transaction, so it commits with the batch or not at all. Over HTTP the batch is one
 * request that cannot store its own results or branch on an answer, so no transport stores them:
 * - a key not used yet (or expired): the batch runs and resolves to its results;
 * - a key whose batch committed: the claim fails (23505 on the key), so nothing runs, and the call
 *   fails with ALREADY_APPLIED (`notApplied`: this call did nothing); with `payload`, the stored
 *   hash is read first, and another payload gets IDEMPOTENCY_PAYLOAD_MISMATCH;
 * - a key another call holds (its batch or keyed transaction not ended yet): the claim waits for
 *   it, at most `inProgressWaitMs` and never past the deadline, then as above, or IN_PROGRESS;
 * - a batch whose answer was lost after it may have committed (a lost COMMIT, an HTTP response
 *   lost): the same batch is sent again, which is the lookup: the key found committed means the
 *   lost one committed (ALREADY_APPLIED); the key claimed means it did not, and the batch runs now.
 *   Sending it again is safe for the reason a batch lost before COMMIT is always sent again: it
 *   is SQL only, and it certainly did not apply. OUTCOME_UNKNOWN is left only when the database
 *   cannot be reached, or the lost transaction still holds the key, before the deadline.
 * A missing table is created on first use, as for keyed transactions.
 */
import { DatabaseError, WarmpoolError } from '../errors.js';
import type { Statement, StatementResult, TransactionOptions } from '../transports/types.js';
import type { Executor } from './execute.js';
import {
  BATCH_OPTIONS, FREE_ATTEMPTS, type IdempotencyOptions, type KeyedCall, LOOKUPS, SWEEP_LIMIT, createTable, inProgress, isCode, isFailedConnect,
  isLockTimeout, isRepeatable, isUndefinedTable, lockWaitMs, payloadMismatch, resolveCall, shortKey, stillUnknown,
} from './idempotency.js';
import { payloadHash } from './idempotency-json.js';
import { BATCH_CLAIM, IDEMPOTENCY_TABLE, READ } from './idempotency-sql.js';
import type { InvocationScope } from './scope.js';

export type KeyedBatchOptions = TransactionOptions & IdempotencyOptions & { idempotent?: boolean };

const CALL_AGAIN = 'it fails with ALREADY_APPLIED if the batch committed, and runs it otherwise';
const LOST = 'The answer to the batch was lost after its COMMIT may have been sent';

export async function runKeyedBatch(
  executor: Executor,
  scope: InvocationScope | undefined,
  statements: readonly Statement[],
  options: KeyedBatchOptions,
  queryTimeoutMs: number,
): Promise<StatementResult[]> {
  const call = resolveCall(options, queryTimeoutMs, BATCH_OPTIONS, 'batch');
  const hash = call.payload === undefined ? null : await payloadHash(call.payload);
  const tx: TransactionOptions = { isolation: options.isolation, deferrable: options.deferrable };
  // As for keyed transactions: deleting other keys' rows would add to serialization conflicts above read committed.
  const sweep = options.isolation === undefined || options.isolation === 'read committed' ? SWEEP_LIMIT : 0;
  /** The first failure after which the batch may have committed: from then on, every send is a lookup. */
  let unknown: WarmpoolError | undefined;
  let tableCreated = false;
  let free = 0;
  let lookups = 0;
  /** How long the last claim was allowed to wait for a call holding the key. */
  let waitMs = 0;
  for (;;) {
    try {
      // Idempotent for the pool: one more send after a connection lost mid-batch is itself a lookup.
      return await executor.run(async (connection, run) => {
        waitMs = lockWaitMs(call, scope);
        const claim: Statement = { text: BATCH_CLAIM, params: [call.key, hash, call.expiresAfterMs, String(waitMs), sweep] };
        try {
          return (await connection.batch([claim, ...statements], tx, run)).slice(1);
        } catch (err) {
          if (isMaybeApplied(err)) unknown ??= err as WarmpoolError;
          throw err;
        }
      }, true, statements);
    } catch (err) {
      if (isKeyTaken(err)) {
        if (hash === null) throw alreadyApplied(call, err, unknown);
        const stored = await storedHash(executor, call.key).catch((lookup: unknown) => {
          // Applied: by this call's lost attempt, or by another call with this key.
          throw unknown ? stillUnknown(unknown, lookup, CALL_AGAIN, LOST) : payloadUnchecked(call, lookup);
        });
        // Gone since (expired and swept, or deleted): the key is free again.
        if (stored === undefined && ++free < FREE_ATTEMPTS) continue;
        if (stored !== undefined && stored !== hash) throw payloadMismatch(call);
        throw alreadyApplied(call, err, unknown);
      }
      if (isUndefinedTable(err) && !tableCreated && unknown === undefined) {
        await createTable(executor, call.createTable, err);
        tableCreated = true;
        continue;
      }
      const lost = unknown ?? (isCode(err, 'OUTCOME_UNKNOWN') ? (err as WarmpoolError) : undefined);
      if (lost === undefined) {
        if (isLockTimeout(err)) throw inProgress(err, call, waitMs, 'if that call committed, this one fails with ALREADY_APPLIED; if it rolled back, this one runs');
        throw err;
      }
      unknown = lost;
      // The lookup itself failed to reach the key: try again while allowed and time remains.
      if ((err === lost || isMaybeApplied(err) || isCode(err, 'OUTCOME_UNKNOWN') || isRepeatable(err) || isFailedConnect(err)) && lookups++ < LOOKUPS) continue;
      if (isLockTimeout(err)) throw stillUnknown(lost, inProgress(err, call, waitMs, CALL_AGAIN), CALL_AGAIN, LOST);
      throw stillUnknown(lost, err, CALL_AGAIN, LOST);
    }
  }
}

/** The claim found the key live: a unique violation on the table's primary key. */
function isKeyTaken(err: unknown): err is DatabaseError {
  return err instanceof DatabaseError && err.code === '23505' && (err.table === IDEMPOTENCY_TABLE || err.constraint === `${IDEMPOTENCY_TABLE}_pkey`);
}

/** Lost after it may have reached the server: the batch may have committed. */
function isMaybeApplied(err: unknown): boolean {
  return err instanceof WarmpoolError && !(err instanceof DatabaseError) && !err.notApplied && err.code === 'CONNECTION_LOST';
}

/** The payload hash stored with the key; undefined when the key has no row (any more). */
async function storedHash(executor: Executor, key: string): Promise<string | null | undefined> {
  const statement: Statement = { text: READ, params: [key] };
  const result = await executor.runStatement(statement, true, (r) => r);
  const row = result.rows[0] as { payload_hash: string | null } | undefined;
  return row === undefined ? undefined : row.payload_hash;
}

function alreadyApplied(call: KeyedCall, cause: DatabaseError, unknown: WarmpoolError | undefined): WarmpoolError {
  const by = unknown
    ? 'it committed: the answer to this call\'s own batch was lost, and sending it again found the key'
    : 'a batch with this key committed before';
  return new WarmpoolError(
    'ALREADY_APPLIED',
    `The idempotency key "${shortKey(call.key)}" was applied already (${by}), so nothing ran now. A keyed batch keeps no results: treat this as done, and read what you need with a query.`,
    { cause, notApplied: true },
  );
}

function payloadUnchecked(call: KeyedCall, lookup: unknown): WarmpoolError {
  const code = lookup instanceof WarmpoolError && !(lookup instanceof DatabaseError) ? lookup.code : 'CONNECTION_LOST';
  const why = lookup instanceof Error ? lookup.message : String(lookup);
  return new WarmpoolError(
    code,
    `The idempotency key "${shortKey(call.key)}" was applied already, so nothing ran now, but reading its payload to compare failed: ${why} Call again with the same key to tell ALREADY_APPLIED from IDEMPOTENCY_PAYLOAD_MISMATCH.`,
    { cause: lookup, notApplied: true },
  );
}
