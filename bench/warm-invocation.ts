// µs per warm Lambda invocation running `select 1`, for warmpool and the usual alternatives, all
// in one process against one server. Invocations run back to back (no idle gaps), after a warmup.
// The strategies take turns in rounds, alternating the order, so machine noise hits all of them
// alike; each round gives one µs/invocation figure per strategy (its mean over the round) and the
// table reports the median over rounds. Each ratio is the median over rounds of strategy ÷
// baseline in that round, where "faster" is the faster of raw postgres.js and pg.Pool that round;
// the target is warmpool ≤ 1.05× the faster one. Client CPU is this process's user+system CPU per
// invocation (the server runs in other processes), with its ratio to the faster baseline's CPU.
// Caveat: over loopback the round trip is tiny, so client overhead weighs more than over a real
// network.
//
//   npm run bench [-- --rounds 24 --n 3000 --warmup 2000 --json results.json]
//
// DATABASE_URL is used when set; otherwise a throwaway embedded PostgreSQL is started and stopped.
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { redactUrl } from '../src/errors.js';
import { type EmbeddedServer, startEmbeddedPostgres } from '../src/local-db/embedded-postgres.js';
import { median, percentile, table } from './support/stats.js';
import { STRATEGIES, type Strategy, fakeContext } from './support/strategies.js';

/** The baselines warmpool is held against: the faster of the two in each round. */
const BASELINES = ['postgres.js', 'pg.Pool'] as const;
const TARGET = { strategy: 'warmpool', maxRatio: 1.05 };
/** The same pool with warmpool/otel on (an SDK tracer and meter provider, spans discarded). */
const TRACED = 'warmpool + OTel';

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '24' },
    n: { type: 'string', default: '3000' },
    warmup: { type: 'string', default: '2000' },
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

/** Runs `count` invocations back to back; µs of wall time and of this process's CPU per invocation. */
async function measure(s: Strategy, count: number): Promise<{ wall: number; cpu: number }> {
  const event = {};
  const cpu0 = process.cpuUsage();
  const started = process.hrtime.bigint();
  for (let i = 0; i < count; i++) await s.handler(event, fakeContext());
  const wall = Number(process.hrtime.bigint() - started) / 1_000 / count;
  const { user, system } = process.cpuUsage(cpu0);
  return { wall, cpu: (user + system) / count };
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
    process.stderr.write(`warmup: ${WARMUP} invocations per strategy (scaled by its share)\n`);
    for (const s of strategies) await measure(s, Math.max(5, Math.round(WARMUP * s.share)));

    const samples = new Map(strategies.map((s) => [s.name, { wall: [] as number[], cpu: [] as number[] }]));
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? strategies : [...strategies].reverse();
      for (const s of order) {
        const { wall, cpu } = await measure(s, countFor(s));
        samples.get(s.name)!.wall.push(wall);
        samples.get(s.name)!.cpu.push(cpu);
      }
      process.stderr.write(`${round + 1 === ROUNDS ? `${ROUNDS} rounds done\n` : '.'}`);
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

    const [pgjs, pgPool] = BASELINES.map((name) => samples.get(name)!);
    const fasterWall = pgjs.wall.map((us, i) => Math.min(us, pgPool.wall[i]));
    const fasterCpu = pgjs.cpu.map((us, i) => Math.min(us, pgPool.cpu[i]));
    const ratio = (values: number[], base: number[]) => median(values.map((x, i) => x / base[i]));
    const results = strategies.map((s) => {
      const { wall: perRound, cpu } = samples.get(s.name)!;
      return {
        strategy: s.name,
        invocationsPerRound: countFor(s),
        medianUs: median(perRound),
        p95Us: percentile(perRound, 95),
        minUs: Math.min(...perRound),
        clientCpuUs: median(cpu),
        ratioVsPostgresJs: ratio(perRound, pgjs.wall),
        ratioVsPgPool: ratio(perRound, pgPool.wall),
        ratio: ratio(perRound, fasterWall),
        cpuRatio: ratio(cpu, fasterCpu),
        roundsUs: perRound,
        roundsCpuUs: cpu,
      };
    });
    const target = results.find((r) => r.strategy === TARGET.strategy)!;
    const pass = target.ratio <= TARGET.maxRatio;
    const fasterMedianUs = median(fasterWall);
    const seconds = (Date.now() - started) / 1000;

    const fmt = (x: number, digits = 1) => x.toFixed(digits);
    console.log(
      `\nwarm invocation, select 1 — node ${process.version}, PostgreSQL ${pgVersion} ` +
        `(${server ? 'embedded' : redactUrl(url)}), ${os.cpus().length} CPUs`,
    );
    console.log(`${ROUNDS} rounds, order alternating, warmup ${WARMUP}; µs per invocation: median, p95 and min over rounds;`);
    console.log(`client CPU = this process's user+system CPU per invocation; ratios = median of per-round ratios;`);
    console.log(`"faster" = the faster of ${BASELINES.join(' and ')} in each round\n`);
    console.log(
      table(
        ['strategy', 'inv/round', 'median µs', 'p95 µs', 'min µs', 'vs postgres.js', 'vs pg.Pool', 'vs faster', 'client CPU µs', 'CPU vs faster'],
        results.map((r) => [
          r.strategy, String(r.invocationsPerRound), fmt(r.medianUs), fmt(r.p95Us), fmt(r.minUs),
          `${fmt(r.ratioVsPostgresJs, 2)}×`, `${fmt(r.ratioVsPgPool, 2)}×`, `${fmt(r.ratio, 2)}×`, fmt(r.clientCpuUs), `${fmt(r.cpuRatio, 2)}×`,
        ]),
      ),
    );
    const sign = (x: number) => (x < 0 ? '' : '+');
    const extraUs = target.medianUs - fasterMedianUs;
    const extraCpuUs = target.clientCpuUs - median(fasterCpu);
    console.log(
      `\nwarmpool target ≤ ${TARGET.maxRatio.toFixed(2)}× the faster of ${BASELINES.join(' and ')}: ${pass ? 'PASS' : 'FAIL'} ` +
        `(${fmt(target.ratio, 3)}×, ${sign(extraUs)}${fmt(extraUs)} µs median; client CPU ${fmt(target.cpuRatio, 2)}×, ${sign(extraCpuUs)}${fmt(extraCpuUs)} µs)`,
    );
    const traced = results.find((r) => r.strategy === TRACED);
    if (traced) {
      const perRound = samples.get(TRACED)!.wall.map((us, i) => us - samples.get(TARGET.strategy)!.wall[i]);
      console.log(`tracing on (${TRACED}) vs off: +${fmt(median(perRound))} µs median per invocation, ${fmt(traced.ratio / target.ratio, 3)}× warmpool`);
    }
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
        baselines: BASELINES,
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
