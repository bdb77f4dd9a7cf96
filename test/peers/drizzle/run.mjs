// Runs Drizzle's pg integration tests (tests/) on drizzle-orm/postgres-js and on warmpool/drizzle
// with `prepare` on, prints the counts of both and the tests whose outcome differs, and checks
// the differences against expected-differences.json. Called by test/peers/run.mjs.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const DIR = fileURLToPath(new URL('.', import.meta.url));
const VITEST = fileURLToPath(new URL('../../../node_modules/vitest/vitest.mjs', import.meta.url));

/** Each suite: Drizzle's file for postgres-js, and its warmpool twin (the driver lines changed). */
const SUITES = [
  { name: 'pg', 'postgres-js': 'tests/pg/postgres-js.test.ts', warmpool: 'tests/pg/warmpool.test.ts' },
  { name: 'relational', 'postgres-js': 'tests/relational/pg.postgresjs.test.ts', warmpool: 'tests/relational/pg.warmpool.test.ts' },
];
const DRIVERS = ['postgres-js', 'warmpool'];

const USAGE = `usage: npm run test:peers -- drizzle [--driver warmpool|postgres-js]

Runs Drizzle's pg integration tests on both drivers (or one) against DATABASE_URL, or a
throwaway embedded PostgreSQL when it is unset. The tests drop schema public: DATABASE_URL
must name a scratch database. With one driver, the warmpool run is checked against
expected-differences.json alone: every test must pass but those listed.`;

export async function main(args) {
  let drivers = DRIVERS;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--driver' && DRIVERS.includes(args[i + 1])) drivers = [args[++i]];
    else {
      console.error(USAGE);
      return 2;
    }
  }
  const expected = JSON.parse(readFileSync(join(DIR, 'expected-differences.json'), 'utf8')).differences;
  const files = SUITES.flatMap((s) => drivers.map((d) => s[d]));

  const out = mkdtempSync(join(tmpdir(), 'warmpool-peers-drizzle-'));
  const reportFile = join(out, 'report.json');
  const started = performance.now();
  // The working directory is this folder: the migrator tests read './drizzle2/pg'.
  const code = await run(process.execPath, [VITEST, 'run', '--config', join(DIR, 'vitest.config.ts'), '--reporter=dot', '--reporter=json', `--outputFile.json=${reportFile}`, ...files]);
  const seconds = (performance.now() - started) / 1000;
  let report;
  try {
    report = JSON.parse(readFileSync(reportFile, 'utf8'));
  } catch {
    console.error(`\nvitest exited with ${code} and wrote no report.`);
    return 1;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }

  const byFile = new Map(report.testResults.map((r) => [r.name.slice(DIR.length), r]));
  const results = {};
  let broken = false;
  console.log(`\nDrizzle's pg integration tests (test/peers/drizzle), ${seconds.toFixed(1)} s in all\n`);
  for (const suite of SUITES) {
    results[suite.name] = {};
    for (const driver of drivers) {
      const file = byFile.get(suite[driver]);
      if (!file || (file.assertionResults.length === 0 && file.status === 'failed')) {
        console.log(`  ${suite.name} on ${driver}: the file did not run${file?.message ? `: ${firstLine(file.message)}` : ''}`);
        broken = true;
        continue;
      }
      const tests = byName(file.assertionResults);
      results[suite.name][driver] = tests;
      const count = (status) => [...tests.values()].filter((t) => t.status === status).length;
      const skipped = tests.size - count('passed') - count('failed');
      console.log(`  ${suite.name.padEnd(10)} ${driver.padEnd(11)} ${String(count('passed')).padStart(3)} passed  ${String(count('failed')).padStart(3)} failed  ${String(skipped).padStart(3)} skipped  ${((file.endTime - file.startTime) / 1000).toFixed(1).padStart(6)} s`);
    }
  }
  if (broken) return 1;

  const unexpected = [];
  const seen = new Set();
  const differences = [];
  for (const suite of SUITES) {
    const ours = results[suite.name].warmpool;
    const theirs = results[suite.name]['postgres-js'];
    if (!ours) continue;
    for (const [name, test] of ours) {
      const reference = theirs?.get(name);
      const listed = expected.find((e) => e.suite === suite.name && e.test === name);
      if (listed) seen.add(listed);
      // With both drivers, a test matters when it passes on postgres-js; with warmpool alone, every test that ran.
      const counts = theirs ? reference?.status === 'passed' : test.status !== 'skipped' && test.status !== 'pending' && test.status !== 'todo';
      if (test.status === 'passed' ? listed : counts && !listed) unexpected.push({ suite: suite.name, name, test, listed });
      if (theirs && reference?.status !== test.status) differences.push({ suite: suite.name, name, test, reference, listed });
    }
    if (theirs) for (const name of theirs.keys()) if (!ours.has(name)) differences.push({ suite: suite.name, name, reference: theirs.get(name) });
  }
  if (differences.length > 0) {
    console.log(`\nTests whose outcome differs (postgres-js / warmpool):`);
    for (const d of differences) {
      console.log(`  [${d.suite}] ${d.name}: ${d.reference?.status ?? 'absent'} / ${d.test?.status ?? 'absent'}${d.listed ? ' (expected)' : ''}`);
      const message = d.test?.failureMessages?.[0];
      if (message) console.log(`      ${firstLine(message)}`);
      if (d.listed) console.log(`      why: ${d.listed.reason}`);
    }
  }
  for (const e of expected) if (!seen.has(e) && files.includes(SUITES.find((s) => s.name === e.suite)?.warmpool)) unexpected.push({ suite: e.suite, name: e.test, listed: e, absent: true });
  if (unexpected.length === 0) {
    console.log(`\nAs expected: ${expected.length} listed difference${expected.length === 1 ? '' : 's'} (expected-differences.json).`);
    return 0;
  }
  console.log(`\nNot as expected-differences.json says:`);
  for (const u of unexpected) {
    const what = u.absent ? 'listed, but no such test ran' : u.listed ? 'listed, but passes on warmpool now: remove it from the list' : `fails on warmpool (${u.test.status}) and is not listed`;
    console.log(`  [${u.suite}] ${u.name}: ${what}`);
  }
  return 1;
}

/** Tests by suite and title ('common > select'); a name Drizzle uses twice gets ' #2'. */
function byName(assertions) {
  const tests = new Map();
  for (const t of assertions) {
    const name = [...t.ancestorTitles, t.title].join(' > ');
    let key = name;
    for (let n = 2; tests.has(key); n++) key = `${name} #${n}`;
    tests.set(key, t);
  }
  return tests;
}

function run(file, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd: DIR, stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? signal));
  });
}

function firstLine(text) {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;]*m/g, '').split('\n').find((l) => l.trim() !== '')?.trim().slice(0, 300) ?? '';
}
