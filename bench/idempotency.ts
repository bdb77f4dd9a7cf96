// What an idempotency key costs a warm transaction, in one run against one server:
// µs per transaction that inserts one row, without a key, with a fresh key (claim, insert, store
// sent with COMMIT), and repeated with a key already committed (claim, read: nothing runs); and
// the statements each sends, counted as the server's ReadyForQuery messages through a counting
// TCP front (one per statement). The round trips are in test/idempotency-faults.test.ts, which
// can tell statements sent together apart. Rounds alternate the order; medians over rounds.
//
//   npx tsx bench/idempotency.ts [--rounds 8] [--n 300]
//
// DATABASE_URL is used when set; otherwise a throwaway embedded PostgreSQL is started and stopped.
import { parseArgs } from 'node:util';
import { createPool, type Transaction } from '../src/index.js';
import { type EmbeddedServer, startEmbeddedPostgres } from '../packages/cli/src/local-db/embedded-postgres.js';
import { countingFront } from './support/counting-front.js';
import { median, table } from './support/stats.js';

const { values: args } = parseArgs({ options: { rounds: { type: 'string', default: '8' }, n: { type: 'string', default: '300' } } });
const ROUNDS = Number(args.rounds);
const N = Number(args.n);

let embedded: EmbeddedServer | undefined;
const databaseUrl = process.env.DATABASE_URL ?? (embedded = await startEmbeddedPostgres()).url;
const front = await countingFront(new URL(databaseUrl));
const db = createPool({ connectionString: front.url, max: 1, applicationName: 'bench-idempotency' });
await db.query('create table if not exists bench_idempotency (id bigserial primary key, note text)');

const run = `${process.pid}-${Date.now()}`;
let sequence = 0;
const write = (tx: Transaction) => tx.sql`insert into bench_idempotency (note) values ('x')`.then(() => 'ok');
const plain = () => db.transaction(write);
const keyed = () => db.transaction(write, { idempotencyKey: `bench-${run}-${++sequence}` });
const repeatKey = `bench-${run}-repeat`;
const repeat = () => db.transaction(write, { idempotencyKey: repeatKey });

async function perTransaction(fn: () => Promise<unknown>): Promise<{ us: number; statements: number }> {
  const before = front.readyForQuery();
  const started = process.hrtime.bigint();
  for (let i = 0; i < N; i++) await fn();
  const us = Number(process.hrtime.bigint() - started) / 1000 / N;
  return { us, statements: (front.readyForQuery() - before) / N };
}

for (let i = 0; i < 100; i++) await plain(), await keyed(), await repeat();
const cases: (() => Promise<unknown>)[] = [plain, keyed, repeat];
const us = new Map(cases.map((c) => [c, [] as number[]]));
const statements = new Map<() => Promise<unknown>, number>();
for (let r = 0; r < ROUNDS; r++) {
  const order = r % 2 === 0 ? cases : [...cases].reverse();
  for (const c of order) {
    const result = await perTransaction(c);
    us.get(c)!.push(result.us);
    statements.set(c, result.statements);
  }
}
const base = median(us.get(plain)!);
const row = (name: string, c: () => Promise<unknown>) => [name, median(us.get(c)!).toFixed(1), statements.get(c)!.toFixed(2), (median(us.get(c)!) / base).toFixed(2)];
console.log(table(['transaction (one insert)', 'µs (median)', 'statements', 'ratio'], [
  row('without a key', plain),
  row('with a fresh key', keyed),
  row('repeat of a committed key', repeat),
]));
await db.query(`delete from warmpool_idempotency where key like $1`, [`bench-${run}-%`]);
await db.query('drop table bench_idempotency');
await db.end();
front.close();
await embedded?.stop();
