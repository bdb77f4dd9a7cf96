// What an idempotency key costs a warm transaction, in one run against one server:
// µs per transaction that inserts one row, without a key, with a fresh key (claim, insert, store
// sent with COMMIT), and repeated with a key already committed (claim, read: nothing runs); and
// the statements each sends, counted as the server's ReadyForQuery messages through a counting
// TCP front (one per statement). The same for a batch of one insert: without a key, with a fresh
// key (the claim goes first in the batch), and a repeat (the claim fails: ALREADY_APPLIED, and the
// release rolls back). The round trips are in test/idempotency-faults.test.ts and
// test/idempotency-batch-faults.test.ts, which can tell statements sent together apart. Rounds
// alternate the order; medians over rounds.
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
const insert = () => db.sql`insert into bench_idempotency (note) values ('x')`;
const plainBatch = () => db.batch([insert()]);
const keyedBatch = () => db.batch([insert()], { idempotencyKey: `bench-${run}-b${++sequence}` });
const repeatBatchKey = `bench-${run}-batch-repeat`;
const repeatBatch = () => db.batch([insert()], { idempotencyKey: repeatBatchKey }).then(
  () => {
    throw new Error('a repeated keyed batch ran');
  },
  (err: { code?: string }) => {
    if (err.code !== 'ALREADY_APPLIED') throw err;
  },
);

async function perTransaction(fn: () => Promise<unknown>): Promise<{ us: number; statements: number }> {
  const before = front.readyForQuery();
  const started = process.hrtime.bigint();
  for (let i = 0; i < N; i++) await fn();
  const us = Number(process.hrtime.bigint() - started) / 1000 / N;
  return { us, statements: (front.readyForQuery() - before) / N };
}

await db.batch([insert()], { idempotencyKey: repeatBatchKey });
for (let i = 0; i < 100; i++) await plain(), await keyed(), await repeat(), await plainBatch(), await keyedBatch(), await repeatBatch();
const cases: (() => Promise<unknown>)[] = [plain, keyed, repeat, plainBatch, keyedBatch, repeatBatch];
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
const row = (name: string, c: () => Promise<unknown>, base: () => Promise<unknown>) =>
  [name, median(us.get(c)!).toFixed(1), statements.get(c)!.toFixed(2), (median(us.get(c)!) / median(us.get(base)!)).toFixed(2)];
console.log(table(['transaction (one insert)', 'µs (median)', 'statements', 'ratio'], [
  row('without a key', plain, plain),
  row('with a fresh key', keyed, plain),
  row('repeat of a committed key', repeat, plain),
]));
console.log(table(['batch (one insert)', 'µs (median)', 'statements', 'ratio'], [
  row('without a key', plainBatch, plainBatch),
  row('with a fresh key', keyedBatch, plainBatch),
  row('repeat of a committed key (ALREADY_APPLIED)', repeatBatch, plainBatch),
]));
await db.query(`delete from warmpool_idempotency where key like $1`, [`bench-${run}-%`]);
await db.query('drop table bench_idempotency');
await db.end();
front.close();
await embedded?.stop();
