import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, transform, type BuildOptions, type Metafile } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wranglerDryRun } from '../bench/size.js';

// Edge bundles never contain postgres.js or node:net: package.json's `workerd` and `edge-light`
// conditions resolve `warmpool` to the edge build, whose transport table has no TCP. Checked by
// resolving the package as a bundler does: the sources are compiled into a scratch copy of the
// package (dist/, package.json) and esbuild bundles imports of it for each condition.

const root = fileURLToPath(new URL('..', import.meta.url));
const scratch = mkdtempSync(path.join(os.tmpdir(), 'warmpool-bundles-'));
const pkg = path.join(scratch, 'node_modules', 'warmpool');

const EDGE: BuildOptions = { platform: 'neutral', conditions: ['workerd', 'worker', 'browser'], mainFields: ['module', 'main'], external: ['cloudflare:*', 'node:*'] };
const VERCEL: BuildOptions = { platform: 'neutral', conditions: ['edge-light'], mainFields: ['module', 'main'], external: ['node:*'] };
const NODE: BuildOptions = { platform: 'node', target: 'node20' };

interface Bundle {
  inputs: string[];
  /** Modules the output imports at run time (node:*, cloudflare:*, builtins). */
  imports: string[];
}

async function bundle(contents: string, options: BuildOptions, resolveDir = scratch): Promise<Bundle> {
  const result = await build({ stdin: { contents, resolveDir, loader: 'ts' }, bundle: true, format: 'esm', write: false, metafile: true, logLevel: 'silent', ...options });
  const meta = result.metafile as Metafile;
  const imports = Object.values(meta.outputs).flatMap((o) => o.imports.filter((i) => i.external).map((i) => i.path));
  return { inputs: Object.keys(meta.inputs), imports: [...new Set(imports)] };
}

const has = (b: Bundle, fragment: string) => b.inputs.some((f) => f.includes(fragment));
const SOCKETS = ['net', 'node:net', 'tls', 'node:tls'];

beforeAll(async () => {
  // dist/ as `npm run build` makes it (tsc), compiled here with esbuild: resolution only needs the JavaScript.
  const walk = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? (e.name === 'testing' ? [] : walk(path.join(dir, e.name))) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
  for (const file of walk(path.join(root, 'src'))) {
    const out = path.join(pkg, 'dist', path.relative(path.join(root, 'src'), file)).replace(/\.ts$/, '.js');
    mkdirSync(path.dirname(out), { recursive: true });
    writeFileSync(out, (await transform(readFileSync(file, 'utf8'), { loader: 'ts', format: 'esm' })).code);
  }
  writeFileSync(path.join(pkg, 'package.json'), readFileSync(path.join(root, 'package.json')));
  for (const dep of ['postgres', '@neondatabase/serverless', 'ws']) {
    mkdirSync(path.dirname(path.join(scratch, 'node_modules', dep)), { recursive: true });
    symlinkSync(path.join(root, 'node_modules', dep), path.join(scratch, 'node_modules', dep));
  }
});

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('package.json export conditions', () => {
  it('workerd: warmpool resolves to the edge build, without postgres.js or node:net', async () => {
    const b = await bundle(`export { createPool } from 'warmpool';`, EDGE);
    expect(has(b, 'warmpool/dist/index.edge.js')).toBe(true);
    expect(has(b, '@neondatabase/serverless')).toBe(true);
    expect(has(b, 'node_modules/postgres/')).toBe(false);
    expect(has(b, 'tcp-socket')).toBe(false);
    expect(b.imports.filter((i) => SOCKETS.includes(i))).toEqual([]);
  });

  it('edge-light (Vercel Edge): the same edge build', async () => {
    const b = await bundle(`export { createPool } from 'warmpool';`, VERCEL);
    expect(has(b, 'warmpool/dist/index.edge.js')).toBe(true);
    expect(has(b, 'node_modules/postgres/')).toBe(false);
    expect(b.imports.filter((i) => SOCKETS.includes(i))).toEqual([]);
  });

  it('node: the Node build, with postgres.js over node:net', async () => {
    const b = await bundle(`export { createPool } from 'warmpool';`, NODE);
    expect(has(b, 'warmpool/dist/index.js')).toBe(true);
    expect(has(b, 'node_modules/postgres/src/')).toBe(true);
    expect(b.imports).toEqual(expect.arrayContaining(['node:net', 'node:tls']));
  });

  it('warmpool/worker has no TCP; warmpool/worker/tcp uses postgres.js\'s Workers build (cloudflare:sockets), still without node:net', async () => {
    const worker = await bundle(`export { withPool } from 'warmpool/worker';`, EDGE);
    expect(has(worker, 'node_modules/postgres/')).toBe(false);
    const tcp = await bundle(`export { withPool } from 'warmpool/worker/tcp';`, EDGE);
    expect(has(tcp, 'node_modules/postgres/cf/src/')).toBe(true);
    expect(has(tcp, 'node_modules/postgres/src/')).toBe(false);
    expect(tcp.imports).toContain('cloudflare:sockets');
    expect(tcp.imports.filter((i) => SOCKETS.includes(i))).toEqual([]);
  });
});

describe('the samples', () => {
  it('the Worker bundles for workerd without postgres.js or node:net', async () => {
    const b = await bundle(`export { default } from './functions/worker/index.ts';`, EDGE, root);
    expect(has(b, 'node_modules/postgres/')).toBe(false);
    expect(has(b, 'src/transports/tcp')).toBe(false);
    expect(b.imports.filter((i) => SOCKETS.includes(i))).toEqual([]);
  });

  it('a Lambda handler loads the Neon driver only when the http or websocket transport is used', async () => {
    const result = await build({
      stdin: { contents: `export { handler } from './functions/get-item.ts';`, resolveDir: root, loader: 'ts' },
      bundle: true, format: 'esm', splitting: true, outdir: path.join(scratch, 'split'), write: false, metafile: true, logLevel: 'silent', ...NODE,
    });
    const outputs = Object.entries(result.metafile!.outputs);
    const [entryName, entry] = outputs.find(([, o]) => o.entryPoint)!;
    const loadedAtStart = new Set([entryName, ...entry.imports.filter((i) => i.kind === 'import-statement').map((i) => i.path)]);
    const startInputs = outputs.filter(([name]) => loadedAtStart.has(name)).flatMap(([, o]) => Object.keys(o.inputs));
    expect(startInputs.some((f) => f.includes('node_modules/postgres/'))).toBe(true);
    expect(startInputs.some((f) => f.includes('@neondatabase/serverless') || f.includes('node_modules/ws/'))).toBe(false);
    expect(outputs.some(([, o]) => Object.keys(o.inputs).some((f) => f.includes('@neondatabase/serverless')))).toBe(true);
  });

  it('wrangler.toml passes `wrangler deploy --dry-run` offline', async () => {
    const dry = await wranglerDryRun();
    try {
      expect(dry.ok, dry.output).toBe(true);
      const worker = readFileSync(path.join(dry.outdir, 'index.js'), 'utf8');
      expect(worker).not.toContain('node_modules/postgres/');
      expect(worker).toContain('@neondatabase/serverless');
    } finally {
      rmSync(dry.outdir, { recursive: true, force: true });
    }
  }, 60_000);
});
