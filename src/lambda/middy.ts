/**
 * middy middleware doing what `withPool` does: `middy(handler).use(warmpool(db))`. It assumes one
 * invocation at a time per container (Lambda's default); with per-container concurrency above 1,
 * wrap the handler in `withPool` instead.
 */
import type { Pool } from '../pool/pool.js';
import { bindPool, setSoleInvocation } from './index.js';
import { type Invocation, type InvocationOptions, type LambdaContextLike, afterThaw, endInvocation, startInvocation } from './invocation.js';

interface MiddyRequest {
  context: LambdaContextLike;
  internal: Record<string, unknown>;
}

const INVOCATION = 'warmpoolInvocation';

export function warmpool(pool: Pool, options: InvocationOptions = {}) {
  bindPool(pool);
  const finish = (request: MiddyRequest) => {
    const invocation = request.internal[INVOCATION] as Invocation | undefined;
    if (invocation) endInvocation(invocation, options);
    delete request.internal[INVOCATION];
    setSoleInvocation(undefined);
  };
  return {
    before: async (request: MiddyRequest) => {
      const invocation = startInvocation(pool, request.context, options);
      await afterThaw(invocation);
      request.internal[INVOCATION] = invocation;
      setSoleInvocation(invocation.scope);
    },
    after: async (request: MiddyRequest) => finish(request),
    onError: async (request: MiddyRequest) => finish(request),
  };
}
