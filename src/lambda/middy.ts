/**
 * middy middleware doing what `withPool` does: `middy(handler).use(warmpool(db))`.
 */
import type { Pool } from '../pool/pool.js';
import { bindPool, enterInvocation } from './index.js';
import { type Invocation, type InvocationOptions, type LambdaContextLike, endInvocation, startInvocation } from './invocation.js';

interface MiddyRequest {
  context: LambdaContextLike;
  internal: Record<string, unknown>;
}

const INVOCATION = 'warmpoolInvocation';

export function warmpool(pool: Pool, options: InvocationOptions = {}) {
  bindPool(pool);
  const finish = (request: MiddyRequest) => {
    const invocation = request.internal[INVOCATION] as Invocation | undefined;
    if (invocation) endInvocation(pool, invocation, options);
    delete request.internal[INVOCATION];
  };
  return {
    before: async (request: MiddyRequest) => {
      const invocation = await startInvocation(pool, request.context, options);
      request.internal[INVOCATION] = invocation;
      enterInvocation(invocation.scope);
    },
    after: async (request: MiddyRequest) => finish(request),
    onError: async (request: MiddyRequest) => finish(request),
  };
}
