/**
 * AWS Lambda adapter. `withPool(db, handler)` wraps a handler so that each invocation gets a
 * deadline derived from `context.getRemainingTimeInMillis()`, socket events from the freeze are
 * read before the first statement, and connections the handler leaked are closed (rolling back
 * any open transaction) when it returns. Create the pool at module scope so warm invocations
 * reuse it.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Pool } from '../pool/pool.js';
import { poolInternals } from '../pool/pool.js';
import type { InvocationScope } from '../pool/scope.js';
import { type InvocationOptions, type LambdaContextLike, afterThaw, endInvocation, startInvocation } from './invocation.js';

export type { InvocationOptions, InvocationReport } from './invocation.js';
export { idempotent, type IdempotentHandler, type IdempotentOptions } from './idempotent.js';

/**
 * The invocation scope a statement belongs to. With one invocation at a time (standard Lambda)
 * it is a plain variable: AsyncLocalStorage makes every promise in the process dearer on Node 20,
 * so it is used only for invocations that overlap another (Lambda Managed Instances, or a handler
 * called concurrently in tests); code of the sole invocation sees `soleInvocation`.
 */
const currentInvocation = new AsyncLocalStorage<InvocationScope>();
let soleInvocation: InvocationScope | undefined;

/** Points the pool at this adapter's per-invocation scope; idempotent. */
export function bindPool(pool: Pool): void {
  poolInternals(pool).useScope(() => currentInvocation.getStore() ?? soleInvocation);
}

/** For the middy middleware, which cannot wrap the handler call; it assumes one invocation at a time. */
export function setSoleInvocation(scope: InvocationScope | undefined): void {
  soleInvocation = scope;
}

export function withPool<E, C extends LambdaContextLike, R>(
  pool: Pool,
  handler: (event: E, context: C) => Promise<R>,
  options: InvocationOptions = {},
): (event: E, context: C) => Promise<R> {
  bindPool(pool);
  return async (event, context) => {
    const invocation = startInvocation(pool, context, options);
    const thawing = afterThaw(invocation);
    if (thawing) await thawing;
    const sole = soleInvocation === undefined;
    try {
      if (!sole) return await currentInvocation.run(invocation.scope, () => handler(event, context));
      soleInvocation = invocation.scope;
      return await handler(event, context);
    } finally {
      if (sole) soleInvocation = undefined;
      endInvocation(invocation, options);
    }
  };
}
