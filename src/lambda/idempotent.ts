/**
 * A Lambda handler run at most once per key taken from its event, in the spirit of Powertools'
 * `makeIdempotent`, but with the record in the same database transaction as the handler's writes:
 * `withPool(db, idempotent(db, (event, tx, context) => …, { key: (event) => event.id }))`.
 * The handler runs inside one keyed transaction (`db.transaction(fn, { idempotencyKey })`) and
 * writes through `tx`; its return value is the stored result, which a repeat of the key gets
 * without the handler running. Statements made on the pool instead of `tx` are not part of it.
 */
import { WarmpoolError } from '../errors.js';
import { checkKeyedOptions, type IdempotencyOptions } from '../pool/idempotency.js';
import { payloadHash } from '../pool/idempotency-json.js';
import type { Pool } from '../pool/pool.js';
import type { InteractiveTransactionOptions, Transaction } from '../pool/transaction.js';
import type { LambdaContextLike } from './invocation.js';

export interface IdempotentOptions<E, C> extends Pick<IdempotencyOptions, 'expiresAfterMs' | 'inProgressWaitMs' | 'createTable'>, Pick<InteractiveTransactionOptions, 'isolation' | 'retries'> {
  /**
   * The event's idempotency key: what stays the same when the same request is delivered again
   * (an SQS `messageId`, an order id, a client's `Idempotency-Key` header). A string or a number;
   * `undefined`, `null` or `''` fails the invocation with IDEMPOTENCY_KEY_MISSING before anything
   * runs. Required.
   */
  key: (event: E, context: C) => string | number | null | undefined;
  /**
   * What the key stands for (the order's fields, say); its hash is stored with the key, and a
   * later event with the key and another payload fails with IDEMPOTENCY_PAYLOAD_MISMATCH instead
   * of getting the other request's result. Leave out fields that change between deliveries
   * (SQS's receipt handle, a timestamp). Default: not checked.
   */
  payload?: (event: E, context: C) => unknown;
  /**
   * Put before each key, so that functions sharing the table do not share keys. Default the
   * function's name and `#` (`context.functionName`; nothing when the context has none).
   */
  keyPrefix?: string;
}

/** The handler: the event, the keyed transaction to write through, and the Lambda context. */
export type IdempotentHandler<E, C, R> = (event: E, tx: Transaction, context: C) => Promise<R>;

const OPTION_NAMES = ['key', 'payload', 'keyPrefix', 'expiresAfterMs', 'inProgressWaitMs', 'createTable', 'isolation', 'retries'];
/** Longer keys (prefix included) are stored as the prefix and the SHA-256 of the key. */
const MAX_KEY_LENGTH = 512;

/**
 * Wraps a handler so that it runs at most once per `key(event)`: inside one keyed transaction,
 * whose stored result (the handler's return value, as JSON) a repeat of the key gets without the
 * handler running. Wrap the result in `withPool` for the invocation's deadline.
 */
export function idempotent<E, C extends LambdaContextLike, R>(
  pool: Pool,
  handler: IdempotentHandler<E, C, R>,
  options: IdempotentOptions<E, C>,
): (event: E, context: C) => Promise<R> {
  const { key, payload, keyPrefix, ...keyed } = checkOptions(handler, options);
  return async (event, context) => {
    const idempotencyKey = await keyOf(key(event, context), prefixFor(keyPrefix, context));
    return pool.transaction((tx) => handler(event, tx, context), {
      ...keyed,
      idempotencyKey,
      ...(payload ? { payload: payload(event, context) } : {}),
    });
  };
}

function prefixFor(keyPrefix: string | undefined, context: LambdaContextLike | undefined): string {
  if (keyPrefix !== undefined) return keyPrefix;
  const name = (context as { functionName?: unknown } | undefined)?.functionName;
  return typeof name === 'string' && name ? `${name}#` : '';
}

async function keyOf(value: unknown, prefix: string): Promise<string> {
  const usable = (typeof value === 'string' && value !== '') || (typeof value === 'number' && Number.isFinite(value));
  if (!usable) {
    const got = value === undefined || value === null || value === '' ? JSON.stringify(value) ?? 'undefined' : `a ${typeof value}`;
    throw new WarmpoolError(
      'IDEMPOTENCY_KEY_MISSING',
      `The idempotency key function returned ${got} for this event, so the handler did not run (it could not be kept to once). Return a non-empty string or a number that is the same on every delivery of the event; for events that have none, return a key of your own (e.g. context.awsRequestId, which makes each invocation its own key).`,
      { notApplied: true },
    );
  }
  const full = `${prefix}${String(value)}`;
  return full.length <= MAX_KEY_LENGTH ? full : `${prefix}sha256:${await payloadHash(String(value))}`;
}

function checkOptions<E, C>(handler: unknown, options: IdempotentOptions<E, C>): IdempotentOptions<E, C> {
  if (typeof handler !== 'function') throw invalid('idempotent(db, handler, options) expects the handler as a function: async (event, tx, context) => { … }.');
  if (typeof options !== 'object' || options === null) throw invalid('idempotent(db, handler, options) needs options with a key function: { key: (event) => event.id }.');
  for (const name of Object.keys(options)) {
    if (!OPTION_NAMES.includes(name)) throw invalid(`Unknown idempotent option "${name}". The options are ${OPTION_NAMES.join(', ')}.`);
  }
  if (typeof options.key !== 'function') throw invalid('The idempotent option "key" must be a function returning the event\'s key: { key: (event) => event.id }.');
  if (options.payload !== undefined && typeof options.payload !== 'function') throw invalid('The idempotent option "payload" must be a function returning what the key stands for: { payload: (event) => event.body }.');
  if (options.keyPrefix !== undefined && typeof options.keyPrefix !== 'string') throw invalid(`The idempotent option "keyPrefix" must be a string; got ${typeof options.keyPrefix}.`);
  const { key: _key, payload: _payload, keyPrefix: _prefix, ...keyed } = options;
  checkKeyedOptions(keyed);
  return options;
}

function invalid(message: string): WarmpoolError {
  return new WarmpoolError('INVALID_OPTION', message, { notApplied: true });
}
