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
import { type InvocationOptions, type LambdaContextLike, endInvocation, startInvocation } from './invocation.js';

export type { InvocationOptions, InvocationReport } from './invocation.js';

const currentInvocation = new AsyncLocalStorage<InvocationScope>();
/** Set by the middy middleware, which cannot wrap the handler call in currentInvocation.run. */
let middyInvocation: InvocationScope | undefined;

/** Points the pool at this adapter's per-invocation scope; idempotent. */
export function bindPool(pool: Pool): void {
  poolInternals(pool).useScope(() => currentInvocation.getStore() ?? middyInvocation);
}

/** The middy middleware's invocation; middy runs one invocation at a time per container. */
export function setMiddyInvocation(scope: InvocationScope | undefined): void {
  middyInvocation = scope;
}

export function withPool<E, C extends LambdaContextLike, R>(
  pool: Pool,
  handler: (event: E, context: C) => Promise<R>,
  options: InvocationOptions = {},
): (event: E, context: C) => Promise<R> {
  bindPool(pool);
  return async (event, context) => {
    const invocation = await startInvocation(pool, context, options);
    try {
      return await currentInvocation.run(invocation.scope, () => handler(event, context));
    } finally {
      endInvocation(pool, invocation, options);
    }
  };
}
