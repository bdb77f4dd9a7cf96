/**
 * Keyed transactions: `db.transaction(fn, { idempotencyKey })` runs `fn` at most once per key and
 * records the key and `fn`'s result (JSON) in the same transaction as `fn`'s work, so "applied"
 * and "recorded" cannot disagree.
 * - The first statement claims the key (idempotency-sql.ts). A key whose transaction committed
 *   is not claimed: its stored result is read and returned, and `fn` does not run.
 * - A call with a key another transaction holds waits for it (the unique index makes it), at most
 *   `inProgressWaitMs` and never past the deadline: then it gets that call's result, or claims the
 *   key if that call rolled back, or fails with IN_PROGRESS.
 * - The result is stored with COMMIT, in the same round trip.
 * - A COMMIT whose answer was lost is looked up on a new connection: the key claimed again means
 *   the transaction did not commit (it held the key until it ended), so `fn` runs again when
 *   `retries` allows, else the call fails `notApplied`; the key found means it committed, and the
 *   call resolves to its stored result. OUTCOME_UNKNOWN is left only when the lookup cannot reach
 *   the database, or the key stays held, before the deadline.
 * - Anything that failed before `fn` ran is repeated freely (a bounded number of times): nothing
 *   of the caller's ran. A missing table is created there, once.
 * The rules keyed batches share (options, the wait, the table, the errors) are exported from here.
 */
import { DatabaseError, WarmpoolError } from '../errors.js';
import { isRetryableTransactionState } from '../sqlstate.js';
import type { Executor } from './execute.js';
import { parseStored, payloadHash, resultJson } from './idempotency-json.js';
import { CLAIM, CREATE_STATEMENTS, IDEMPOTENCY_TABLE, READ, STORE } from './idempotency-sql.js';
import type { InvocationScope } from './scope.js';
import { type InteractiveTransactionOptions, type Transaction, runTransaction } from './transaction.js';

export interface IdempotencyOptions {
  /**
   * Runs the transaction at most once for this key: a call with a key whose transaction committed
   * returns that call's result without running `fn`. Any string up to 512 characters, e.g. an
   * SQS message id or a hash of the request.
   */
  idempotencyKey?: string;
  /**
   * What the key stands for (the request's body, say; JSON, key order ignored). Its SHA-256 is
   * stored with the key, and a later call with the same key and a different payload fails with
   * IDEMPOTENCY_PAYLOAD_MISMATCH instead of returning the other request's result. Not checked
   * when absent.
   */
  payload?: unknown;
  /**
   * How long the key and its result are kept after the transaction, in ms; past it the key runs
   * again, and the row is deleted by a later keyed transaction (at most 10 rows per call).
   * Keep it longer than any redelivery of the same request. Default 3 600 000 (1 hour), at least 1000.
   */
  expiresAfterMs?: number;
  /**
   * How long a call waits for another one holding the same key (running now, not committed yet)
   * before failing with IN_PROGRESS. Never past the invocation's deadline. `0`: fail at once.
   * Default 10 000.
   */
  inProgressWaitMs?: number;
  /**
   * Create the table (`warmpool_idempotency`) when it is missing. `false` when the application's
   * user may not run DDL: create it with IDEMPOTENCY_MIGRATION, or the call fails with
   * IDEMPOTENCY_TABLE_MISSING. Default true.
   */
  createTable?: boolean;
}

export type KeyedTransactionOptions = InteractiveTransactionOptions & IdempotencyOptions;

const KEYED_OPTIONS = ['idempotencyKey', 'payload', 'expiresAfterMs', 'inProgressWaitMs', 'createTable'] as const;
const TRANSACTION_OPTIONS = ['isolation', 'readOnly', 'deferrable', 'retries'];
/** What a keyed batch takes besides the keyed options. */
export const BATCH_OPTIONS = ['isolation', 'readOnly', 'deferrable', 'idempotent'];
const MAX_KEY_LENGTH = 512;
const DEFAULTS = { expiresAfterMs: 3_600_000, inProgressWaitMs: 10_000, createTable: true };
const MIN_EXPIRY_MS = 1000;
/** Expired rows of other keys deleted per call, at most. */
export const SWEEP_LIMIT = 10;
/** Time left, after a wait for another call, to read its result and commit before the deadline. */
const WAIT_RESERVE_MS = 100;
/** Attempts that failed before `fn` ran (serialization failure, lost connection): always safe to repeat. */
export const FREE_ATTEMPTS = 3;
/** Lookups of a COMMIT whose answer was lost that may fail on a lost connection before giving up. */
export const LOOKUPS = 3;

export interface KeyedCall {
  key: string;
  /** The pool's queryTimeoutMs: a wait must end before the claim statement is cancelled. */
  queryTimeoutMs: number;
  payload: unknown;
  expiresAfterMs: number;
  inProgressWaitMs: number;
  createTable: boolean;
  retries: number;
}

/** What one attempt got to; read when it fails. */
interface Attempt {
  /** `fn` was called. */
  ran: boolean;
  /** `fn` returned a storable result: the store and COMMIT were sent next. */
  committing: boolean;
  /** The key's committed result was read instead of running `fn`. */
  replayed: boolean;
  value: unknown;
  storeError: unknown;
}

/** The key, claimed while looking up a lost COMMIT that may not run `fn` again: it did not commit. */
class NotCommitted extends Error {}
/** The key's row went away between the claim and the read (deleted by hand): claim again. */
class KeyVanished extends Error {}

/** Whether a transaction call asks for a key (or passes a keyed option without one, which is refused). */
export function isKeyed(options: object): boolean {
  return KEYED_OPTIONS.some((name) => name in options);
}

export async function runKeyedTransaction<T>(
  executor: Executor,
  scope: InvocationScope | undefined,
  fn: (tx: Transaction) => PromiseLike<T>,
  options: KeyedTransactionOptions,
  queryTimeoutMs = 0,
): Promise<T> {
  const call = resolveCall(options, queryTimeoutMs);
  const hash = call.payload === undefined ? null : await payloadHash(call.payload);
  const txOptions: InteractiveTransactionOptions = { isolation: options.isolation, deferrable: options.deferrable, retries: 0 };
  // Deleting other keys' rows would add to serialization conflicts above read committed.
  const sweep = options.isolation === undefined || options.isolation === 'read committed';
  let tableCreated = false;
  let reruns = 0;
  let free = 0;
  let lookups = 0;
  /** Set while looking up a COMMIT whose answer was lost. */
  let unknown: WarmpoolError | undefined;
  for (;;) {
    const attempt: Attempt = { ran: false, committing: false, replayed: false, value: undefined, storeError: undefined };
    const lookup = unknown !== undefined;
    const mayRun = !lookup || reruns < call.retries;
    try {
      const value = await runTransaction(executor, scope, async (tx) => {
        const claimed = await claim(tx, call, hash, sweep, lookup, scope);
        if (!claimed) return replay(tx, call, hash, attempt);
        if (!mayRun) throw new NotCommitted();
        if (lookup) reruns++;
        attempt.ran = true;
        const json = resultJson(await fn(tx));
        attempt.committing = true;
        // Not awaited: it goes out with COMMIT. Should it fail, COMMIT rolls back, and its error is the one reported.
        tx.query(STORE, [call.key, json ?? null]).then(undefined, (err: unknown) => {
          attempt.storeError = err;
        });
        return parseStored(json ?? null);
      }, txOptions);
      return value as T;
    } catch (thrown) {
      // A committed result was read: whatever happened to COMMIT after it, that is the answer.
      if (attempt.replayed) return attempt.value as T;
      const err = attempt.storeError !== undefined && isCode(thrown, 'TRANSACTION_ROLLED_BACK') ? storeFailed(attempt.storeError) : thrown;
      if (err instanceof NotCommitted) throw notCommitted(unknown!);
      if (!attempt.ran) {
        if (isUndefinedTable(err) && !tableCreated) {
          await createTable(executor, call.createTable, err);
          tableCreated = true;
          continue;
        }
        if (lookup) {
          // A connect that failed (its own retries spent) may succeed on the next try while time remains.
          if ((isRepeatable(err) || isFailedConnect(err)) && ++lookups < LOOKUPS) continue;
          throw stillUnknown(unknown!, err);
        }
        if (isRepeatable(err) && ++free < FREE_ATTEMPTS) continue;
        throw err;
      }
      if (attempt.committing && isCode(err, 'OUTCOME_UNKNOWN')) {
        unknown = err as WarmpoolError;
        lookups = 0;
        continue;
      }
      if (isRepeatable(err) && !(err instanceof KeyVanished) && reruns < call.retries) {
        reruns++;
        continue;
      }
      throw err;
    }
  }
}

/** Claims the key; false when a committed row holds it (or, while looking up, any row). */
async function claim(tx: Transaction, call: KeyedCall, hash: string | null, sweep: boolean, lookup: boolean, scope: InvocationScope | undefined): Promise<boolean> {
  const waitMs = lockWaitMs(call, scope);
  try {
    const params = [call.key, hash, call.expiresAfterMs, String(waitMs), sweep ? SWEEP_LIMIT : 0, !lookup];
    const [row] = await tx.query<{ claimed: number }>(CLAIM, params);
    return row!.claimed === 1;
  } catch (err) {
    if (isLockTimeout(err)) throw inProgress(err, call, waitMs, "you will get that call's result once it commits (or run it, if that call rolled back)");
    throw err;
  }
}

/** The claim waited for another call holding the key as long as it could (55P03). */
export function isLockTimeout(err: unknown): err is DatabaseError {
  return err instanceof DatabaseError && err.code === '55P03';
}

/** IN_PROGRESS: another call holds the key; `then` says what trying again later gives. */
export function inProgress(err: DatabaseError, call: KeyedCall, waitedMs: number, then: string): WarmpoolError {
  return new WarmpoolError(
    'IN_PROGRESS',
    `Another call with the idempotency key "${shortKey(call.key)}" is running and did not finish within ${waitedMs} ms; this call did nothing. Try again later: ${then}. Raise inProgressWaitMs to wait longer.`,
    { cause: err, notApplied: true, sqlState: err.code },
  );
}

/** Reads the result the key's transaction committed, in a statement whose snapshot sees it. */
async function replay(tx: Transaction, call: KeyedCall, hash: string | null, attempt: Attempt): Promise<unknown> {
  const [row] = await tx.query<{ payload_hash: string | null; result: string | null }>(READ, [call.key]);
  if (!row) throw new KeyVanished();
  if (hash !== null && row.payload_hash !== hash) throw payloadMismatch(call);
  attempt.value = parseStored(row.result);
  attempt.replayed = true;
  return attempt.value;
}

export function payloadMismatch(call: KeyedCall): WarmpoolError {
  return new WarmpoolError(
    'IDEMPOTENCY_PAYLOAD_MISMATCH',
    `The idempotency key "${shortKey(call.key)}" was used before with a different payload, so what it recorded belongs to another request; nothing ran. Give each distinct request its own key (e.g. include what differs in it).`,
    { notApplied: true },
  );
}

/** How long the claim may wait for a call holding the key: inProgressWaitMs, ending before the deadline and queryTimeoutMs. */
export function lockWaitMs(call: KeyedCall, scope: InvocationScope | undefined): number {
  const deadline = scope?.deadline ?? Infinity;
  const statementLimit = call.queryTimeoutMs > 0 ? call.queryTimeoutMs - WAIT_RESERVE_MS : Infinity;
  const wait = Math.min(call.inProgressWaitMs, deadline - Date.now() - WAIT_RESERVE_MS, statementLimit);
  // lock_timeout 0 would mean no limit.
  return Math.max(1, Math.floor(wait));
}

/** Creates the table (two statements, each safe to race with another container's). */
export async function createTable(executor: Executor, allowed: boolean, missing: unknown): Promise<void> {
  if (!allowed) throw tableMissing(missing, 'createTable is false');
  for (const text of CREATE_STATEMENTS) {
    try {
      await executor.run((connection, run) => connection.run({ text, params: [] }, run), true);
    } catch (err) {
      // Another caller created it at the same moment: `if not exists` races on the catalog's own unique indexes.
      if (err instanceof DatabaseError && (err.code === '23505' || err.code === '42P07')) continue;
      if (err instanceof DatabaseError && err.code === '42501') throw tableMissing(err, 'this user may not create it');
      throw tableNotCreated(err);
    }
  }
}

/**
 * A failure creating the table, said as what it means to the caller: `fn` never ran, so nothing
 * of the call applied, whatever became of the DDL (a statement cut at the deadline whose cancel
 * the server did not confirm is OUTCOME_UNKNOWN on its own).
 */
function tableNotCreated(err: unknown): unknown {
  if (!(err instanceof WarmpoolError) || err instanceof DatabaseError || err.notApplied) return err;
  // An OUTCOME_UNKNOWN at the deadline keeps the transport's DEADLINE_EXCEEDED as its cause's code.
  const causeCode = (err as { cause?: { code?: unknown } }).cause?.code;
  const code = err.code !== 'OUTCOME_UNKNOWN' ? err.code : causeCode === 'DEADLINE_EXCEEDED' || causeCode === 'QUERY_TIMEOUT' ? causeCode : 'CONNECTION_LOST';
  return new WarmpoolError(code, `Creating the table ${IDEMPOTENCY_TABLE} failed before the transaction ran, so nothing of it applied: ${err.message}`, { cause: err, notApplied: true, sqlState: err.sqlState });
}

function tableMissing(cause: unknown, why: string): WarmpoolError {
  return new WarmpoolError(
    'IDEMPOTENCY_TABLE_MISSING',
    `The table ${IDEMPOTENCY_TABLE} that keyed transactions and batches record their keys in does not exist, and ${why}; nothing ran. Create it with the IDEMPOTENCY_MIGRATION SQL exported by warmpool (as a user allowed to), or let the pool's user create it.`,
    { cause, notApplied: true },
  );
}

/** Failed without anything of `fn` committed, in a way that a new transaction may not repeat. */
export function isRepeatable(err: unknown): boolean {
  if (err instanceof KeyVanished) return true;
  if (err instanceof DatabaseError) return isRetryableTransactionState(err.code);
  if (!(err instanceof WarmpoolError)) return false;
  return (err.code === 'CONNECTION_LOST' && err.notApplied) || err.code === 'STALE_STATEMENT';
}

export function isFailedConnect(err: unknown): boolean {
  return err instanceof WarmpoolError && !(err instanceof DatabaseError) && err.notApplied && (err.code === 'CONNECT_FAILED' || err.code === 'CONNECT_TIMEOUT');
}

export function isUndefinedTable(err: unknown): boolean {
  return err instanceof DatabaseError && err.code === '42P01';
}

export function isCode(err: unknown, code: string): boolean {
  return err instanceof WarmpoolError && err.code === code;
}

function storeFailed(err: unknown): unknown {
  if (!(err instanceof WarmpoolError) || err.notApplied) return err;
  return err instanceof DatabaseError
    ? new DatabaseError(`Storing the transaction's result failed, so it rolled back: ${err.message}`, err as unknown as { code: string }, { cause: err, notApplied: true })
    : new WarmpoolError(err.code, `Storing the transaction's result failed, so it rolled back: ${err.message}`, { cause: err, notApplied: true, sqlState: err.sqlState });
}

function notCommitted(unknown: WarmpoolError): WarmpoolError {
  return new WarmpoolError(
    'CONNECTION_LOST',
    'The connection was lost while COMMIT was in flight; looking the idempotency key up on a new connection showed the transaction did not commit, so nothing of it applied. Pass retries to run it again in that case.',
    { cause: unknown, notApplied: true, sqlState: unknown.sqlState },
  );
}

export function stillUnknown(
  unknown: WarmpoolError,
  lookupError: unknown,
  callAgain = 'it returns the stored result if the transaction committed, and runs it otherwise',
  lost = 'The connection was lost while COMMIT was in flight',
): WarmpoolError {
  const why = isCode(lookupError, 'IN_PROGRESS')
    ? 'the key was still held on the server (the lost connection\'s transaction had not ended)'
    : `the lookup failed: ${(lookupError instanceof Error ? lookupError.message : String(lookupError)).replace(/\.$/, '')}`;
  return new WarmpoolError(
    'OUTCOME_UNKNOWN',
    `${lost}, and looking the idempotency key up did not settle it before the deadline: ${why}. Call again with the same key: ${callAgain}.`,
    { cause: unknown, sqlState: unknown.sqlState },
  );
}

export function shortKey(key: string): string {
  return key.length > 60 ? `${key.slice(0, 60)}…` : key;
}

/** Checks keyed options made ahead of any key (a handler wrapper's), as a call would; throws INVALID_OPTION. */
export function checkKeyedOptions(options: Omit<KeyedTransactionOptions, 'idempotencyKey'>): void {
  resolveCall({ ...options, idempotencyKey: 'k' }, 0);
}

/** Checks a keyed call's options (`others`: what the call takes besides the keyed ones); throws INVALID_OPTION. */
export function resolveCall(options: KeyedTransactionOptions & { idempotent?: boolean }, queryTimeoutMs: number, others = TRANSACTION_OPTIONS, what = 'transaction'): KeyedCall {
  for (const name of Object.keys(options)) {
    if (!others.includes(name) && !(KEYED_OPTIONS as readonly string[]).includes(name)) {
      throw invalid(`Unknown ${what} option "${name}". The options are ${[...others, ...KEYED_OPTIONS].join(', ')}.`);
    }
  }
  const { idempotencyKey: key, payload } = options;
  if (typeof key !== 'string' || key.length === 0 || key.length > MAX_KEY_LENGTH) {
    throw invalid(`idempotencyKey must be a non-empty string of at most ${MAX_KEY_LENGTH} characters (e.g. the event's id, or a hash of the request); got ${key === undefined ? 'none, with other keyed options' : typeof key === 'string' ? `${key.length} characters` : typeof key}.`);
  }
  if (options.readOnly) throw invalid(`A keyed ${what} writes its key, so it cannot be readOnly: drop readOnly or idempotencyKey.`);
  const expiresAfterMs = options.expiresAfterMs ?? DEFAULTS.expiresAfterMs;
  if (!Number.isSafeInteger(expiresAfterMs) || expiresAfterMs < MIN_EXPIRY_MS) throw invalid(`expiresAfterMs must be an integer of at least ${MIN_EXPIRY_MS} (ms); got ${String(options.expiresAfterMs)}.`);
  const inProgressWaitMs = options.inProgressWaitMs ?? DEFAULTS.inProgressWaitMs;
  if (!Number.isSafeInteger(inProgressWaitMs) || inProgressWaitMs < 0) throw invalid(`inProgressWaitMs must be an integer ≥ 0 (ms); got ${String(options.inProgressWaitMs)}.`);
  const createTable = options.createTable ?? DEFAULTS.createTable;
  if (typeof createTable !== 'boolean') throw invalid(`createTable must be true or false; got ${typeof createTable}.`);
  const retries = options.retries ?? 0;
  if (!Number.isSafeInteger(retries) || retries < 0) throw invalid(`retries must be an integer ≥ 0; got ${String(options.retries)}.`);
  return { key, queryTimeoutMs, payload, expiresAfterMs, inProgressWaitMs, createTable, retries };
}

function invalid(message: string): WarmpoolError {
  return new WarmpoolError('INVALID_OPTION', message, { notApplied: true });
}
