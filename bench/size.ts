// Bundle sizes, gzip: the sample Worker (workerd condition) and a sample Lambda handler (Node),
// each against the drivers it carries bundled alone, so "warmpool adds" is warmpool's own code
// (plus the few lines of the sample). Target: ≤ 5 KB gzip on either. All bundles are minified
// esbuild ESM builds, as wrangler (--minify) and serverless-esbuild (minify: true) make them.
// Then `wrangler deploy --dry-run` checks wrangler.toml and the Worker entry offline.
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
const TARGET_KB = 5;

const EDGE: BuildOptions = { platform: 'neutral', conditions: ['workerd', 'worker', 'browser'], mainFields: ['module', 'main'], external: ['cloudflare:*', 'node:*'] };
const NODE: BuildOptions = { platform: 'node', target: 'node20' };

interface Measured {
  gzip: number;
  /** Gzip size of the chunks loaded only on demand (split builds). */
  lazyGzip: number;
  packages: string[];
  /** Minified bytes of each of warmpool's own modules (src/, functions/), largest first. */
  own: [string, number][];
}

/** Bundles `contents` (an ES module importing from the repo) and gzips it. `split`: dynamic imports become their own chunks. */
export async function measure(contents: string, platform: BuildOptions, split = false): Promise<Measured> {
  const outdir = await mkdtemp(path.join(os.tmpdir(), 'warmpool-size-'));
  try {
    const result = await build({
      stdin: { contents, resolveDir: root, loader: 'ts', sourcefile: 'entry.ts' },
      bundle: true, format: 'esm', minify: true, write: false, metafile: true, splitting: split, outdir, logLevel: 'silent', ...platform,
    });
    const meta = result.metafile!;
    const entry = Object.entries(meta.outputs).find(([, o]) => o.entryPoint !== undefined)![0];
    let gzip = 0;
    let lazyGzip = 0;
    for (const file of result.outputFiles!) {
      const size = gzipSync(file.contents, { level: 9 }).length;
      // The entry and the chunks it imports statically load at start; dynamic imports load on use.
      if (path.relative(root, file.path) === entry || isStaticImportOf(meta, entry, path.relative(root, file.path))) gzip += size;
      else lazyGzip += size;
    }
    const packages = [...new Set(Object.keys(meta.inputs).filter((f) => f.includes('node_modules/')).map(packageOf))].sort();
    const own = new Map<string, number>();
    for (const output of Object.values(meta.outputs)) {
      for (const [file, { bytesInOutput }] of Object.entries(output.inputs)) {
        if (!file.includes('node_modules/') && bytesInOutput > 0) own.set(file, (own.get(file) ?? 0) + bytesInOutput);
      }
    }
    return { gzip, lazyGzip, packages, own: [...own].sort((a, b) => b[1] - a[1]) };
  } finally {
    await rm(outdir, { recursive: true, force: true });
  }
}

function isStaticImportOf(meta: { outputs: Record<string, { imports: { path: string; kind: string }[] }> }, entry: string, file: string): boolean {
  return meta.outputs[entry]?.imports.some((i) => i.path === file && i.kind === 'import-statement') ?? false;
}

function packageOf(file: string): string {
  const rest = file.slice(file.lastIndexOf('node_modules/') + 'node_modules/'.length).split('/');
  return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

interface Row {
  bundle: string;
  gzip: number;
  drivers: string;
  driversGzip: number;
  adds: number;
  lazyGzip: number;
  own: [string, number][];
}

async function rows(): Promise<Row[]> {
  const neon = measure(`export { neon, Client } from '@neondatabase/serverless';`, EDGE);
  const cases = [
    {
      bundle: 'Worker (functions/worker/index.ts)', drivers: 'neon driver',
      full: measure(`export { default } from './functions/worker/index.ts';`, EDGE), base: neon,
    },
    {
      bundle: 'Worker over TCP (functions/worker/tcp.ts)', drivers: 'neon + postgres.js cf',
      full: measure(`export { default } from './functions/worker/tcp.ts';`, EDGE),
      base: measure(`export { neon, Client } from '@neondatabase/serverless'; export { default as postgres } from 'postgres';`, EDGE),
    },
    {
      // Split: what a TCP invocation loads; the Neon driver and ws are chunks loaded on first use
      // of the http/websocket transports. In one file (serverless-esbuild) they are present but
      // not evaluated.
      bundle: 'Lambda (functions/get-item.ts)', drivers: 'postgres.js',
      full: measure(`export { handler } from './functions/get-item.ts';`, NODE, true),
      base: measure(`export { default } from 'postgres';`, NODE),
    },
  ];
  const out: Row[] = [];
  for (const c of cases) {
    const [full, base] = await Promise.all([c.full, c.base]);
    out.push({ bundle: c.bundle, gzip: full.gzip, drivers: c.drivers, driversGzip: base.gzip, adds: full.gzip - base.gzip, lazyGzip: full.lazyGzip, own: full.own });
  }
  return out;
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

async function main() {
  const { values } = parseArgs({ options: { json: { type: 'string' } } });
  const measured = await rows();
  const width = Math.max(...measured.map((r) => r.bundle.length));
  console.log(`${'bundle'.padEnd(width)}  gzip      ${'drivers alone'.padEnd(30)}  warmpool adds   target ≤ ${TARGET_KB} KB`);
  for (const r of measured) {
    const lazy = r.lazyGzip > 0 ? `  (+ ${kb(r.lazyGzip)} loaded only for http/websocket)` : '';
    console.log(`${r.bundle.padEnd(width)}  ${kb(r.gzip).padEnd(8)}  ${`${r.drivers} ${kb(r.driversGzip)}`.padEnd(30)}  ${kb(r.adds).padEnd(14)}  ${r.adds <= TARGET_KB * 1024 ? 'met' : 'NOT met'}${lazy}`);
  }
  const worker0 = measured[0];
  const ownTotal = worker0.own.reduce((sum, [, bytes]) => sum + bytes, 0);
  console.log(`\nwarmpool's code in the Worker bundle: ${kb(ownTotal)} minified; largest: ${worker0.own.slice(0, 8).map(([f, b]) => `${f.replace(/^src\//, '')} ${kb(b)}`).join(', ')}`);
  const dry = await wranglerDryRun();
  const worker = dry.ok ? await readFile(path.join(dry.outdir, 'index.js'), 'utf8') : '';
  await rm(dry.outdir, { recursive: true, force: true });
  const clean = dry.ok && !worker.includes('node_modules/postgres') && !/["']node:net["']/.test(worker);
  console.log(`\nwrangler deploy --dry-run (wrangler.toml, main ${dry.ok ? 'bundled' : 'FAILED'}): ${dry.ok ? dry.upload : dry.output.trim().split('\n').slice(-5).join('\n')}${dry.ok ? (clean ? '; no postgres.js, no node:net' : '; CONTAINS postgres.js or node:net') : ''}`);
  console.log('Not validated offline: the deploy itself, the Hyperdrive binding (needs an account), routes and secrets.');
  if (values.json) await writeFile(values.json, JSON.stringify({ bundles: measured, wrangler: { ok: dry.ok, upload: dry.upload } }, null, 2));
  if (!dry.ok) process.exitCode = 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) await main();
