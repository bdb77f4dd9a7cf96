// What a young Lambda container pays, in CPU ms of a fresh Node process: importing the handler's
// esbuild bundle, its first invocation, and the mean of invocations 11–20 (still far from warmed
// up, as most containers stay). Each invocation is the load test's work: a read and a write.
//   warmpool over TCP      vs raw postgres.js at module scope
//   warmpool over HTTP     vs neon() with the runtime's fetch, through the same gateway
// Rounds alternate the order; medians over rounds. CPU time, not wall time, so the gateway and
// the server (in this process and its children) are not counted.
//
//   npx tsx bench/cold-process.ts [--rounds 8]
//
// DATABASE_URL is used when set; otherwise a throwaway embedded PostgreSQL is started and stopped.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { build } from 'esbuild';
import { startGateway, type Gateway } from '../src/gateway/index.js';
import { createSchema } from '../src/loadtest/server.js';
import { type EmbeddedServer, startEmbeddedPostgres } from '../src/local-db/embedded-postgres.js';
import { median, table } from './support/stats.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const run = promisify(execFile);
const { values: args } = parseArgs({ options: { rounds: { type: 'string', default: '8' } } });
const ROUNDS = Number(args.rounds);
if (!(ROUNDS > 0)) throw new Error('--rounds must be positive');

const HANDLERS = [
  { name: 'warmpool tcp', entry: 'src/loadtest/strategies/warmpool-tcp.ts', baseline: 'postgres.js' },
  { name: 'postgres.js', entry: 'src/loadtest/strategies/postgres-js.ts' },
  { name: 'warmpool http', entry: 'src/loadtest/strategies/warmpool-http.ts', baseline: 'neon() + fetch' },
  { name: 'neon() + fetch', entry: 'bench/support/neon-handler.ts' },
] as const;

/** Runs in a fresh process: imports the bundle, invokes it 20 times, prints CPU ms. */
const CHILD = `
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const c0 = cpu();
const { handler } = await import(process.argv[2]);
const importMs = cpu() - c0;
const context = { getRemainingTimeInMillis: () => 6000, callbackWaitsForEmptyEventLoop: true };
const invoke = async (i) => {
  const c = cpu();
  const res = await handler({ body: JSON.stringify({ writeId: process.argv[3] + ':' + process.pid + ':' + i, itemId: 1 + (i % 100) }) }, context);
  if (res.statusCode !== 200) throw new Error('invocation failed: ' + JSON.stringify(res));
  return cpu() - c;
};
const first = await invoke(0);
const rest = [];
for (let i = 1; i < 20; i++) rest.push(await invoke(i));
const later = rest.slice(-10);
console.log(JSON.stringify({ importMs, firstMs: first, laterMs: later.reduce((a, b) => a + b, 0) / later.length }));
process.exit(0);
`;

type Sample = { importMs: number; firstMs: number; laterMs: number };

async function main() {
  let server: EmbeddedServer | undefined;
  let gw: Gateway | undefined;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'warmpool-cold-'));
  try {
    const url = process.env.DATABASE_URL || (server = await startEmbeddedPostgres({ quiet: true })).url;
    await createSchema(url);
    const u = new URL(url);
    gw = await startGateway({ upstream: `postgres://${u.host}${u.pathname}`, port: 0, maxConnections: 5 });
    // As the emulator and serverless.yml bundle handlers.
    await build({
      entryPoints: Object.fromEntries(HANDLERS.map((h) => [h.name.replace(/\W+/g, '-'), path.join(root, h.entry)])),
      bundle: true, platform: 'node', format: 'esm', target: 'node20', logLevel: 'silent', external: ['pg-native'],
      outdir: dir, outExtension: { '.js': '.mjs' },
      banner: { js: "import { createRequire as __bench } from 'node:module'; const require = __bench(import.meta.url);" },
    });
    await writeFile(path.join(dir, 'child.mjs'), CHILD);
    const env = { PATH: process.env.PATH, DATABASE_URL: url, WARMPOOL_HTTP_ENDPOINT: gw.fetchEndpoint };
    const samples = new Map<string, Sample[]>(HANDLERS.map((h) => [h.name, []]));
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 ? [...HANDLERS].reverse() : HANDLERS;
      for (const h of order) {
        const bundle = path.join(dir, `${h.name.replace(/\W+/g, '-')}.mjs`);
        const { stdout } = await run(process.execPath, [path.join(dir, 'child.mjs'), bundle, h.name], { env, timeout: 60_000 });
        samples.get(h.name)!.push(JSON.parse(stdout) as Sample);
      }
    }
    const med = (name: string, key: keyof Sample) => median(samples.get(name)!.map((s) => s[key]));
    const keys: (keyof Sample)[] = ['importMs', 'firstMs', 'laterMs'];
    console.log(`\nA fresh process: CPU ms, median of ${ROUNDS} — node ${process.version}, ${os.cpus().length} CPUs, ${server ? 'embedded PostgreSQL' : 'DATABASE_URL'}`);
    console.log(table(
      ['handler', 'import', 'first invocation', 'invocations 11–20, each', 'vs'],
      HANDLERS.map((h) => [
        h.name,
        ...keys.map((k) => `${med(h.name, k).toFixed(1)}${'baseline' in h ? ` (${(med(h.name, k) / med(h.baseline, k)).toFixed(2)}×)` : ''}`),
        'baseline' in h ? h.baseline : '',
      ]),
    ));
  } finally {
    await gw?.close();
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
