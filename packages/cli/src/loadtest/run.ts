/**
 * One load-test run: a throwaway PostgreSQL with a low max_connections and a short
 * idle_session_timeout, then each strategy in turn, in its own emulator, through the same scenario,
 * against the same server. Strategies run one after another, not interleaved: each gets the whole
 * server and every core, a strategy that floods the server cannot fail another's connects, and
 * the server's own counters (connections open, sessions opened) belong to one strategy at a time.
 * An uncounted warm-up runs first, so the first strategy does not pay for a cold load-test process
 * and a cold server.
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import postgres from 'postgres';
import { type InvocationRecord, type PhaseTiming, drive } from './driver.js';
import { type ErrorKind, latencyCurve, percentile, round } from './metrics.js';
import { type Sample, Sampler } from './sampler.js';
import { type Phase, type ScenarioInput, scenarioNamed, totalMs } from './scenarios.js';
import { type ThrowawayServer, createSchema, openServer, sessionsOpened, waitForNoConnections } from './server.js';
import { type PreparedStrategy, type Strategy, strategyNamed } from './strategies.js';
import { functionTarget } from './targets/function.js';
import { lambdaTarget } from './targets/lambda.js';
import type { ConnectionLimitStats, LedgerCheck, LoadTarget } from './targets/target.js';
import { workerTarget } from './targets/worker.js';
import { type UserFunction, userFunctionStrategy } from './user-function.js';
import { type Verdict, computeVerdict } from './verdict.js';

export interface LoadtestSettings {
  strategies: string[];
  scenario: string;
  /** Most containers per strategy (its function's reserved concurrency). */
  containers: number;
  /** Concurrent clients; above `containers`, invocations queue. */
  clients: number;
  /** Traffic per strategy, ms; the scenario's idle gaps come on top. */
  durationMs: number;
  maxConnections: number;
  /** The server's idle_session_timeout, ms (0: off). */
  serverIdleTimeoutMs: number;
  idleTtlMs: number;
  /** Function timeout. */
  timeoutMs: number;
  recycleProbability: number;
  /** esbuild bundles (default) or sources through tsx. */
  bundle: boolean;
  /** The user's own function (--config, --function), run first, before `strategies`. */
  userFunction?: UserFunction;
  /** A throwaway server even when DATABASE_URL is set. */
  embeddedPostgres?: boolean;
}

export interface StrategyResult {
  name: string;
  summary: string;
  invocations: number;
  errors: number;
  errorKinds: Partial<Record<ErrorKind, number>>;
  /** Latency percentiles of successful invocations, ms (queueing and cold starts included). */
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  warmP50Ms: number;
  coldP50Ms: number;
  coldStarts: number;
  /** Most server connections of live containers at once (recycled ones' sessions apart). */
  peakServerConnections: number;
  /**
   * Most sessions at once of containers already recycled that the server had not ended: on Lambda
   * they hold connections until the server's idle_session_timeout ends them (never, with it off).
   */
  peakRecycledConnections: number;
  /** containers (a Worker: clients) × per-container cap, or the strategy's fixed budget (through the gateway or PgBouncer: its pool). */
  budget: number;
  /** Sessions the server accepted during the strategy's run (pg_stat_database.sessions). */
  connectionsOpened: number;
  /** null: not checked (the user's function keeps no ledger). */
  lostWrites: number | null;
  duplicateWrites: number | null;
  /** Writes in the ledger whose invocation failed (the write landed, the answer did not). */
  unacknowledgedWrites: number | null;
  throughputPerSec: number;
  /** A Worker strategy's outgoing connections per request against Cloudflare's limit of 6. */
  workerConnections?: ConnectionLimitStats;
  /** The most frequent error messages with their counts. */
  topErrors: { error: string; count: number }[];
  timeline: {
    samples: Sample[];
    /** Latency (ms) at CURVE_PERCENTILES, successful invocations: all, warm only, cold only. */
    latencyCurve: number[];
    warmLatencyCurve: number[];
    coldLatencyCurve: number[];
    binMs: number;
    okPerBin: number[];
    errorsPerBin: number[];
    phases: PhaseTiming[];
  };
}

export interface LoadtestResults {
  date: string;
  settings: LoadtestSettings;
  machine: { node: string; cpus: number; platform: string; loadAverage: number[] };
  server: { version: string; maxConnections: number; reservedConnections: number; idleSessionTimeout: string; source: 'DATABASE_URL' | 'embedded' };
  scenario: { name: string; summary: string; phases: Phase[]; idleTtlMs: number };
  order: {
    mode: 'sequential';
    why: string;
    /** The strategies in the order they ran. */
    ran: string[];
    /** An uncounted burst of this strategy ran before the first one (under the name warm-up). */
    warmUp?: { strategy: string; durationMs: number };
  };
  strategies: StrategyResult[];
  verdict: Verdict;
}

/** Mutated while the run goes; the CLI draws its progress bar from it. */
export interface Progress {
  strategyIndex: number;
  strategyCount: number;
  strategy: string;
  phase: string;
  startedAt: number;
  expectedMs: number;
  ok: number;
  errors: number;
  connections: number;
}

const BIN_MS = 250;
const WARM_UP_MS = 1_000;
const ORDER_WHY =
  'one after another: each strategy gets the whole server and every core, a strategy that floods the server cannot fail ' +
  "another's connects, and the server's counters (open connections, sessions opened) belong to one strategy at a time";

/** `databaseUrl`: the server to use (the CLI passes DATABASE_URL); without it, or with settings.embeddedPostgres, a throwaway one. */
export async function runLoadtest(requested: LoadtestSettings, progress?: Progress, log: (line: string) => void = () => {}, databaseUrl?: string): Promise<LoadtestResults> {
  let settings = requested;
  const scenario = scenarioNamed(settings.scenario);
  if (!scenario) throw new Error(`Unknown scenario "${settings.scenario}"`);
  const strategies = settings.strategies.map((name) => {
    const s = strategyNamed(name);
    if (!s) throw new Error(`Unknown strategy "${name}"`);
    if (s.unavailable) throw new Error(`Strategy ${name} cannot run: ${s.unavailable}`);
    return s;
  });
  if (settings.userFunction) strategies.unshift(await userFunctionStrategy(settings.userFunction));

  const server = await openServer(settings, databaseUrl, settings.embeddedPostgres ?? false);
  const admin = postgres(server.adminUrl, { max: 1, database: server.database, onnotice: () => {}, connection: { idle_session_timeout: 0, application_name: 'lt-sampler' } as Record<string, unknown> as Record<string, string> });
  try {
    const [info] = await admin`
      select split_part(version(), ' on ', 1) as version, current_setting('max_connections')::int as max,
             current_setting('superuser_reserved_connections')::int as reserved, current_setting('idle_session_timeout') as idle,
             (select setting::int from pg_settings where name = 'idle_session_timeout') as idle_ms`;
    // The user's server keeps its own settings: budgets and idle handling follow them.
    if (server.external) settings = { ...settings, maxConnections: info.max, serverIdleTimeoutMs: info.idle_ms };
    log(`database: ${server.external ? `DATABASE_URL (${server.database})` : 'a throwaway PostgreSQL'}, max_connections ${info.max}`);
    if (strategies.some((s) => s.code.runtime !== 'function')) await createSchema(server.url);
    const input: ScenarioInput = { clients: settings.clients, durationMs: settings.durationMs, serverIdleTimeoutMs: settings.serverIdleTimeoutMs, idleTtlMs: settings.idleTtlMs };
    const phases = scenario.phases(input);
    const idleTtlMs = scenario.idleTtlMs?.(input) ?? settings.idleTtlMs;
    const results: LoadtestResults = {
      date: new Date().toISOString(),
      settings,
      machine: { node: process.version, cpus: os.cpus().length, platform: `${process.platform}-${process.arch}`, loadAverage: os.loadavg().map((l) => round(l, 2)) },
      server: { version: info.version, maxConnections: info.max, reservedConnections: info.reserved, idleSessionTimeout: info.idle, source: server.external ? 'DATABASE_URL' : 'embedded' },
      scenario: { name: scenario.name, summary: scenario.summary, phases, idleTtlMs },
      order: { mode: 'sequential', why: ORDER_WHY, ran: strategies.map((st) => st.name), warmUp: { strategy: strategies[0].name, durationMs: WARM_UP_MS } },
      strategies: [],
      verdict: { reference: null, lines: [], noise: '', strategies: [] },
    };
    if (progress) Object.assign(progress, { strategyIndex: 0, strategyCount: strategies.length, strategy: 'warm-up', phase: 'warm-up', startedAt: performance.now(), expectedMs: WARM_UP_MS, ok: 0, errors: 0, connections: 0 });
    // The same code paths as the first strategy (emulator, driver, sampler, bundler, server), not counted.
    await runStrategy({ ...strategies[0], name: 'warm-up' }, { settings, phases: [{ kind: 'load', label: 'warm-up', durationMs: WARM_UP_MS, clients: settings.clients }], idleTtlMs, server, admin });
    for (const [index, strategy] of strategies.entries()) {
      if (progress) Object.assign(progress, { strategyIndex: index, strategyCount: strategies.length, strategy: strategy.name, phase: 'starting', startedAt: performance.now(), expectedMs: totalMs(phases), ok: 0, errors: 0, connections: 0 });
      const result = await runStrategy(strategy, { settings, phases, idleTtlMs, server, admin, progress });
      results.strategies.push(result);
      log(strategyLine(result));
    }
    results.verdict = computeVerdict(results);
    return results;
  } finally {
    await admin.end({ timeout: 1 });
    await server.stop();
  }
}

interface StrategyRun {
  settings: LoadtestSettings;
  phases: Phase[];
  idleTtlMs: number;
  server: ThrowawayServer;
  admin: postgres.Sql;
  progress?: Progress;
}

function createTarget(strategy: Strategy, run: StrategyRun, prepared?: PreparedStrategy): Promise<LoadTarget> {
  const { settings, server } = run;
  const env = { DATABASE_URL: server.url, ...prepared?.env };
  if (strategy.code.runtime === 'function') {
    return functionTarget({ name: strategy.name, code: strategy.code, environment: env, containers: settings.containers, idleTtlMs: run.idleTtlMs, recycleProbability: settings.recycleProbability, serverIdleTimeoutMs: settings.serverIdleTimeoutMs, bundle: settings.bundle });
  }
  if (strategy.code.runtime === 'worker') {
    return workerTarget({ name: strategy.name, entry: strategy.code.entry, vars: { ...env, PGAPPNAME: `lt:${strategy.name}`, ...strategy.code.vars } });
  }
  return lambdaTarget({
    name: strategy.name,
    handler: strategy.code.handler,
    environment: { ...env, LOADTEST_MAX_CONNECTIONS: String(settings.maxConnections) },
    containers: settings.containers,
    timeoutMs: settings.timeoutMs,
    idleTtlMs: run.idleTtlMs,
    recycleProbability: settings.recycleProbability,
    serverIdleTimeoutMs: settings.serverIdleTimeoutMs,
    bundle: settings.bundle,
  });
}

async function runStrategy(strategy: Strategy, run: StrategyRun): Promise<StrategyResult> {
  const { settings, admin, server } = run;
  const prepared = await strategy.prepare?.({ databaseUrl: server.url, adminUrl: server.adminUrl, embedded: !server.external, maxConnections: settings.maxConnections, serverIdleTimeoutMs: settings.serverIdleTimeoutMs, clients: settings.clients, bundle: settings.bundle }, strategy.name);
  let target: LoadTarget;
  try {
    target = await createTarget(strategy, run, prepared);
  } catch (err) {
    await prepared?.teardown();
    throw err;
  }
  // Behind the gateway or PgBouncer the server's sessions belong to the middle tier, not to containers.
  const sampler = new Sampler(admin, strategy.name, target, strategy.fixedBudget === undefined ? target.recycled : undefined);
  let drove: Awaited<ReturnType<typeof drive>>;
  let samples: Sample[];
  const sessionsBefore = await sessionsOpened(admin);
  // Write ids `<strategy>:<run>:<n>`: the user's database keeps the ledgers of earlier runs.
  const writes = `${strategy.name}:${randomBytes(4).toString('hex')}`;
  try {
    const t0 = performance.now();
    sampler.start(t0);
    drove = await drive({
      name: writes,
      target,
      phases: run.phases,
      t0,
      onPhase: (phase) => run.progress && (run.progress.phase = phase.label),
      onInvocation: (r) => {
        if (!run.progress) return;
        if (r.ok) run.progress.ok++;
        else run.progress.errors++;
        run.progress.connections = sampler.samples.at(-1)?.connections ?? 0;
      },
    });
    samples = await sampler.stop();
  } finally {
    await sampler.stop();
    await target.close();
    await prepared?.teardown();
  }
  const coldStarts = target.coldStarts;
  await waitForNoConnections(admin, strategy.name);
  const opened = (await sessionsOpened(admin)) - sessionsBefore;
  const ledger = await target.verify(admin, new Set(drove.records.filter((r) => r.ok).map((r) => r.writeId)), `${writes}:`);
  return summarize(strategy, settings, drove.records, drove.phases, samples, { coldStarts, opened, ledger, connectionLimit: target.connectionLimit?.() });
}

function summarize(
  strategy: Strategy,
  settings: LoadtestSettings,
  records: InvocationRecord[],
  phases: PhaseTiming[],
  samples: Sample[],
  counts: { coldStarts: number; opened: number; ledger: LedgerCheck | null; connectionLimit?: ConnectionLimitStats },
): StrategyResult {
  const ok = records.filter((r) => r.ok);
  const sorted = (list: InvocationRecord[]) => list.map((r) => r.latencyMs).sort((a, b) => a - b);
  const all = sorted(ok);
  const errorKinds: Partial<Record<ErrorKind, number>> = {};
  const messages = new Map<string, number>();
  for (const r of records) {
    if (r.ok) continue;
    errorKinds[r.kind!] = (errorKinds[r.kind!] ?? 0) + 1;
    const key = (r.error ?? '').replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, '…').replace(/\b\d{3,}(\.\d+)?\b/g, 'N');
    messages.set(key, (messages.get(key) ?? 0) + 1);
  }
  const end = Math.max(0, ...phases.map((p) => p.endMs), ...records.map((r) => r.t + r.latencyMs));
  const bins = Math.max(1, Math.ceil(end / BIN_MS));
  const okPerBin = new Array<number>(bins).fill(0);
  const errorsPerBin = new Array<number>(bins).fill(0);
  for (const r of records) (r.ok ? okPerBin : errorsPerBin)[Math.min(bins - 1, Math.floor((r.t + r.latencyMs) / BIN_MS))]++;
  const loadSeconds = phases.filter((p) => p.kind === 'load').reduce((s, p) => s + (p.endMs - p.startMs), 0) / 1000;
  return {
    name: strategy.name,
    summary: strategy.summary,
    invocations: records.length,
    errors: records.length - ok.length,
    errorKinds,
    p50Ms: round(percentile(all, 50)),
    p95Ms: round(percentile(all, 95)),
    p99Ms: round(percentile(all, 99)),
    warmP50Ms: round(percentile(sorted(ok.filter((r) => !r.cold)), 50)),
    coldP50Ms: round(percentile(sorted(ok.filter((r) => r.cold)), 50)),
    coldStarts: counts.coldStarts,
    peakServerConnections: Math.max(0, ...samples.map((s) => s.connections)),
    peakRecycledConnections: Math.max(0, ...samples.map((s) => s.recycled)),
    budget: strategy.fixedBudget ?? (strategy.code.runtime === 'worker' ? settings.clients : settings.containers) * strategy.perContainerCap,
    connectionsOpened: counts.opened,
    lostWrites: counts.ledger?.lost ?? null,
    duplicateWrites: counts.ledger?.duplicated ?? null,
    unacknowledgedWrites: counts.ledger?.unacknowledged ?? null,
    throughputPerSec: round(ok.length / Math.max(loadSeconds, 0.001), 1),
    ...(counts.connectionLimit ? { workerConnections: counts.connectionLimit } : {}),
    topErrors: [...messages].sort((a, b) => b[1] - a[1]).slice(0, 5).map(([error, count]) => ({ error, count })),
    timeline: { samples: samples.map((s) => ({ ...s, t: Math.round(s.t) })), latencyCurve: latencyCurve(all), warmLatencyCurve: latencyCurve(sorted(ok.filter((r) => !r.cold))), coldLatencyCurve: latencyCurve(sorted(ok.filter((r) => r.cold))), binMs: BIN_MS, okPerBin, errorsPerBin, phases },
  };
}

function strategyLine(r: StrategyResult): string {
  const kinds = Object.entries(r.errorKinds).map(([k, n]) => `${k} ${n}`).join(', ');
  const writes = r.lostWrites === null ? 'writes not checked' : `${r.lostWrites} lost, ${r.duplicateWrites} duplicated writes`;
  return `${r.name}: ${r.invocations} invocations, ${r.errors} errors${kinds ? ` (${kinds})` : ''}, peak ${r.peakServerConnections} server connections${r.peakRecycledConnections ? ` (and ${r.peakRecycledConnections} of recycled containers)` : ''}, ${writes}`;
}
