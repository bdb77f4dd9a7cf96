// Machine instructions per warm invocation running `select 1`, counted by valgrind's cachegrind,
// for warmpool and the baselines of bench/warm-invocation.ts, with postgres.js 4.2 and a thin
// connection on pg-protocol (bench/support/pg-protocol-reference.ts: the floor, what the wire
// alone costs). On shared cores CPU time varies by 10–40 µs between runs of the same process; an
// instruction count repeats within a few percent (the garbage collector's share varies most), so
// a change of a few thousand instructions per invocation can be seen. It does not see what
// instructions cost (cache misses, the kernel's share: the system calls are the same for all).
//
// Each strategy runs from the same bundle as the warm bench (esbuild, one CommonJS file), twice:
// FIRST and LAST invocations; the difference divided by LAST − FIRST is the cost of one warm
// invocation, the process's start, module scope and first connect cancelling out. The
// optimizing compiler's work (V8's background threads; under valgrind they run long after they
// would have finished at full speed) is shown apart and left out of the ratios.
//
// Then a young container: the sample TCP handler on warmpool and the same handler on raw
// postgres.js 3.4 and 4.2, pg.Pool and the pg-protocol reference (bundled as
// bench/cold-process.ts bundles them, CommonJS), loaded by a fresh process that stops after the
// import, after the first invocation, or after 10 and 110 invocations (their difference: each of
// invocations 11–110, young code); a bare `node` start is subtracted. V8's parser (preparsing the
// whole bundle at load, then each function again at its first call) is shown apart: it grows with
// the bundle's size. "cold start" is the sum of the two: the handlers build their driver at import
// (about 10 M instructions for postgres.js 3.4: compiling its code, and the garbage collection that
// work brings on).
//
// A warmpool row's count varies by a few thousand from run to run (its garbage collector's share
// is bimodal), where the rows without withPool's deadline repeat within a few hundred: compare
// changes over several runs.
//
//   npm run bench:instructions [-- --first 5000 --last 15000 --young-only | --layers] [--only 'name;name']
//
// `--layers`: the warm count only, of warmpool with its layers taken off one at a time (withPool
// without a deadline; no withPool; the pool's acquire, run and release without the query API; the
// connection's run alone) beside postgres.js driven as warmpool drives it: where warmpool's
// instructions go.
//
// Needs valgrind (Debian: apt-get install valgrind). DATABASE_URL is used when set; otherwise a
// throwaway embedded PostgreSQL is started and stopped.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { build } from 'esbuild';
import { createSchema } from '../packages/cli/src/loadtest/server.js';
import { type EmbeddedServer, startEmbeddedPostgres } from '../packages/cli/src/local-db/embedded-postgres.js';
import { table } from './support/stats.js';
import { LAYERS } from './support/strategies.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));
const YOUNG = [
  { name: 'warmpool tcp', entry: 'packages/cli/src/loadtest/strategies/warmpool-tcp.ts' },
  { name: 'postgres.js', entry: 'packages/cli/src/loadtest/strategies/postgres-js.ts' },
  { name: 'postgres.js 4.2', entry: 'bench/support/young/postgres-4.ts' },
  { name: 'pg.Pool', entry: 'packages/cli/src/loadtest/strategies/pg-pool.ts' },
  { name: 'pg-protocol ref', entry: 'bench/support/young/pg-protocol-reference.ts' },
] as const;
/** "postgres.js" is 3.4, the version warmpool runs on; "pg-protocol ref" is bench/support/pg-protocol-reference.ts. */
const STRATEGIES = ['warmpool', 'postgres.js', 'postgres.js 4.2', 'pg.Pool', 'pg-protocol ref'] as const;
const BASELINES = ['postgres.js', 'pg.Pool'] as const;
const REFERENCE = 'pg-protocol ref';
/** `--layers`: warmpool with its layers taken off one at a time (bench/support/strategies.ts LAYERS), warm only. */
const LAYERED = ['warmpool', ...LAYERS.map((s) => s.name), 'postgres.js', REFERENCE];
/**
 * The young window: invocations YOUNG_FROM + 1 to YOUNG_TO, where most of the code runs in V8's
 * interpreter and baseline compiler, each property read an inline-cache call (a container's
 * first hundreds of invocations; the warm count above is of optimized code).
 */
const YOUNG_FROM = 10;
const YOUNG_TO = 110;

const { values: args } = parseArgs({
  options: { first: { type: 'string', default: '5000' }, last: { type: 'string', default: '15000' }, 'young-only': { type: 'boolean', default: false }, layers: { type: 'boolean', default: false }, only: { type: 'string' } },
});
const FIRST = Number(args.first);
const LAST = Number(args.last);
if (!Number.isInteger(FIRST) || !Number.isInteger(LAST) || FIRST < 1 || LAST <= FIRST) throw new Error('--first and --last must be whole numbers, first < last');

/** Instructions of a cachegrind output file: the optimizing compiler's, and the rest, with the garbage collector's and the parser's shares of it. */
interface Count {
  compiler: number;
  rest: number;
  gc: number;
  parser: number;
}

/** V8's optimizing compilers (TurboFan, Maglev) and the containers their passes use. */
const isCompiler = (fn: string) => /compiler::|maglev::|v8::internal::Zone|std::_Rb_tree/.test(fn);
/** V8's parser and preparser, with the decoding of the source they read. */
const isParser = (fn: string) => /Parser|Scanner|Utf8Decoder|Utf16CharacterStream|AstValueFactory|AstRawString|AstNodeFactory|(?<!Handle)Scope::|ExpressionScope|PerfectKeywordHash|VariableMap|FuncNameInferrer/.test(fn);
/**
 * A primality test in node's start-up whose count changes from process to process by millions
 * (4.7–11 million instructions seen), whatever the process runs: left out as noise.
 */
const isNoise = (fn: string) => fn.includes('detail::sprp(');
/** V8's garbage collector: the scavenger, marking, sweeping, evacuation. */
const isGc = (fn: string) => /Scavenge|heap::base|MarkCompact|Marking|Sweep|Evacuat|v8::internal::Heap::/.test(fn);

async function countOf(file: string): Promise<Count> {
  const count: Count = { compiler: 0, rest: 0, gc: 0, parser: 0 };
  let compiler = false;
  let gc = false;
  let parser = false;
  let noise = false;
  for (const line of (await readFile(file, 'utf8')).split('\n')) {
    if (line.startsWith('fn=')) {
      noise = isNoise(line);
      compiler = isCompiler(line);
      gc = !compiler && isGc(line);
      parser = !compiler && isParser(line);
    } else if (!noise && line.charCodeAt(0) >= 48 && line.charCodeAt(0) <= 57) {
      const ir = Number(line.split(' ')[1]);
      if (compiler) count.compiler += ir;
      else count.rest += ir;
      if (gc) count.gc += ir;
      if (parser) count.parser += ir;
    }
  }
  return count;
}

async function hasValgrind(): Promise<boolean> {
  try {
    await run('valgrind', ['--version']);
    return true;
  } catch {
    return false;
  }
}

/** Runs `node <args>` under cachegrind; `tag` names its output file in `dir`. */
async function counted(dir: string, tag: string, args: string[], env?: NodeJS.ProcessEnv): Promise<Count> {
  const out = path.join(dir, `${tag.replace(/\W+/g, '-')}.cg`);
  await run('valgrind', ['--tool=cachegrind', '--cache-sim=no', `--cachegrind-out-file=${out}`, process.execPath, ...args], {
    env, maxBuffer: 16 * 1024 * 1024, timeout: 30 * 60_000,
  });
  return countOf(out);
}

const minus = (a: Count, b: Count): Count => ({ compiler: a.compiler - b.compiler, rest: a.rest - b.rest, gc: a.gc - b.gc, parser: a.parser - b.parser });
const divide = (a: Count, n: number): Count => ({ compiler: a.compiler / n, rest: a.rest / n, gc: a.gc / n, parser: a.parser / n });
const fmt = (x: number) => Math.round(x).toLocaleString('en-US');

async function warm(dir: string, url: string): Promise<void> {
  const bundle = path.join(dir, 'instruction-container.cjs');
  const entry = fileURLToPath(new URL('./support/instruction-container.ts', import.meta.url));
  await build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'cjs', target: 'node20', external: ['pg-native'], outfile: bundle, logLevel: 'warning' });
  const perInvocation = new Map<string, Count>();
  const all: readonly string[] = args.layers ? LAYERED : STRATEGIES;
  // `--only 'a;b'` (names hold commas): those rows and the baselines the ratios need.
  const only = args.only?.split(';').map((name) => name.trim());
  const strategies = only ? all.filter((name) => only.includes(name) || name === 'postgres.js' || name === REFERENCE) : all;
  for (const strategy of strategies) {
    process.stderr.write(`${strategy}: ${FIRST} and ${LAST} invocations under cachegrind…\n`);
    // The two runs at once: 2 cores are the smallest machine this runs on.
    const [first, last] = await Promise.all([FIRST, LAST].map((n) => counted(dir, `${strategy}.${n}`, [bundle, strategy, url, String(n)])));
    perInvocation.set(strategy, divide(minus(last, first), LAST - FIRST));
  }
  const rest = (name: string) => perInvocation.get(name)!.rest;
  const baselines = BASELINES.filter((name) => perInvocation.has(name));
  const faster = Math.min(...baselines.map(rest));
  const versus = [...baselines, ...(baselines.length > 1 ? ['faster'] : []), REFERENCE];
  const against = (name: string) => (name === 'faster' ? faster : rest(name));
  console.log(`\ninstructions per warm invocation (select 1), invocations ${FIRST + 1}–${LAST}, node ${process.version}; valgrind cachegrind`);
  console.log('"compiler" = V8\'s optimizing compiler threads, left out of the ratios; "of which GC" = the garbage collector\'s part of the instructions\n');
  console.log(table(
    ['strategy', 'instructions', 'of which GC', 'compiler', ...versus.map((name) => `vs ${name}`)],
    strategies.map((name) => [
      name, fmt(rest(name)), fmt(perInvocation.get(name)!.gc), fmt(perInvocation.get(name)!.compiler),
      ...versus.map((base) => `${(rest(name) / against(base)).toFixed(3)}×`),
    ]),
  ));
  if (!perInvocation.has('warmpool')) return;
  const extra = rest('warmpool') - faster;
  console.log(`\nwarmpool: ${extra >= 0 ? '+' : ''}${fmt(extra)} instructions per invocation over the faster baseline`);
  console.log(`warmpool: +${fmt(rest('warmpool') - rest(REFERENCE))} over the pg-protocol reference, postgres.js: +${fmt(rest('postgres.js') - rest(REFERENCE))}`);
}

async function young(dir: string, url: string): Promise<void> {
  await createSchema(url);
  const slug = (name: string) => name.replace(/\W+/g, '-');
  await build({
    entryPoints: Object.fromEntries(YOUNG.map((h) => [slug(h.name), path.join(root, h.entry)])),
    bundle: true, platform: 'node', format: 'cjs', target: 'node20', external: ['pg-native'], outdir: dir, outExtension: { '.js': '.cjs' }, logLevel: 'warning',
  });
  const container = fileURLToPath(new URL('./support/young-container.cjs', import.meta.url));
  const empty = path.join(dir, 'empty.cjs');
  await writeFile(empty, 'process.exit(0);\n');
  const env = { PATH: process.env.PATH, DATABASE_URL: url };
  process.stderr.write('a young container: import and first invocation under cachegrind…\n');
  const bare = await counted(dir, 'bare-node', [empty], env);
  const stages = new Map<string, { import: Count; first: Count; later: Count }>();
  for (const h of YOUNG) {
    const bundle = path.join(dir, `${slug(h.name)}.cjs`);
    const stops = ['import', 'first', String(YOUNG_FROM), String(YOUNG_TO)];
    const [imported, first, from, to] = await Promise.all(stops.map((stage) => counted(dir, `${h.name}.${stage}`, [container, bundle, stage], env)));
    stages.set(h.name, { import: minus(imported, bare), first: minus(first, imported), later: divide(minus(to, from), YOUNG_TO - YOUNG_FROM) });
  }
  const [ours, base] = YOUNG.map((h) => stages.get(h.name)!);
  // Each row against raw postgres.js 3.4, the driver warmpool runs on.
  const ratio = (name: string, value: (s: { import: Count; first: Count; later: Count }) => number) =>
    name === YOUNG[1].name ? '' : ` (${(value(stages.get(name)!) / value(base)).toFixed(2)}×)`;
  const cell = (name: string, value: (s: { import: Count; first: Count; later: Count }) => number) => `${fmt(value(stages.get(name)!))}${ratio(name, value)}`;
  console.log(`\na young container (CommonJS bundle, not minified): instructions, a bare node start subtracted, each row's ratio to raw postgres.js (3.4); "parser" = V8's parser and preparser, with the decoding of the source; "cold start" = import + first invocation\n`);
  console.log(table(
    ['handler', 'import', 'parser', 'first invocation', 'parser', 'cold start', `invocations ${YOUNG_FROM + 1}–${YOUNG_TO}, each`],
    YOUNG.map((h) => [
      h.name,
      cell(h.name, (s) => s.import.rest), fmt(stages.get(h.name)!.import.parser),
      cell(h.name, (s) => s.first.rest), fmt(stages.get(h.name)!.first.parser),
      cell(h.name, (s) => s.import.rest + s.first.rest),
      cell(h.name, (s) => s.later.rest),
    ]),
  ));
  const more = (stage: 'import' | 'first') => `${fmt(ours[stage].rest - base[stage].rest)} more at ${stage === 'import' ? 'import' : 'the first invocation'}, ${fmt(ours[stage].parser - base[stage].parser)} of them parsing`;
  console.log(`\nwarmpool tcp: ${more('import')}; ${more('first')}`);
  const cold = (name: string) => stages.get(name)!.import.rest + stages.get(name)!.first.rest;
  console.log(`cold start over the pg-protocol reference: warmpool tcp +${fmt(cold(YOUNG[0].name) - cold(REFERENCE))}, postgres.js +${fmt(cold(YOUNG[1].name) - cold(REFERENCE))}`);
}

async function main() {
  if (!(await hasValgrind())) {
    console.error('bench/instructions.ts needs valgrind: apt-get install valgrind (Debian), then run it again.');
    process.exit(2);
  }
  let server: EmbeddedServer | undefined;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'warmpool-instructions-'));
  try {
    const url = process.env.DATABASE_URL || (server = await startEmbeddedPostgres({ quiet: true })).url;
    if (!args['young-only']) await warm(dir, url);
    if (!args.layers) await young(dir, url);
  } finally {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
