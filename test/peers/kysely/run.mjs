// Runs Kysely's PostgreSQL suite (src/, from Kysely's repository, see README.md) with mocha, once
// on Kysely's PostgresDialect (pg) and once on WarmpoolDialect, prints the counts of both and the
// tests whose outcome differs, and checks the differences against expected-differences.json.
// As upstream, the suite runs compiled to JavaScript (dist/): some tests look for `.test.js` in
// error stacks.
// Called by test/peers/run.mjs, in a process that runs TypeScript (tsx) with the
// `warmpool-source` condition, as `npm run test:peers` starts it.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import postgres from 'postgres';

const DIR = fileURLToPath(new URL('.', import.meta.url));
const MOCHA = fileURLToPath(new URL('../../../node_modules/mocha/bin/mocha.js', import.meta.url));
const DIALECTS = { pg: 'PostgresDialect', warmpool: 'WarmpoolDialect' };

const USAGE = `usage: npm run test:peers -- kysely [--dialect pg|warmpool] [--grep <pattern>]

Runs Kysely's PostgreSQL suite on PostgresDialect (pg) and on WarmpoolDialect (or on one of
them) against DATABASE_URL, or a throwaway embedded PostgreSQL when it is unset. The suite drops
and creates its tables and schemas (person, pet, toy, some_schema...): DATABASE_URL must name a
scratch database, and a superuser, as upstream's (a few tests create base types). With one
dialect, that run is checked alone: on pg every test must pass; on warmpool every test but those
expected-differences.json lists, and those must fail. --grep runs the tests whose title matches.`;

export async function main(args) {
  let dialects = Object.keys(DIALECTS);
  let grep;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--dialect' && args[i + 1] in DIALECTS) dialects = [args[++i]];
    else if (args[i] === '--grep' && args[i + 1]) grep = args[++i];
    else {
      console.error(USAGE);
      return 2;
    }
  }
  const { differences: expected, racy } = JSON.parse(readFileSync(join(DIR, 'expected-differences.json'), 'utf8'));
  const isRacy = (name) => racy.some((e) => e.test === name);
  await compile();

  let server;
  let url = process.env.DATABASE_URL;
  if (!url) {
    const { startEmbeddedPostgres } = await import('../../../packages/cli/src/local-db/embedded-postgres.ts');
    server = await startEmbeddedPostgres({ quiet: true });
  }
  const results = {};
  try {
    url ??= await superuserDatabase(server.adminUrl);
    // One after the other: both runs use the same tables.
    for (const dialect of dialects) results[dialect] = await runSuite(dialect, url, grep);
  } finally {
    await server?.stop();
  }

  console.log(`\nKysely's PostgreSQL suite (test/peers/kysely)\n`);
  for (const dialect of dialects) {
    const r = results[dialect];
    if (!r.report) {
      console.log(`  ${DIALECTS[dialect]}: mocha exited with ${r.code} and wrote no report`);
      return 1;
    }
    const { passes, failures, pending } = r.report.stats;
    console.log(`  ${DIALECTS[dialect].padEnd(16)} ${String(passes).padStart(4)} passed  ${String(failures).padStart(3)} failed  ${String(pending).padStart(3)} pending  ${r.seconds.toFixed(1).padStart(6)} s`);
  }

  const pg = results.pg && outcomes(results.pg.report);
  const ours = results.warmpool && outcomes(results.warmpool.report);
  const problems = [];
  if (pg) {
    for (const [name, test] of pg) if (test.state === 'failed' && !isRacy(name)) problems.push(`${name}: fails on PostgresDialect, so it measures nothing here: ${firstLine(test.err?.message)}`);
    if (ours) {
      console.log(`\n  ${count(ours, 'passed', pg)}/${count(pg, 'passed')} of the tests that pass on PostgresDialect pass on WarmpoolDialect.`);
      const differing = [...new Set([...pg.keys(), ...ours.keys()])].filter((name) => pg.get(name)?.state !== ours.get(name)?.state);
      if (differing.length > 0) {
        console.log(`\nTests whose outcome differs (PostgresDialect / WarmpoolDialect):`);
        for (const name of differing) {
          const test = ours.get(name);
          const listed = expected.find((e) => e.test === name);
          console.log(`  ${name}: ${pg.get(name)?.state ?? 'absent'} / ${test?.state ?? 'absent'}${listed ? ' (expected)' : isRacy(name) ? ' (racy)' : ''}`);
          for (const side of [pg.get(name), test]) if (side?.err?.message) console.log(`      ${firstLine(side.err.message)}`);
          if (listed) console.log(`      why: ${listed.reason}`);
        }
      }
    }
  }
  if (ours) {
    // With both dialects, a test matters when it passes on pg; with warmpool alone, every test that ran. A racy one never.
    const matters = (name) => !isRacy(name) && (pg ? pg.get(name)?.state === 'passed' : ours.get(name).state !== 'pending');
    for (const [name, test] of ours) {
      const listed = expected.some((e) => e.test === name);
      if (test.state === 'passed' && listed) problems.push(`${name}: listed, but passes on WarmpoolDialect now: remove it from expected-differences.json`);
      if (test.state === 'failed' && !listed && matters(name)) problems.push(`${name}: fails on WarmpoolDialect and is not listed: ${firstLine(test.err?.message)}`);
    }
    if (pg) for (const [name, test] of pg) if (test.state === 'passed' && !ours.has(name) && !expected.some((e) => e.test === name) && !isRacy(name)) problems.push(`${name}: passes on PostgresDialect and did not run on WarmpoolDialect`);
    if (!grep) for (const e of expected) if (!ours.has(e.test)) problems.push(`${e.test}: listed, but no such test ran on WarmpoolDialect`);
  }
  if (problems.length === 0) {
    console.log(ours ? `\nAs expected: ${expected.length} listed difference${expected.length === 1 ? '' : 's'} (expected-differences.json).` : '\nEvery test passes (a racy one is not judged).');
    return 0;
  }
  console.log(`\nNot as expected:`);
  for (const p of problems) console.log(`  ${p}`);
  return 1;
}

/** As upstream's Docker server: database kysely_test, and a superuser (some tests create base types). */
async function superuserDatabase(adminUrl) {
  const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await sql`create database kysely_test`;
  } finally {
    await sql.end();
  }
  const url = new URL(adminUrl);
  url.pathname = '/kysely_test';
  return url.href;
}

/** src/ to dist/, file by file, imports as written: what upstream's `tsc -p test/node` does. */
async function compile() {
  rmSync(join(DIR, 'dist'), { recursive: true, force: true });
  const entryPoints = readdirSync(join(DIR, 'src'), { recursive: true }).filter((f) => f.endsWith('.ts')).map((f) => join(DIR, 'src', f));
  await build({ entryPoints, outbase: join(DIR, 'src'), outdir: join(DIR, 'dist'), format: 'esm', platform: 'node', target: 'node20', logLevel: 'warning' });
}

/** One mocha run of the suite on `dialect`; resolves to mocha's JSON report and the wall time. */
async function runSuite(dialect, url, grep) {
  const out = mkdtempSync(join(tmpdir(), 'warmpool-peers-kysely-'));
  const reportFile = join(out, 'report.json');
  console.log(`\n== Kysely's PostgreSQL suite on ${DIALECTS[dialect]} ==`);
  const started = performance.now();
  try {
    const code = await run(process.execPath, [
      '--conditions=warmpool-source', '--import', 'tsx', '--import', './register.mjs',
      // As Kysely's `test:node:run`: mocha with a 15 s timeout per test.
      MOCHA, '--timeout', '15000', '--reporter', 'json', '--reporter-option', `output=${reportFile}`, ...(grep ? ['--grep', grep] : []), 'dist/*.test.js',
    ], { ...process.env, DATABASE_URL: url, DIALECTS: 'postgres', PEER_DIALECT: dialect });
    const seconds = (performance.now() - started) / 1000;
    let report;
    try {
      report = JSON.parse(readFileSync(reportFile, 'utf8'));
    } catch {
      report = undefined;
    }
    return { code, seconds, report };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** Each test's (and failed hook's) outcome by its full title; a repeated title gets ` #2`, ` #3`... */
function outcomes(report) {
  const map = new Map();
  const add = (test, state) => {
    let name = test.fullTitle;
    for (let n = 2; map.has(name); n++) name = `${test.fullTitle} #${n}`;
    map.set(name, { state, err: test.err });
  };
  for (const t of report.passes) add(t, 'passed');
  for (const t of report.failures) add(t, 'failed');
  for (const t of report.pending) add(t, 'pending');
  return map;
}

function count(map, state, among) {
  return [...map].filter(([name, t]) => t.state === state && (!among || among.get(name)?.state === 'passed')).length;
}

function run(file, args, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd: DIR, stdio: 'inherit', env });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? signal));
  });
}

function firstLine(text = '') {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;]*m/g, '').split('\n').find((l) => l.trim() !== '')?.trim().slice(0, 300) ?? '';
}
