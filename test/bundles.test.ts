import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build, transform, type BuildOptions, type Metafile } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wranglerDryRun } from '../bench/size.js';

// What each build of warmpool brings into a bundle, resolved as a bundler resolves the package:
// the sources are compiled into a scratch copy of the package (dist/, package.json) and esbuild
// bundles imports of it. Edge bundles (`workerd`, `edge-light`) never contain postgres.js or
// node:net; Node bundles of `warmpool` and `warmpool/lambda` never contain the Neon driver or
// `ws`, which come only with `warmpool/http`.

const root = fileURLToPath(new URL('..', import.meta.url));
const scratch = mkdtempSync(path.join(os.tmpdir(), 'warmpool-bundles-'));
const pkg = path.join(scratch, 'node_modules', 'warmpool');
const run = promisify(execFile);

const EDGE: BuildOptions = { platform: 'neutral', conditions: ['workerd', 'worker', 'browser'], mainFields: ['module', 'main'], external: ['cloudflare:*', 'node:*'] };
const VERCEL: BuildOptions = { platform: 'neutral', conditions: ['edge-light'], mainFields: ['module', 'main'], external: ['node:*'] };
const NODE: BuildOptions = { platform: 'node', target: 'node20' };
/** CDK NodejsFunction's ESM recipe (and serverless.yml's): CommonJS dependencies still find `require`. */
const CREATE_REQUIRE = "import { createRequire } from 'module'; const require = createRequire(import.meta.url);";

/**
 * How Lambda tools bundle by default: esbuild, platform node, one file, no splitting.
 * serverless-esbuild and CDK NodejsFunction: CommonJS, not minified; SAM (BuildMethod esbuild):
 * CommonJS, minified; CDK with OutputFormat.ESM: the createRequire banner, which a TCP bundle
 * does not need (postgres.js is ESM) and `warmpool/http` does (`ws` is CommonJS).
 */
const LAMBDA_BUILDS: [string, BuildOptions][] = [
  ['CJS', { format: 'cjs' }],
  ['CJS minified', { format: 'cjs', minify: true }],
  ['ESM', { format: 'esm' }],
  ['ESM minified + createRequire banner', { format: 'esm', minify: true, banner: { js: CREATE_REQUIRE } }],
];
const SAMPLES = ['get-item', 'create-order', 'health', 'migrate'];

interface Bundle {
  inputs: string[];
  /** Modules the output imports at run time (node:*, cloudflare:*, builtins). */
  imports: string[];
  code: string;
}

async function bundle(contents: string, options: BuildOptions, resolveDir = scratch): Promise<Bundle> {
  const result = await build({ stdin: { contents, resolveDir, loader: 'ts' }, bundle: true, format: 'esm', write: false, metafile: true, logLevel: 'silent', ...options });
  const meta = result.metafile as Metafile;
  const imports = Object.values(meta.outputs).flatMap((o) => o.imports.filter((i) => i.external).map((i) => i.path));
  return { inputs: Object.keys(meta.inputs), imports: [...new Set(imports)], code: result.outputFiles!.map((f) => f.text).join('\n') };
}

const has = (b: Bundle, fragment: string) => b.inputs.some((f) => f.includes(fragment));
/**
 * Lines with a character outside ASCII. V8 holds a script with even one of them as two-byte text,
 * which it scans more slowly: about 2.5 M instructions more at a young Lambda's import. esbuild
 * escapes them in strings, not in the comments it keeps.
 */
const nonAscii = (b: Bundle) => b.code.split('\n').filter((line) => /[^\x00-\x7f]/.test(line));
const SOCKETS = ['net', 'node:net', 'tls', 'node:tls'];
const NEON = 'node_modules/@neondatabase/serverless/';
const WS = 'node_modules/ws/';

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

  it('node: warmpool is the TCP build, with postgres.js over node:net and without the Neon driver or ws', async () => {
    const b = await bundle(`export { createPool } from 'warmpool'; export { withPool } from 'warmpool/lambda';`, NODE);
    expect(has(b, 'warmpool/dist/index.js')).toBe(true);
    expect(has(b, 'node_modules/postgres/src/')).toBe(true);
    expect(b.imports).toEqual(expect.arrayContaining(['node:net', 'node:tls']));
    expect([has(b, NEON), has(b, WS)]).toEqual([false, false]);
  });

  it('node: warmpool/http adds the Neon driver and ws to the same API', async () => {
    const b = await bundle(`export { createPool, WarmpoolError } from 'warmpool/http';`, NODE);
    expect(has(b, 'warmpool/dist/index.http.js')).toBe(true);
    expect([has(b, 'node_modules/postgres/src/'), has(b, NEON), has(b, WS)]).toEqual([true, true, true]);
  });

  it('workerd: warmpool/http is the edge build too, so shared code bundles for Workers', async () => {
    const b = await bundle(`export { createPool } from 'warmpool/http';`, EDGE);
    expect(has(b, 'warmpool/dist/index.edge.js')).toBe(true);
    expect(has(b, 'node_modules/postgres/')).toBe(false);
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

/** The samples import 'warmpool' by name: in this checkout, the package's sources. */
const SOURCE = (options: BuildOptions): BuildOptions => ({ ...options, conditions: [...(options.conditions ?? ['module']), 'warmpool-source'] });

describe('the samples', () => {
  it('the Worker bundles for workerd without postgres.js or node:net', async () => {
    const b = await bundle(`export { default } from './functions/worker/index.ts';`, SOURCE(EDGE), root);
    expect(has(b, 'node_modules/postgres/')).toBe(false);
    expect(has(b, 'src/transports/tcp')).toBe(false);
    expect(b.imports.filter((i) => SOCKETS.includes(i))).toEqual([]);
    expect(nonAscii(b)).toEqual([]);
  });

  for (const [build, options] of LAMBDA_BUILDS) {
    it(`the TCP Lambda handlers, ${build}, one file: postgres.js without the Neon driver or ws`, async () => {
      for (const sample of SAMPLES) {
        const b = await bundle(`export { handler } from './functions/${sample}.ts';`, SOURCE({ ...NODE, ...options }), root);
        expect(has(b, 'node_modules/postgres/src/'), sample).toBe(true);
        expect(b.inputs.filter((f) => f.includes(NEON) || f.includes(WS)), sample).toEqual([]);
        expect(b.imports.filter((i) => i.includes('@neondatabase') || i === 'ws'), sample).toEqual([]);
        expect(nonAscii(b), sample).toEqual([]);
      }
    });
  }

  it('a handler on warmpool/http carries the Neon driver and ws, ESM and CJS', async () => {
    for (const [build, options] of [LAMBDA_BUILDS[0], LAMBDA_BUILDS[2]]) {
      const b = await bundle(`export { handler } from './packages/cli/src/loadtest/strategies/warmpool-http.ts';`, SOURCE({ ...NODE, ...options }), root);
      expect([has(b, NEON), has(b, WS)], build).toEqual([true, true]);
    }
  });

  it('warmpool/http split into chunks: the Neon driver and ws load only when a pool uses them', async () => {
    const result = await build({
      stdin: { contents: `export { createPool } from 'warmpool/http';`, resolveDir: scratch, loader: 'ts' },
      bundle: true, format: 'esm', splitting: true, outdir: path.join(scratch, 'split'), write: false, metafile: true, logLevel: 'silent', ...NODE,
    });
    const outputs = Object.entries(result.metafile!.outputs);
    const [entryName, entry] = outputs.find(([, o]) => o.entryPoint)!;
    const loadedAtStart = new Set([entryName, ...entry.imports.filter((i) => i.kind === 'import-statement').map((i) => i.path)]);
    const startInputs = outputs.filter(([name]) => loadedAtStart.has(name)).flatMap(([, o]) => Object.keys(o.inputs));
    expect(startInputs.some((f) => f.includes('node_modules/postgres/'))).toBe(true);
    expect(startInputs.some((f) => f.includes(NEON) || f.includes(WS))).toBe(false);
    expect(outputs.some(([, o]) => Object.keys(o.inputs).some((f) => f.includes(NEON)))).toBe(true);
  });

  it('a bundled handler asking plain warmpool for HTTP gets TRANSPORT_UNAVAILABLE naming warmpool/http', async () => {
    const handler = `
      import { createPool } from 'warmpool';
      try {
        createPool({ connectionString: 'postgres://app:s3cret@db.example.com/shop', transport: 'http', httpEndpoint: 'https://gw.example.com/sql' });
        console.log('{}');
      } catch (err) {
        console.log(JSON.stringify({ name: err.name, code: err.code, message: err.message }));
      }`;
    for (const [build, options] of [LAMBDA_BUILDS[1], LAMBDA_BUILDS[2]]) {
      const b = await bundle(handler, { ...NODE, ...options });
      const file = path.join(scratch, `refuses-http.${options.format === 'esm' ? 'mjs' : 'cjs'}`);
      writeFileSync(file, b.code);
      // Run by plain Node away from the scratch node_modules: the bundle needs nothing else.
      const { stdout } = await run(process.execPath, [file], { cwd: os.tmpdir() });
      const error = JSON.parse(stdout) as { name?: string; code?: string; message?: string };
      expect(error, build).toMatchObject({ name: 'WarmpoolError', code: 'TRANSPORT_UNAVAILABLE', message: expect.stringContaining("import { createPool } from 'warmpool/http'") });
      expect(error.message).not.toContain('s3cret');
    }
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
