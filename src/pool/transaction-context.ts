/**
 * Which transaction the running code is inside, for pool calls outside an invocation (scripts,
 * servers), where the invocation scope cannot tell: a pool call made inside a transaction's
 * callback while every connection is held by that transaction could only wait for it. Known only
 * while such a transaction is open: Node's AsyncLocalStorage slows every promise while enabled
 * (before Node 24), so it is enabled for the first one and disabled after the last. Without Node's
 * async_hooks (Workers without nodejs_compat, browsers) nothing is known and such calls wait as before.
 */

interface Storage {
  run<R>(store: object, fn: () => R): R;
  getStore(): object | undefined;
  disable(): void;
}

type StorageClass = new () => Storage;

let storage: Storage | undefined | null;
let open = 0;

/** Node's AsyncLocalStorage, looked up without an import so edge bundles never reach for it. */
function nodeStorage(): Storage | null {
  const getBuiltin = (globalThis as { process?: { getBuiltinModule?: (id: string) => { AsyncLocalStorage?: StorageClass } | undefined } }).process?.getBuiltinModule;
  const Class = getBuiltin?.('node:async_hooks')?.AsyncLocalStorage;
  return Class ? new Class() : null;
}

/** Runs `fn` (a transaction's callback) as inside `holder`, until the promise it returns settles. */
export function insideTransaction<R>(holder: object, fn: () => PromiseLike<R>): Promise<R> {
  if (storage === undefined) storage = nodeStorage();
  const store = storage;
  if (!store) return Promise.resolve(fn());
  open++;
  const done = () => {
    if (--open === 0) disable(store);
  };
  return Promise.resolve(store.run(holder, fn)).finally(done);
}

/** Turns the storage off; workerd's (nodejs_compat) has no disable(), and needs none: it costs promises nothing. */
function disable(store: Storage): void {
  try {
    store.disable();
  } catch {
    // workerd throws "not implemented".
  }
}

/** The transaction the running code is inside, if one is open outside an invocation. */
export function currentTransaction(): object | undefined {
  return open > 0 ? storage?.getStore() : undefined;
}
