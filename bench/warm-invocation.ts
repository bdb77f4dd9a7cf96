// µs per warm Lambda invocation running `select 1`, for warmpool and the usual alternatives,
// against one server. Each strategy runs in a process of its own, as a Lambda container runs one
// function (in one shared process the strategies' JIT state and garbage mix, which slowed each by
// different amounts), from one bundle of them all made as Lambda tools bundle by default (esbuild,
// one CommonJS file), so the code runs as deployed, with no TypeScript loader. This process plays
// the Runtime API: it sends each event over a pipe and waits for the answer, so every handler is
// called from an I/O callback as the runtime client calls it, and invocations run back to back
// (no idle gaps), after a warmup. The strategies take turns in rounds, alternating the order, so
// machine noise hits all of them alike; each round gives one µs/invocation figure per strategy
// (its mean over the round) and the table reports the median over rounds. Each ratio is the
// median over rounds of strategy ÷ baseline in that round, where "faster" is the faster of raw
// postgres.js and pg.Pool that round; the target is warmpool ≤ 1.05× the faster one. Wall time
// includes the event's trip over the pipe; client CPU is the container process's user+system CPU
// per invocation (the server and this process are others), with its ratio to the faster
// baseline's CPU.
// Caveat: over loopback the round trip is tiny, so client overhead weighs more than over a real
// network.
//
//   npm run bench [-- --rounds 24 --n 3000 --warmup 2000 --json results.json]
//
// DATABASE_URL is used when set; otherwise a throwaway embedded PostgreSQL is started and stopped.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import postgres from 'postgres';
import { redactUrl } from '../src/errors.js';
import { type EmbeddedServer, startEmbeddedPostgres } from '../packages/cli/src/local-db/embedded-postgres.js';
import { median, percentile, table } from './support/stats.js';
import { STRATEGIES } from './support/strategies.js';
import type { BenchMessage, ContainerMessage } from './support/warm-container.js';

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

interface Container {
  name: string;
  share: number;
  events: net.Socket;
  /** The container's CPU µs (user + system) so far. */
  cpu(): Promise<number>;
  /** Resolves when the container has answered the event in flight. */
  answered(): Promise<void>;
  end(): Promise<void>;
}

/** Invocations per round for a strategy: N scaled by its share, at least 5. */
const countFor = (s: { share: number }) => Math.max(5, Math.round(N * s.share));

const CONTAINER = fileURLToPath(new URL('./support/warm-container.ts', import.meta.url));

/**
 * The container script with every strategy, bundled as serverless-esbuild, SAM and CDK bundle a
 * handler by default (esbuild, platform node, one CommonJS file, not minified): the code runs as
 * deployed, without a TypeScript loader in the process.
 */
async function bundleContainer(dir: string): Promise<string> {
  const outfile = path.join(dir, 'warm-container.cjs');
  await build({ entryPoints: [CONTAINER], bundle: true, platform: 'node', format: 'cjs', target: 'node20', external: ['pg-native'], outfile, logLevel: 'warning' });
  return outfile;
}

/** Starts a strategy's container process and waits until its module scope has run. */
function startContainer(bundle: string, name: string, share: number, url: string): Promise<Container> {
  const child = spawn(process.execPath, [bundle, name, url], { stdio: ['ignore', 'inherit', 'inherit', 'pipe', 'ipc'] });
  const events = child.stdio[3] as net.Socket;
  let waiting: { resolve(): void; reject(err: Error): void } | undefined;
  let cpuWaiting: ((us: number) => void) | undefined;
  let failure: Error | undefined;
  const fail = (err: Error) => {
    failure ??= err;
    waiting?.reject(failure);
  };
  events.on('data', (chunk: Buffer) => {
    for (let i = 0; i < chunk.length; i++) {
      const w = waiting;
      waiting = undefined;
      w?.resolve();
    }
  });
  child.on('exit', (code) => fail(new Error(`${name}: the container process exited (${code})`)));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`${name}: the container process exited (${code}) before it was ready`)));
    child.on('message', (message: ContainerMessage) => {
      if (message.type === 'error') fail(new Error(`${name}: ${message.message}`));
      else if (message.type === 'cpu') cpuWaiting?.(message.us);
      else resolve(container);
    });
    const ask = (message: BenchMessage) => child.send(message);
    const container: Container = {
      name, share, events,
      cpu: () => new Promise((done) => {
        cpuWaiting = done;
        ask({ type: 'cpu' });
      }),
      answered: () => failure ? Promise.reject(failure) : new Promise((done, failed) => {
        waiting = { resolve: done, reject: failed };
      }),
      end: () => new Promise((done) => {
        if (child.exitCode !== null || !child.connected) return done();
        child.once('exit', () => done());
        ask({ type: 'end' });
      }),
    };
  });
}

const EVENT = Buffer.from([1]);

/** Sends `count` events back to back; µs of wall time and of the container's CPU per invocation. */
async function measure(c: Container, count: number): Promise<{ wall: number; cpu: number }> {
  const cpu0 = await c.cpu();
  const started = process.hrtime.bigint();
  for (let i = 0; i < count; i++) {
    const answer = c.answered();
    c.events.write(EVENT);
    await answer;
  }
  const wall = Number(process.hrtime.bigint() - started) / 1_000 / count;
  const cpu = (await c.cpu()) - cpu0;
  return { wall, cpu: cpu / count };
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
  const strategies: Container[] = [];
  const dir = await mkdtemp(path.join(os.tmpdir(), 'warmpool-bench-'));
  try {
    const bundle = await bundleContainer(dir);
    for (const { name, share } of STRATEGIES) strategies.push(await startContainer(bundle, name, share, url));
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
    await Promise.allSettled(strategies.map((s) => s.end()));
    await rm(dir, { recursive: true, force: true });
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
    console.log(`one process per strategy, bundled (esbuild, one CommonJS file); each event sent over a pipe (as the Runtime API's /next answers);`);
    console.log(`${ROUNDS} rounds, order alternating, warmup ${WARMUP}; µs per invocation: median, p95 and min over rounds;`);
    console.log(`client CPU = the container process's user+system CPU per invocation; ratios = median of per-round ratios;`);
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
