// What a young Lambda container pays, in CPU ms of a fresh Node process: importing the handler's
// bundle, its first invocation, and the mean of invocations 11–20 (still far from warmed up, as
// most containers stay). Each invocation is the load test's work: a read and a write.
//   warmpool over TCP (`warmpool`)        vs raw postgres.js at module scope
//   warmpool over HTTP (`warmpool/http`)  vs neon() with the runtime's fetch, through the same gateway
// Bundled as Lambda tools bundle by default: esbuild, platform node, one file, no splitting;
// CommonJS as serverless-esbuild, SAM and CDK NodejsFunction make it, and ESM with the
// createRequire banner as CDK's OutputFormat.ESM recipe (and this repo's serverless.yml) make it.
// Rounds alternate the order; medians over rounds. CPU time, not wall time, so the gateway and
// the server (in this process and its children) are not counted. Targets for warmpool over TCP:
// import ≤ 1.15×, first invocation ≤ 1.15×, invocations 11–20 ≤ 1.1×. The column "cold start" is
// import plus first invocation, per process: where work falls between the two phases (building
// the driver, compiling code at its first call) moves with small changes; their sum does not.
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
import { startGateway, type Gateway } from '../packages/gateway/src/index.js';
import { createSchema } from '../packages/cli/src/loadtest/server.js';
import { type EmbeddedServer, startEmbeddedPostgres } from '../packages/cli/src/local-db/embedded-postgres.js';
import { median, table } from './support/stats.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const run = promisify(execFile);
const { values: args } = parseArgs({ options: { rounds: { type: 'string', default: '8' } } });
const ROUNDS = Number(args.rounds);
if (!(ROUNDS > 0)) throw new Error('--rounds must be positive');

const HANDLERS = [
  { name: 'warmpool tcp', entry: 'packages/cli/src/loadtest/strategies/warmpool-tcp.ts', baseline: 'postgres.js' },
  { name: 'postgres.js', entry: 'packages/cli/src/loadtest/strategies/postgres-js.ts' },
  { name: 'warmpool http', entry: 'packages/cli/src/loadtest/strategies/warmpool-http.ts', baseline: 'neon() + fetch', http: true },
  { name: 'neon() + fetch', entry: 'bench/support/neon-handler.ts', http: true },
] as const;

const BUILDS = [
  { name: 'CommonJS (serverless-esbuild, SAM, CDK defaults)', format: 'cjs', ext: '.cjs' },
  { name: 'ESM + createRequire banner (CDK OutputFormat.ESM)', format: 'esm', ext: '.mjs' },
] as const;
const BANNER = "import { createRequire } from 'module'; const require = createRequire(import.meta.url);";
const TARGETS = { importMs: 1.15, firstMs: 1.15, laterMs: 1.1 };

/** Runs in a fresh process: loads the bundle (require for CommonJS, as the Lambda runtime does), invokes it 20 times, prints CPU ms. */
const CHILD = `
import { createRequire } from 'node:module';
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const file = process.argv[2];
const c0 = cpu();
const { handler } = file.endsWith('.cjs') ? createRequire(import.meta.url)(file) : await import(file);
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
const KEYS: (keyof Sample)[] = ['importMs', 'firstMs', 'laterMs'];
const slug = (name: string) => name.replace(/\W+/g, '-');

async function main() {
  let server: EmbeddedServer | undefined;
  let gw: Gateway | undefined;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'warmpool-cold-'));
  try {
    const url = process.env.DATABASE_URL || (server = await startEmbeddedPostgres({ quiet: true })).url;
    await createSchema(url);
    const u = new URL(url);
    gw = await startGateway({ upstream: `postgres://${u.host}${u.pathname}`, port: 0, maxConnections: 5 });
    for (const b of BUILDS) {
      await build({
        entryPoints: Object.fromEntries(HANDLERS.map((h) => [slug(h.name), path.join(root, h.entry)])),
        bundle: true, platform: 'node', format: b.format, target: 'node20', logLevel: 'silent', external: ['pg-native'],
        outdir: dir, outExtension: { '.js': b.ext }, ...(b.format === 'esm' ? { banner: { js: BANNER } } : {}),
      });
    }
    await writeFile(path.join(dir, 'child.mjs'), CHILD);
    const env = { PATH: process.env.PATH, DATABASE_URL: url };
    const httpEnv = { ...env, WARMPOOL_HTTP_ENDPOINT: gw.fetchEndpoint };
    const key = (b: (typeof BUILDS)[number], h: (typeof HANDLERS)[number] | string) => `${b.ext} ${typeof h === 'string' ? h : h.name}`;
    const samples = new Map<string, Sample[]>();
    for (let round = 0; round < ROUNDS; round++) {
      for (const b of BUILDS) {
        const order = round % 2 ? [...HANDLERS].reverse() : HANDLERS;
        for (const h of order) {
          const bundle = path.join(dir, `${slug(h.name)}${b.ext}`);
          const { stdout } = await run(process.execPath, [path.join(dir, 'child.mjs'), bundle, h.name], { env: 'http' in h ? httpEnv : env, timeout: 60_000 });
          samples.set(key(b, h), [...(samples.get(key(b, h)) ?? []), JSON.parse(stdout) as Sample]);
        }
      }
    }
    const med = (k: string, field: keyof Sample) => median(samples.get(k)!.map((s) => s[field]));
    console.log(`\nA fresh process: CPU ms, median of ${ROUNDS} — node ${process.version}, ${os.cpus().length} CPUs, ${server ? 'embedded PostgreSQL' : 'DATABASE_URL'}`);
    for (const b of BUILDS) {
      console.log(`\n${b.name}, one file, not minified`);
      const cold = (k: string) => median(samples.get(k)!.map((s) => s.importMs + s.firstMs));
      console.log(table(
        ['handler', 'import', 'first invocation', 'cold start', 'invocations 11–20, each', 'vs'],
        HANDLERS.map((h) => {
          const cell = (value: number, base: number | undefined, digits: number) => `${value.toFixed(digits)}${base === undefined ? '' : ` (${(value / base).toFixed(2)}×)`}`;
          const baseline = 'baseline' in h ? h.baseline : undefined;
          const [imported, first, later] = KEYS.map((k) => cell(med(key(b, h), k), baseline && med(key(b, baseline), k), k === 'laterMs' ? 2 : 1));
          return [h.name, imported, first, cell(cold(key(b, h)), baseline && cold(key(b, baseline)), 1), later, baseline ?? ''];
        }),
      ));
      const ratios = KEYS.map((k) => [k, med(key(b, 'warmpool tcp'), k) / med(key(b, 'postgres.js'), k)] as const);
      console.log(`targets for warmpool tcp: ${ratios.map(([k, r]) => `${k.replace('Ms', '')} ${r.toFixed(2)}× ${r <= TARGETS[k] ? '≤' : '>'} ${TARGETS[k]}× ${r <= TARGETS[k] ? 'met' : 'NOT met'}`).join('; ')}`);
    }
  } finally {
    await gw?.close();
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
