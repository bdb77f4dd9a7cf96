import { afterAll, describe, expect, it } from 'vitest';
import { createPool, type PoolEvent } from '../src/index.js';
import { databaseUrl } from './support/env.js';

// Function-valued options (onEvent, a password function) count by identity in the registry key:
// the same function object shares the module-scope pool, another function gets its own pool, so
// the second caller's function is never silently dropped.

const pools: { end(): Promise<void> }[] = [];
afterAll(() => Promise.all(pools.map((p) => p.end())));

describe('module-scope pools with function options', () => {
  it('share one pool when given the same function objects, as a module imported twice does', () => {
    const onEvent = () => {};
    const password = () => 'unused';
    const a = createPool({ connectionString: databaseUrl(), applicationName: 'reg-same-fn', onEvent, password });
    const b = createPool({ connectionString: databaseUrl(), applicationName: 'reg-same-fn', onEvent, password });
    pools.push(a);
    expect(b).toBe(a);
  });

  it('make separate pools for different onEvent functions, each telling its own', async () => {
    const first: PoolEvent[] = [];
    const second: PoolEvent[] = [];
    const a = createPool({ connectionString: databaseUrl(), applicationName: 'reg-on-event', onEvent: (e) => first.push(e) });
    const b = createPool({ connectionString: databaseUrl(), applicationName: 'reg-on-event', onEvent: (e) => second.push(e) });
    pools.push(a, b);
    expect(b).not.toBe(a);
    await b.sql`select 1`;
    expect(second.map((e) => e.type)).toContain('connect');
    expect(first).toEqual([]);
  });

  it('make separate pools for different password functions', () => {
    const a = createPool({ connectionString: databaseUrl(), applicationName: 'reg-password', password: () => 'one' });
    const b = createPool({ connectionString: databaseUrl(), applicationName: 'reg-password', password: () => 'two' });
    pools.push(a, b);
    expect(b).not.toBe(a);
  });
});
