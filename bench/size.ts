// Bundle sizes as Lambda and Workers tools make them by default: esbuild, one file, no splitting.
// Lambda: platform node, CommonJS, minified (SAM's BuildMethod esbuild); Worker: the workerd
// conditions, ESM, minified (wrangler --minify). Each handler is measured against the drivers it
// carries bundled alone, so "warmpool adds" is warmpool's own code (targets, gzip: ≤ 12 KB for
// the TCP Lambda, ≤ 10 KB for the HTTP Worker), and the layout (minified KB per package, and warmpool's largest
// modules) is printed so a regression shows. Then `wrangler deploy --dry-run` checks
// wrangler.toml and the Worker entry offline.
//
//   npm run size [-- --json sizes.json]
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { build, type BuildOptions } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
/** What warmpool may add, gzip KB, per targeted bundle. */
const TARGET_KB: Record<string, number> = { 'Lambda, TCP (warmpool)': 12, 'Worker, HTTP (warmpool/worker)': 10 };

const EDGE: BuildOptions = { platform: 'neutral', format: 'esm', conditions: ['workerd', 'worker', 'browser'], mainFields: ['module', 'main'], external: ['cloudflare:*', 'node:*'] };
// pg loads pg-native only when asked for it; Lambda bundlers mark it external the same way.
const NODE: BuildOptions = { platform: 'node', format: 'cjs', target: 'node20', external: ['pg-native'] };

/** The smallest real handlers: the README's examples. */
const LAMBDA = (entry: string) => `
  import { createPool } from '${entry}';
  import { withPool } from './src/lambda/index.ts';
  const db = createPool({ connectionString: process.env.DATABASE_URL });
  export const handler = withPool(db, async () => db.sql\`select 1\`);`;
const WORKER = (entry: string) => `
  import { withPool } from '${entry}';
  export default { fetch: withPool((env) => ({ connectionString: env.DATABASE_URL }), async (request, db) => Response.json(await db.sql\`select 1\`)) };`;

/**
 * One-query Lambda handlers, one per client, for the comparison table: warmpool's is LAMBDA's,
 * the others the same `select 1` at module scope on the bare client. "pg-protocol ref" is
 * bench/support/pg-protocol-reference.ts, the floor (a wire codec and a socket, nothing more).
 */
const HANDLERS: { name: string; contents: string }[] = [
  { name: 'warmpool', contents: LAMBDA('./src/index.ts') },
  {
    name: 'postgres.js 3.4',
    contents: `import postgres from 'postgres'; const sql = postgres(process.env.DATABASE_URL); export const handler = async () => sql\`select 1\`;`,
  },
  {
    name: 'postgres.js 4.2',
    contents: `import postgres from 'postgres-4'; const sql = postgres(process.env.DATABASE_URL); export const handler = async () => sql\`select 1\`;`,
  },
  {
    name: 'pg.Pool',
    contents: `import pg from 'pg'; const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL }); export const handler = async () => (await pool.query('select 1')).rows;`,
  },
  {
    name: 'pg-protocol ref',
    contents: `import { ReferenceConnection } from './bench/support/pg-protocol-reference.ts'; const db = new ReferenceConnection(process.env.DATABASE_URL); export const handler = async () => (await db.query('select 1')).rows;`,
  },
];

export interface Measured {
  bytes: number;
  gzip: number;
  /** Minified bytes per npm package, and 'warmpool' for the repository's own modules; largest first. */
  packages: [string, number][];
  /** Minified bytes of each of warmpool's own modules, largest first. */
  own: [string, number][];
}

/** Bundles `contents` (an ES module importing from the repo) into one minified file and gzips it. */
export async function measure(contents: string, platform: BuildOptions): Promise<Measured> {
  const result = await build({
    stdin: { contents, resolveDir: root, loader: 'ts', sourcefile: 'entry.ts' },
    bundle: true, minify: true, write: false, metafile: true, outfile: 'out.js', logLevel: 'silent', ...platform,
  });
  const [output] = Object.values(result.metafile!.outputs);
  const packages = new Map<string, number>();
  const own = new Map<string, number>();
  for (const [file, { bytesInOutput }] of Object.entries(output.inputs)) {
    if (bytesInOutput === 0) continue;
    const name = file.includes('node_modules/') ? packageOf(file) : 'warmpool';
    packages.set(name, (packages.get(name) ?? 0) + bytesInOutput);
    if (name === 'warmpool' && file !== 'entry.ts') own.set(file, bytesInOutput);
  }
  const code = result.outputFiles![0].contents;
  return { bytes: code.length, gzip: gzipSync(code, { level: 9 }).length, packages: largestFirst(packages), own: largestFirst(own) };
}

const largestFirst = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]);

function packageOf(file: string): string {
  const rest = file.slice(file.lastIndexOf('node_modules/') + 'node_modules/'.length).split('/');
  return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

export interface Row {
  bundle: string;
  /** Whether a TARGET_KB target applies to this row. */
  targeted: boolean;
  full: Measured;
  drivers: string;
  base: Measured;
  adds: number;
}

export async function rows(): Promise<Row[]> {
  const postgres = measure(`export { default } from 'postgres';`, NODE);
  const neon = measure(`export { neon, Client } from '@neondatabase/serverless';`, EDGE);
  const cases = [
    { bundle: 'Lambda, TCP (warmpool)', targeted: true, full: measure(LAMBDA('./src/index.ts'), NODE), drivers: 'postgres.js', base: postgres },
    {
      bundle: 'Lambda, HTTP opt-in (warmpool/http)', targeted: false, full: measure(LAMBDA('./src/index.http.ts'), NODE),
      drivers: 'postgres.js + neon + ws', base: measure(`export { default } from 'postgres'; export { neon, Client } from '@neondatabase/serverless'; export { default as ws } from 'ws';`, NODE),
    },
    { bundle: 'Worker, HTTP (warmpool/worker)', targeted: true, full: measure(WORKER('./src/worker/index.ts'), EDGE), drivers: 'neon driver', base: neon },
    {
      bundle: 'Worker, TCP (warmpool/worker/tcp)', targeted: false, full: measure(WORKER('./src/worker/tcp.ts'), EDGE),
      drivers: 'neon + postgres.js cf', base: measure(`export { neon, Client } from '@neondatabase/serverless'; export { default as postgres } from 'postgres';`, EDGE),
    },
  ];
  const out: Row[] = [];
  for (const c of cases) {
    const [full, base] = await Promise.all([c.full, c.base]);
    out.push({ bundle: c.bundle, targeted: c.targeted, full, drivers: c.drivers, base, adds: full.gzip - base.gzip });
  }
  return out;
}

export interface HandlerRow {
  name: string;
  measured: Measured;
}

export async function handlerRows(): Promise<HandlerRow[]> {
  return Promise.all(HANDLERS.map(async (h) => ({ name: h.name, measured: await measure(h.contents, NODE) })));
}

/** `wrangler deploy --dry-run`: parses wrangler.toml and bundles `main` offline, uploads nothing. */
export async function wranglerDryRun(): Promise<{ ok: boolean; upload: string; output: string; outdir: string }> {
  const outdir = await mkdtemp(path.join(os.tmpdir(), 'warmpool-wrangler-'));
  const output = await new Promise<string>((resolve) => {
    execFile(
      process.execPath, [path.join(root, 'node_modules/wrangler/bin/wrangler.js'), 'deploy', '--dry-run', '--outdir', outdir],
      { cwd: root, env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: '1', NO_COLOR: '1' }, timeout: 60_000 },
      (err, stdout, stderr) => resolve(`${stdout}${stderr}${err ? `\n${err.message}` : ''}`),
    );
  });
  const upload = /Total Upload: ([^\n]+)/.exec(output)?.[1] ?? '';
  return { ok: upload !== '' && /--dry-run: exiting now/.test(output), upload, output, outdir };
}

function print(measured: Row[]) {
  const width = Math.max(...measured.map((r) => r.bundle.length));
  console.log(`One file, minified (Lambda: CommonJS; Worker: ESM, workerd conditions); gzip level 9.\n`);
  console.log(`${'bundle'.padEnd(width)}  minified   gzip      ${'drivers alone, gzip'.padEnd(32)}  warmpool adds`);
  for (const r of measured) {
    const target = TARGET_KB[r.bundle];
    const verdict = r.targeted && target ? (r.adds <= target * 1024 ? `  target ≤ ${target} KB met` : `  target ≤ ${target} KB NOT met`) : '';
    console.log(`${r.bundle.padEnd(width)}  ${kb(r.full.bytes).padEnd(9)}  ${kb(r.full.gzip).padEnd(8)}  ${`${r.drivers} ${kb(r.base.gzip)}`.padEnd(32)}  ${kb(r.adds)}${verdict}`);
  }
  console.log('\nLayout, minified KB per package:');
  for (const r of measured) console.log(`  ${r.bundle.padEnd(width)}  ${r.full.packages.map(([p, b]) => `${p} ${kb(b)}`).join(', ')}`);
  for (const r of measured.filter((m) => m.targeted)) {
    console.log(`\nwarmpool's largest modules in "${r.bundle}": ${r.full.own.slice(0, 8).map(([f, b]) => `${f.replace(/^src\//, '')} ${kb(b)}`).join(', ')}`);
  }
}

function printHandlers(handlers: HandlerRow[]) {
  const base = handlers.find((h) => h.name === 'postgres.js 3.4')!.measured;
  const ref = handlers.find((h) => h.name === 'pg-protocol ref')!.measured;
  const width = Math.max(...handlers.map((h) => h.name.length));
  const signed = (bytes: number) => `${bytes >= 0 ? '+' : '-'}${kb(Math.abs(bytes))}`;
  console.log('\nA Lambda handler running one `select 1` at module scope, per client (TCP; CommonJS, minified; gzip level 9):\n');
  console.log(`${'client'.padEnd(width)}  minified   gzip      vs postgres.js 3.4  vs pg-protocol ref`);
  for (const { name, measured: m } of handlers) {
    console.log(`${name.padEnd(width)}  ${kb(m.bytes).padEnd(9)}  ${kb(m.gzip).padEnd(8)}  ${signed(m.gzip - base.gzip).padEnd(18)}  ${signed(m.gzip - ref.gzip)}`);
  }
}

async function main() {
  const { values } = parseArgs({ options: { json: { type: 'string' } } });
  const measured = await rows();
  print(measured);
  const handlers = await handlerRows();
  printHandlers(handlers);
  const dry = await wranglerDryRun();
  const worker = dry.ok ? await readFile(path.join(dry.outdir, 'index.js'), 'utf8') : '';
  await rm(dry.outdir, { recursive: true, force: true });
  const clean = dry.ok && !worker.includes('node_modules/postgres') && !/["']node:net["']/.test(worker);
  console.log(`\nwrangler deploy --dry-run (wrangler.toml, main ${dry.ok ? 'bundled' : 'FAILED'}): ${dry.ok ? dry.upload : dry.output.trim().split('\n').slice(-5).join('\n')}${dry.ok ? (clean ? '; no postgres.js, no node:net' : '; CONTAINS postgres.js or node:net') : ''}`);
  console.log('Not validated offline: the deploy itself, the Hyperdrive binding (needs an account), routes and secrets.');
  if (values.json) await writeFile(values.json, JSON.stringify({ bundles: measured, handlers, wrangler: { ok: dry.ok, upload: dry.upload } }, null, 2));
  if (!dry.ok) process.exitCode = 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) await main();
