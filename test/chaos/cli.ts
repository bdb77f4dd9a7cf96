// `npm run test:chaos -- --seed N --minutes M --containers K`: runs the chaos soak, prints its
// table, and exits nonzero on any violation.
import { parseArgs } from 'node:util';
import { formatResult } from './report.js';
import { runSoak } from './soak.js';

const USAGE = `usage: npm run test:chaos -- [--seed N] [--minutes M] [--containers K]

  --seed N        seeds the mix, the nemesis and the schema changes (default 1)
  --minutes M     how long the containers run (default 1.5)
  --containers K  emulated Lambda containers, each with a pool of max 1 (default 8)`;

function numberArg(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || n > max) {
    console.error(`--${name} must be a number from ${min} to ${max}, got "${value}".\n${USAGE}`);
    process.exit(2);
  }
  return n;
}

let values: { seed?: string; minutes?: string; containers?: string; help?: boolean };
try {
  ({ values } = parseArgs({ options: { seed: { type: 'string' }, minutes: { type: 'string' }, containers: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, strict: true }));
} catch (err) {
  console.error(`${(err as Error).message}\n${USAGE}`);
  process.exit(2);
}

if (values.help) {
  console.log(USAGE);
  process.exit(0);
}

const seed = Math.floor(numberArg('seed', values.seed, 1, 0, 2 ** 31));
const minutes = numberArg('minutes', values.minutes, 1.5, 0.1, 600);
const containers = Math.floor(numberArg('containers', values.containers, 8, 1, 50));

const result = await runSoak({ seed, minutes, containers, log: (line) => console.log(line) });
console.log(`\n${formatResult(result)}`);
if (result.misfires.length > 0) console.log(`\nFaults that could not be applied: ${result.misfires.length} (${result.misfires.slice(0, 3).join('; ')})`);
process.exit(result.violations.length === 0 ? 0 : 1);
