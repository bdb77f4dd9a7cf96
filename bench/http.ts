// The HTTP path, in one run against one gateway and one server:
// 1. µs per `select 1` through warmpool's HTTP transport vs the Neon driver's neon() used directly
//    against the same gateway (both sequential, one client). Target: warmpool ≤ 1.2× neon().
// 2. Gateway throughput (queries/s) with N concurrent neon() clients, as ratios to one client.
// Rounds alternate the order, so machine noise hits both alike; medians over rounds. Caveat: the
// client, the gateway and PostgreSQL share this machine's CPUs (no network in between), so
// throughput flattens when they run out of cores, not where a real deployment would.
//
//   npx tsx bench/http.ts [--rounds 12] [--n 400] [--seconds 1] [--clients 1,2,4,8,16,32] [--json http.json]
//
// DATABASE_URL is used when set; otherwise a throwaway embedded PostgreSQL is started and stopped.
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { neon, neonConfig } from '@neondatabase/serverless';
import { startGateway, type Gateway } from '../packages/gateway/src/index.js';
import { createPool } from '../src/index.http.js';
import { type EmbeddedServer, startEmbeddedPostgres } from '../packages/cli/src/local-db/embedded-postgres.js';
import { median, percentile, table } from './support/stats.js';

const TARGET_RATIO = 1.2;

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '12' },
    n: { type: 'string', default: '400' },
    seconds: { type: 'string', default: '1' },
    clients: { type: 'string', default: '1,2,4,8,16,32' },
    json: { type: 'string' },
  },
});
const ROUNDS = Number(args.rounds);
const N = Number(args.n);
const SECONDS = Number(args.seconds);
const CLIENTS = args.clients.split(',').map(Number);
for (const [name, value] of Object.entries({ rounds: ROUNDS, n: N, seconds: SECONDS })) {
  if (!(value > 0)) throw new Error(`--${name} must be positive`);
}
if (CLIENTS.some((c) => !Number.isInteger(c) || c < 1)) throw new Error('--clients must be positive integers, e.g. 1,4,16');

type Query = () => PromiseLike<unknown>;

/** µs per query, `count` queries back to back. */
async function timeSequential(run: Query, count: number): Promise<number> {
  const started = process.hrtime.bigint();
  for (let i = 0; i < count; i++) await run();
  return Number(process.hrtime.bigint() - started) / 1_000 / count;
}

/** Queries per second with `clients` loops running for `seconds`. */
async function throughput(run: Query, clients: number, seconds: number): Promise<number> {
  const until = Date.now() + seconds * 1000;
  let done = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (Date.now() < until) {
        await run();
        done++;
      }
    }),
  );
  return done / (Number(process.hrtime.bigint() - started) / 1e9);
}

function upstreamOf(url: string): string {
  const u = new URL(url);
  return `postgres://${u.host}${u.pathname}`;
}

async function main() {
  let server: EmbeddedServer | undefined;
  let gw: Gateway | undefined;
  try {
    const url = process.env.DATABASE_URL || (server = await startEmbeddedPostgres({ quiet: true })).url;
    gw = await startGateway({ upstream: upstreamOf(url), port: 0, maxConnections: Math.max(10, ...CLIENTS) });
    neonConfig.fetchEndpoint = gw.fetchEndpoint;
    const direct = neon(url);
    const db = createPool({ connectionString: url, transport: 'http', httpEndpoint: gw.fetchEndpoint, applicationName: 'bench-http' });
    const strategies: { name: string; run: Query }[] = [
      { name: 'neon() direct', run: () => direct`select 1` },
      { name: 'warmpool http', run: () => db.sql`select 1` },
    ];

    process.stderr.write(`warmup\n`);
    for (const s of strategies) await timeSequential(s.run, Math.min(200, N));
    const samples = new Map(strategies.map((s) => [s.name, [] as number[]]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const s of round % 2 === 0 ? strategies : [...strategies].reverse()) samples.get(s.name)!.push(await timeSequential(s.run, N));
      process.stderr.write(round + 1 === ROUNDS ? `${ROUNDS} rounds done\n` : '.');
    }
    const base = samples.get('neon() direct')!;
    const rows = strategies.map((s) => {
      const us = samples.get(s.name)!;
      return { name: s.name, medianUs: median(us), p95Us: percentile(us, 95), ratio: median(us.map((u, i) => u / base[i])) };
    });
    const ratio = rows[1].ratio;

    process.stderr.write('gateway throughput\n');
    const scaling: { clients: number; qps: number }[] = [];
    for (const clients of CLIENTS) scaling.push({ clients, qps: await throughput(() => direct`select 1`, clients, SECONDS) });
    const one = scaling.find((s) => s.clients === 1)?.qps ?? scaling[0].qps;
    await db.end();

    const fmt = (x: number, digits = 1) => x.toFixed(digits);
    console.log(`\nHTTP through the warmpool gateway, select 1 — node ${process.version}, ${os.cpus().length} CPUs, ${server ? 'embedded PostgreSQL' : 'DATABASE_URL'}`);
    console.log(`${ROUNDS} rounds × ${N} sequential queries, order alternating; µs per query: median and p95 over rounds\n`);
    console.log(table(['client', 'median µs', 'p95 µs', 'ratio vs neon()'], rows.map((r) => [r.name, fmt(r.medianUs), fmt(r.p95Us), `${fmt(r.ratio, 2)}×`])));
    console.log(`\nwarmpool http target ≤ ${TARGET_RATIO.toFixed(2)}× neon(): ${ratio <= TARGET_RATIO ? 'PASS' : 'FAIL'} (${fmt(ratio, 3)}×)`);
    console.log(`\ngateway throughput, neon() clients looping select 1 for ${SECONDS} s each (gateway maxConnections ${Math.max(10, ...CLIENTS)})\n`);
    console.log(table(['clients', 'queries/s', 'ratio vs 1 client'], scaling.map((s) => [String(s.clients), fmt(s.qps, 0), `${fmt(s.qps / one, 2)}×`])));
    if (args.json) {
      await writeFile(args.json, `${JSON.stringify({ date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, rounds: ROUNDS, n: N, sequential: rows, target: { maxRatio: TARGET_RATIO, ratio, pass: ratio <= TARGET_RATIO }, throughput: scaling }, null, 2)}\n`);
    }
  } finally {
    await gw?.close();
    await server?.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
