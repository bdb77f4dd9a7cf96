// What the clean-session rule costs a warm invocation, in one run against one server:
// 1. µs per warm invocation of one statement that leaves the session clean (`select $1::int`),
//    against one that changes it (`set_config(…, false)`, then the reset on release), and the
//    round trips each sends (counted as ReadyForQuery messages through a counting TCP front).
// 2. ns per statement of reading its text for session changes (sessionChangeOf), the part every
//    statement pays, for a few statement shapes.
// Rounds alternate the order, so machine noise hits both alike; medians over rounds.
//
//   npx tsx bench/session-reset.ts [--rounds 8] [--n 400]
//
// DATABASE_URL is used when set; otherwise a throwaway embedded PostgreSQL is started and stopped.
import { parseArgs } from 'node:util';
import { createPool } from '../src/index.js';
import { withPool } from '../src/lambda/index.js';
import { type EmbeddedServer, startEmbeddedPostgres } from '../packages/cli/src/local-db/embedded-postgres.js';
import { sessionChangeOf } from '../src/transports/session-state.js';
import { countingFront } from './support/counting-front.js';
import { median, table } from './support/stats.js';

const { values: args } = parseArgs({ options: { rounds: { type: 'string', default: '8' }, n: { type: 'string', default: '400' } } });
const ROUNDS = Number(args.rounds);
const N = Number(args.n);

let embedded: EmbeddedServer | undefined;
const databaseUrl = process.env.DATABASE_URL ?? (embedded = await startEmbeddedPostgres()).url;
const front = await countingFront(new URL(databaseUrl));
const db = createPool({ connectionString: front.url, max: 1, applicationName: 'bench-reset' });
const context = { getRemainingTimeInMillis: () => 30_000 };
const clean = withPool(db, async (i: number) => db.sql`select ${i}::int as n`);
const changing = withPool(db, async (i: number) => db.sql`select set_config('app.tenant', ${String(i)}, false)`);

async function perInvocation(handler: (i: number, c: typeof context) => Promise<unknown>): Promise<{ us: number; roundTrips: number }> {
  const before = front.readyForQuery();
  const started = process.hrtime.bigint();
  for (let i = 0; i < N; i++) await handler(i, context);
  const us = Number(process.hrtime.bigint() - started) / 1000 / N;
  return { us, roundTrips: (front.readyForQuery() - before) / N };
}

for (let i = 0; i < 200; i++) await clean(i, context), await changing(i, context);
const cleanUs: number[] = [];
const changedUs: number[] = [];
let trips = { clean: 0, changed: 0 };
for (let r = 0; r < ROUNDS; r++) {
  const order = r % 2 === 0 ? [clean, changing] : [changing, clean];
  for (const handler of order) {
    const { us, roundTrips } = await perInvocation(handler);
    if (handler === clean) (cleanUs.push(us), (trips.clean = roundTrips));
    else (changedUs.push(us), (trips.changed = roundTrips));
  }
}
const stats = db.stats();
console.log(table(['warm invocation', 'µs (median)', 'round trips', 'ratio'], [
  ['select (session clean)', median(cleanUs).toFixed(1), trips.clean.toFixed(2), '1.00'],
  ['set_config(…, false) + reset', median(changedUs).toFixed(1), trips.changed.toFixed(2), (median(changedUs) / median(cleanUs)).toFixed(2)],
]));
console.log(`resets sent: ${stats.sessionResets}, connections opened: ${stats.created}`);

const shapes = [
  'select id, name from users where id = $1',
  'update users set name = $1 where id = $2',
  "insert into events (tenant, payload) values ($1, $2) returning id",
  "/* tenant */ select set_config('app.tenant', $1, true)",
];
const rows = shapes.map((text) => {
  const loops = 200_000;
  for (let i = 0; i < 10_000; i++) sessionChangeOf(text);
  const started = process.hrtime.bigint();
  for (let i = 0; i < loops; i++) sessionChangeOf(text);
  return [text.length > 48 ? `${text.slice(0, 48)}…` : text, (Number(process.hrtime.bigint() - started) / loops).toFixed(0), sessionChangeOf(text)];
});
console.log(table(['statement', 'ns to read', 'verdict'], rows));
await db.end();
front.close();
await embedded?.stop();
