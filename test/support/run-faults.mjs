// `npm run test:faults`: runs the fault suites (idempotency keys under faults among them), bad
// input and secrets, then prints the fault table the scenarios wrote to report/faults/ (one JSON
// file per scenario).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const reportDir = path.join(root, 'report', 'faults');
const files = [
  'faults-freeze', 'faults-network', 'faults-server', 'faults-capacity', 'faults-pgbouncer', 'faults-http',
  'idempotency-faults', 'idempotency-batch-faults', 'idempotency-freeze', 'bad-input', 'secrets-everywhere',
];

rmSync(reportDir, { recursive: true, force: true });
const started = Date.now();
const vitest = path.join(root, 'node_modules', 'vitest', 'vitest.mjs');
const run = spawnSync(process.execPath, [vitest, 'run', '--config', 'test/vitest.config.ts', ...files.map((f) => `test/${f}.test.ts`), ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
const seconds = ((Date.now() - started) / 1000).toFixed(1);

const rows = existsSync(reportDir)
  ? readdirSync(reportDir).filter((f) => f.endsWith('.json')).map((f) => JSON.parse(readFileSync(path.join(reportDir, f), 'utf8')))
  : [];
const order = (row) => files.findIndex((f) => row.testFile?.startsWith(f));
rows.sort((a, b) => order(a) - order(b) || a.at - b.at);

const header = ['scenario', 'invocations', 'ok', 'failed', 'outcome-unknown', 'duplicates', 'lost', 'peak / cap', 'notes'];
const lines = rows.map((r) => [r.scenario, r.invocations, r.ok, r.failed, r.unknown, r.duplicates, r.lost, r.peak === null ? '—' : `${r.peak} / ${r.cap}`, r.notes ?? ''].map(String));
const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (i === header.length - 1 ? 0 : l[i].length))));
const format = (cells) => `| ${cells.map((c, i) => (i === 0 || i === cells.length - 1 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
console.log(`\nFault table (seed ${process.env.FAULT_SEED ?? 6}; ${rows.length} scenarios; ${seconds} s):\n`);
console.log(format(header));
console.log(`|${widths.map((w, i) => (i === 0 || i === widths.length - 1 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
for (const line of lines) console.log(format(line));
const bad = rows.filter((r) => r.duplicates > 0 || r.lost > 0);
console.log(bad.length === 0 ? '\nNo write was lost or doubled.' : `\n${bad.length} scenario(s) lost or doubled writes.`);
process.exit(run.status ?? 1);
