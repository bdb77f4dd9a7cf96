import { AsyncLocalStorage } from 'node:async_hooks';
import postgres from 'postgres';
import { createPool } from '../src/index.js';
import { withPool } from '../src/lambda/index.js';
import { poolInternals } from '../src/pool/pool.js';
import { newScope } from '../src/pool/scope.js';
import { startEmbeddedPostgres } from '../src/testing/embedded-postgres.js';
import { median } from './support/stats.js';

const server = process.env.DATABASE_URL ? undefined : await startEmbeddedPostgres({ quiet: true });
const url = process.env.DATABASE_URL || server!.url;
const ctx = () => ({ getRemainingTimeInMillis: () => 30000, callbackWaitsForEmptyEventLoop: true });
const tick = () => new Promise<void>((r) => setImmediate(r));

const sql = postgres(url, { max: 1 });
const sql2 = postgres(url, { max: 1 });
const reserved = await sql2.reserve();
const als = new AsyncLocalStorage<unknown>();

// warmpool pools with distinct settings (registry key) so each has its own connection
const dbFull = createPool({ connectionString: url, max: 1 });
const dbNoScope = createPool({ connectionString: url, max: 1, applicationName: 'wp-noscope' });
const dbCustom = createPool({ connectionString: url, max: 1, applicationName: 'wp-custom' });
const dbCustomInf = createPool({ connectionString: url, max: 1, applicationName: 'wp-custominf' });
const myAls = new AsyncLocalStorage<ReturnType<typeof newScope>>();
poolInternals(dbCustom).useScope(() => myAls.getStore());
poolInternals(dbCustomInf).useScope(() => myAls.getStore());

const full = withPool(dbFull, async () => { await dbFull.sql`select 1`; return 1; });
const V: Record<string, () => Promise<unknown>> = {
  'pgjs raw': async () => { await sql`select 1`; },
  'pgjs raw +setImmediate': async () => { await tick(); await sql`select 1`; },
  'pgjs reserved unsafe': async () => { Array.from(await reserved.unsafe('select 1', [], { prepare: true })); },
  'pgjs raw +ALS.run': () => als.run({}, async () => { await sql`select 1`; }),
  'pgjs raw +AbortCtl+timer': async () => {
    const c = new AbortController(); const t = setTimeout(() => c.abort(), 29500);
    const f = () => {}; c.signal.addEventListener('abort', f, { once: true });
    try { await sql`select 1`; } finally { c.signal.removeEventListener('abort', f); clearTimeout(t); }
  },
  'wp no withPool (no scope)': async () => { await dbNoScope.sql`select 1`; },
  'wp withPool (full)': () => full({}, ctx()),
  'wp scope+ALS, no setImmediate': () => {
    const scope = newScope(Date.now() + 29500);
    return myAls.run(scope, async () => { await dbCustom.sql`select 1`; });
  },
  'wp scope+ALS, no setImm, no deadline': () => {
    const scope = newScope(Infinity);
    return myAls.run(scope, async () => { await dbCustomInf.sql`select 1`; });
  },
};
const N = Number(process.env.N ?? 5000), R = Number(process.env.R ?? 8);
for (const f of Object.values(V)) for (let i = 0; i < 2000; i++) await f();
const res: Record<string, number[]> = Object.fromEntries(Object.keys(V).map((k) => [k, []]));
for (let r = 0; r < R; r++) {
  const names = Object.keys(V); if (r % 2) names.reverse();
  for (const k of names) {
    const t = process.hrtime.bigint();
    for (let i = 0; i < N; i++) await V[k]();
    res[k].push(Number(process.hrtime.bigint() - t) / 1000 / N);
  }
}
const base = median(res['pgjs raw']);
for (const [k, v] of Object.entries(res)) console.log(k.padEnd(40), median(v).toFixed(1).padStart(8), (median(v) / base).toFixed(2));
await sql.end(); reserved.release(); await sql2.end();
for (const d of [dbFull, dbNoScope, dbCustom, dbCustomInf]) await d.end();
await server?.stop();
