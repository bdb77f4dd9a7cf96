// Machine instructions per warm invocation running `select 1`, counted by valgrind's cachegrind,
// for warmpool and the baselines of bench/warm-invocation.ts. On shared cores CPU time varies by
// 10–40 µs between runs of the same process; an instruction count repeats within a few percent
// (the garbage collector's share varies most), so a change of a few thousand instructions per
// invocation can be seen. It does not see what instructions cost (cache misses, the kernel's
// share: the system calls are the same for all).
//
// Each strategy runs from the same bundle as the warm bench (esbuild, one CommonJS file), twice:
// FIRST and LAST invocations; the difference divided by LAST − FIRST is the cost of one warm
// invocation, the process's start, module scope and first connect cancelling out. The
// optimizing compiler's work (V8's background threads; under valgrind they run long after they
// would have finished at full speed) is shown apart and left out of the ratios.
//
//   npm run bench:instructions [-- --first 5000 --last 15000]
//
// Needs valgrind (Debian: apt-get install valgrind). DATABASE_URL is used when set; otherwise a
// throwaway embedded PostgreSQL is started and stopped.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { build } from 'esbuild';
import { type EmbeddedServer, startEmbeddedPostgres } from '../src/local-db/embedded-postgres.js';
import { table } from './support/stats.js';

const run = promisify(execFile);
const STRATEGIES = ['warmpool', 'postgres.js', 'pg.Pool'] as const;
const BASELINES = ['postgres.js', 'pg.Pool'] as const;

const { values: args } = parseArgs({ options: { first: { type: 'string', default: '5000' }, last: { type: 'string', default: '15000' } } });
const FIRST = Number(args.first);
const LAST = Number(args.last);
if (!Number.isInteger(FIRST) || !Number.isInteger(LAST) || FIRST < 1 || LAST <= FIRST) throw new Error('--first and --last must be whole numbers, first < last');

/** Instructions of a cachegrind output file: the optimizing compiler's, and the rest with the garbage collector's share of it. */
interface Count {
  compiler: number;
  rest: number;
  gc: number;
}

/** V8's optimizing compilers (TurboFan, Maglev) and the containers their passes use. */
const isCompiler = (fn: string) => /compiler::|maglev::|v8::internal::Zone|std::_Rb_tree/.test(fn);
/** V8's garbage collector: the scavenger, marking, sweeping, evacuation. */
const isGc = (fn: string) => /Scavenge|heap::base|MarkCompact|Marking|Sweep|Evacuat|v8::internal::Heap::/.test(fn);

async function countOf(file: string): Promise<Count> {
  const count: Count = { compiler: 0, rest: 0, gc: 0 };
  let compiler = false;
  let gc = false;
  for (const line of (await readFile(file, 'utf8')).split('\n')) {
    if (line.startsWith('fn=')) {
      compiler = isCompiler(line);
      gc = isGc(line);
    } else if (line.charCodeAt(0) >= 48 && line.charCodeAt(0) <= 57) {
      const ir = Number(line.split(' ')[1]);
      if (compiler) count.compiler += ir;
      else count.rest += ir;
      if (gc && !compiler) count.gc += ir;
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

async function counted(bundle: string, dir: string, strategy: string, url: string, invocations: number): Promise<Count> {
  const out = path.join(dir, `${strategy.replace(/\W+/g, '-')}.${invocations}.cg`);
  await run('valgrind', ['--tool=cachegrind', '--cache-sim=no', `--cachegrind-out-file=${out}`, process.execPath, bundle, strategy, url, String(invocations)], {
    maxBuffer: 16 * 1024 * 1024,
    timeout: 30 * 60_000,
  });
  return countOf(out);
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
    const bundle = path.join(dir, 'instruction-container.cjs');
    const entry = fileURLToPath(new URL('./support/instruction-container.ts', import.meta.url));
    await build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'cjs', target: 'node20', external: ['pg-native'], outfile: bundle, logLevel: 'warning' });
    const perInvocation = new Map<string, Count>();
    for (const strategy of STRATEGIES) {
      process.stderr.write(`${strategy}: ${FIRST} and ${LAST} invocations under cachegrind…\n`);
      // The two runs at once: 2 cores are the smallest machine this runs on.
      const [first, last] = await Promise.all([FIRST, LAST].map((n) => counted(bundle, dir, strategy, url, n)));
      const n = LAST - FIRST;
      perInvocation.set(strategy, { compiler: (last.compiler - first.compiler) / n, rest: (last.rest - first.rest) / n, gc: (last.gc - first.gc) / n });
    }
    const rest = (name: string) => perInvocation.get(name)!.rest;
    const faster = Math.min(...BASELINES.map(rest));
    console.log(`\ninstructions per warm invocation (select 1), invocations ${FIRST + 1}–${LAST}, node ${process.version}; valgrind cachegrind`);
    console.log('"compiler" = V8\'s optimizing compiler threads, left out of the ratios; "of which GC" = the garbage collector\'s part of the instructions\n');
    const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
    console.log(table(
      ['strategy', 'instructions', 'of which GC', 'compiler', 'vs postgres.js', 'vs pg.Pool', 'vs faster'],
      STRATEGIES.map((name) => [
        name, fmt(rest(name)), fmt(perInvocation.get(name)!.gc), fmt(perInvocation.get(name)!.compiler),
        `${(rest(name) / rest('postgres.js')).toFixed(3)}×`, `${(rest(name) / rest('pg.Pool')).toFixed(3)}×`, `${(rest(name) / faster).toFixed(3)}×`,
      ]),
    ));
    const extra = rest('warmpool') - faster;
    console.log(`\nwarmpool: ${extra >= 0 ? '+' : ''}${fmt(extra)} instructions per invocation over the faster baseline`);
  } finally {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
