/**
 * Pools live on globalThis, keyed by their settings, so a handler module that runs again (a
 * re-required file, a second module making a pool with the same settings) shares one pool per
 * container, and different settings get different pools. A function-valued option (`onEvent`, a
 * password function) counts by identity: the same function object shares the pool, another
 * function gets its own pool, so no caller's function is silently dropped. A second copy of
 * warmpool (two bundles in one process) makes its own pool: a Pool works only with the code that
 * made it. The key is a hash: it never holds the password in clear.
 */
import type { ResolvedOptions } from '../options.js';

interface Registry {
  readonly containerId: string;
  pools: Map<string, unknown>;
  /** A number per function object seen in options; weak, so it keeps no function alive. */
  functions?: { ids: WeakMap<Function, number>; next: number };
}

const REGISTRY = Symbol.for('warmpool.registry');

export function registry(): Registry {
  const holder = globalThis as typeof globalThis & { [REGISTRY]?: Registry };
  return (holder[REGISTRY] ??= newRegistry());
}

/** The id is made on first use: Workers refuse random values at module scope, where pools are made. */
function newRegistry(): Registry {
  let containerId: string | undefined;
  return {
    pools: new Map(),
    get containerId() {
      return (containerId ??= newContainerId());
    },
  };
}

/**
 * Only a label (in application_name, to tell containers apart in pg_stat_activity): Math.random
 * is enough, where the first touch of `globalThis.crypto` costs milliseconds of a cold start.
 */
function newContainerId(): string {
  return Math.floor(Math.random() * 0x1_0000_0000).toString(16).padStart(8, '0');
}

export function settingsKey(options: ResolvedOptions): string {
  const functions = (registry().functions ??= { ids: new WeakMap(), next: 0 });
  const idOf = (fn: Function): string => {
    let id = functions.ids.get(fn);
    if (id === undefined) functions.ids.set(fn, (id = functions.next++));
    return `function#${id}`;
  };
  // resolveOptions builds every ResolvedOptions with one object literal: the key order is fixed.
  return fnv1a(JSON.stringify(options, (_, value) => (typeof value === 'function' ? idOf(value) : value)));
}

/** FNV-1a, 2 × 32 bit: a short, dependency-free hash (not a security boundary). */
function fnv1a(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
}
