// Runs the library's core tests (pool, transports, Lambda, deadlines, faults, session reset, TLS)
// under Node 22 and 24, the Node versions of Lambda's nodejs22.x and nodejs24.x, besides the Node
// that runs the whole suite. Each Node is the official build the npm registry carries as
// `node-<platform>-<arch>`, kept under the OS temp directory so later runs reuse it.
//
//   node test/support/node-versions.mjs            # Node 22 and 24
//   node test/support/node-versions.mjs 24         # one of them
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The exact builds, so every run tests the same Node. */
const VERSIONS = { 22: '22.23.5', 24: '24.22.3' };

/** The core library tests: each a few seconds; the ORM suites, tools, bundles and soak stay on the main run. */
const FILES = [
  'acquire-queue', 'concurrent-statements', 'connection-cap', 'deadline', 'faults-connect', 'faults-server',
  'freeze-thaw', 'http-transport', 'idle-validation', 'options', 'queries', 'release-rule', 'reserve',
  'results', 'retry-rules', 'session-reset', 'thaw-turn', 'tls', 'tls-defaults', 'transactions',
  'transport-parity', 'warm-reuse', 'websocket-constructor', 'websocket-transport',
].map((name) => `test/${name}.test.ts`);

const root = fileURLToPath(new URL('../..', import.meta.url));
const cache = path.join(os.tmpdir(), 'warmpool-node');

/** The path of the `node` binary of `version`, fetched from the registry on first use. */
function nodeBinary(version) {
  const dir = path.join(cache, `${process.platform}-${process.arch}-${version}`);
  const binary = path.join(dir, 'bin', 'node');
  if (existsSync(binary)) return binary;
  mkdirSync(cache, { recursive: true });
  const work = mkdtempSync(path.join(cache, 'fetch-'));
  try {
    const name = `node-${process.platform}-${process.arch}@${version}`;
    // npm checks the tarball against the registry's integrity hash.
    const tarball = execFileSync('npm', ['pack', name, '--pack-destination', work, '--silent'], { cwd: work, encoding: 'utf8' }).trim().split('\n').pop();
    execFileSync('tar', ['xzf', path.join(work, tarball), '-C', work]);
    rmSync(dir, { recursive: true, force: true });
    renameSync(path.join(work, 'package'), dir);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return binary;
}

const majors = process.argv.length > 2 ? process.argv.slice(2) : Object.keys(VERSIONS);
for (const major of majors) {
  if (!VERSIONS[major]) throw new Error(`No Node ${major} here; known: ${Object.keys(VERSIONS).join(', ')}.`);
}
// The versions run at once: most of a run is waiting (timers, restarts), not CPU. Each run's
// output is kept and printed whole when it ends, so the two never interleave.
const results = await Promise.all(majors.map((major) => runOn(VERSIONS[major])));
process.exit(results.every(Boolean) ? 0 : 1);

/** Runs the core files on Node `version`; resolves whether they passed. */
function runOn(version) {
  const node = nodeBinary(version);
  const started = Date.now();
  const output = [];
  const run = spawn(node, [path.join(root, 'node_modules/vitest/vitest.mjs'), 'run', '--config', 'test/vitest.config.ts', ...FILES], {
    cwd: root,
    // The forks vitest starts run this Node too: it puts its own directory first on PATH.
    env: { ...process.env, PATH: `${path.dirname(node)}${path.delimiter}${process.env.PATH}` },
  });
  run.stdout.on('data', (chunk) => output.push(chunk));
  run.stderr.on('data', (chunk) => output.push(chunk));
  return new Promise((resolve) => {
    run.on('close', (status) => {
      process.stdout.write(`\n== Node ${version}: ${FILES.length} core test files ==\n`);
      process.stdout.write(Buffer.concat(output));
      console.log(`== Node ${version}: ${status === 0 ? 'passed' : 'FAILED'} in ${Math.round((Date.now() - started) / 1000)} s ==`);
      resolve(status === 0);
    });
  });
}
