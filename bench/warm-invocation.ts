// µs per warm Lambda invocation running `select 1`, for warmpool and the usual alternatives, all
// in one process against one server. Invocations run back to back (no idle gaps), after a warmup.
// The strategies take turns in rounds, alternating the order, so machine noise hits all of them
// alike; each round gives one µs/invocation figure per strategy and the table reports the median
// over rounds. "ratio" is the median over rounds of strategy ÷ postgres.js in the same round.
//
//   npm run bench [-- --rounds 10 --n 12000 --warmup 3000 --json results.json]
//
// DATABASE_URL is used when set; otherwise a throwaway embedded PostgreSQL is started and stopped.
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { redactUrl } from '../src/errors.js';
import { type EmbeddedServer, startEmbeddedPostgres } from '../src/testing/embedded-postgres.js';
import { median, percentile, table } from './support/stats.js';
import { STRATEGIES, type Strategy, fakeContext } from './support/strategies.js';

const BASELINE = 'postgres.js';
const TARGET = { strategy: 'warmpool', maxRatio: 1.05 };

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '10' },
    n: { type: 'string', default: '12000' },
    warmup: { type: 'string', default: '3000' },
    json: { type: 'string' },
  },
});
const ROUNDS = Number(args.rounds);
const N = Number(args.n);
const WARMUP = Number(args.warmup);
for (const [name, value] of Object.entries({ rounds: ROUNDS, n: N, warmup: WARMUP })) {
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer`);
}

/** Invocations per round for a strategy: N scaled by its share, at least 5. */
const countFor = (s: Strategy) => Math.max(5, Math.round(N * s.share));

/** Runs `count` invocations back to back; resolves to µs per invocation. */
async function measure(s: Strategy, count: number): Promise<number> {
  const event = {};
  const started = process.hrtime.bigint();
  for (let i = 0; i < count; i++) await s.handler(event, fakeContext());
  return Number(process.hrtime.bigint() - started) / 1_000 / count;
}

async function serverVersion(url: string): Promise<string> {
  const sql = postgres(url, { max: 1 });
  try {
    const [row] = await sql`show server_version`;
    return String(row.server_version);
  } finally {
    await sql.end({ timeout: 1 });
  }
}

async function bench(url: string) {
  const strategies = STRATEGIES.map((factory) => factory.setup(url));
  try {
    process.stderr.write(`warmup: ${WARMUP} invocations each (connect-per-invocation: ${Math.max(5, Math.round(WARMUP / 100))})\n`);
    for (const s of strategies) await measure(s, Math.max(5, Math.round(WARMUP * s.share)));

    const samples = new Map<string, number[]>(strategies.map((s) => [s.name, []]));
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? strategies : [...strategies].reverse();
      for (const s of order) samples.get(s.name)!.push(await measure(s, countFor(s)));
      process.stderr.write(`round ${round + 1}/${ROUNDS} done\n`);
    }
    return { strategies, samples };
  } finally {
    await Promise.allSettled(strategies.map((s) => s.teardown()));
  }
}

async function main() {
  const started = Date.now();
  let server: EmbeddedServer | undefined;
  const stopServer = () => server?.stop();
  process.once('SIGINT', () => void Promise.resolve(stopServer()).finally(() => process.exit(130)));
  try {
    const url = process.env.DATABASE_URL || (server = await startEmbeddedPostgres()).url;
    const pgVersion = await serverVersion(url);
    const { strategies, samples } = await bench(url);

    const base = samples.get(BASELINE)!;
    const results = strategies.map((s) => {
      const perRound = samples.get(s.name)!;
      const ratios = perRound.map((us, i) => us / base[i]);
      return {
        strategy: s.name,
        invocationsPerRound: countFor(s),
        medianUs: median(perRound),
        p95Us: percentile(perRound, 95),
        minUs: Math.min(...perRound),
        ratio: median(ratios),
        roundsUs: perRound,
      };
    });
    const target = results.find((r) => r.strategy === TARGET.strategy)!;
    const pass = target.ratio <= TARGET.maxRatio;
    const seconds = (Date.now() - started) / 1000;

    const fmt = (x: number, digits = 1) => x.toFixed(digits);
    console.log(
      `\nwarm invocation, select 1 — node ${process.version}, PostgreSQL ${pgVersion} ` +
        `(${server ? 'embedded' : redactUrl(url)}), ${os.cpus().length} CPUs`,
    );
    console.log(`${ROUNDS} rounds (order alternating), warmup ${WARMUP}; µs per invocation over rounds\n`);
    console.log(
      table(
        ['strategy', 'invocations/round', 'median µs', 'p95 µs', 'min µs', `ratio vs ${BASELINE}`],
        results.map((r) => [r.strategy, String(r.invocationsPerRound), fmt(r.medianUs), fmt(r.p95Us), fmt(r.minUs), `${fmt(r.ratio, 2)}×`]),
      ),
    );
    console.log(
      `\nwarmpool target ≤ ${TARGET.maxRatio.toFixed(2)}× raw ${BASELINE}: ${pass ? 'PASS' : 'FAIL'} ` +
        `(${fmt(target.ratio, 3)}×, +${fmt(target.medianUs - results.find((r) => r.strategy === BASELINE)!.medianUs)} µs median)`,
    );
    console.log(`total ${fmt(seconds)} s`);

    if (args.json) {
      const report = {
        date: new Date().toISOString(),
        node: process.version,
        postgres: pgVersion,
        server: server ? 'embedded' : 'DATABASE_URL',
        cpus: os.cpus().length,
        rounds: ROUNDS,
        n: N,
        warmup: WARMUP,
        baseline: BASELINE,
        target: { strategy: TARGET.strategy, maxRatio: TARGET.maxRatio, ratio: target.ratio, pass },
        results,
        seconds,
      };
      await writeFile(args.json, `${JSON.stringify(report, null, 2)}\n`);
      console.log(`results written to ${args.json}`);
    }
  } finally {
    await stopServer();
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
