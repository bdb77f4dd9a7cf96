import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type EmbeddedServer, startEmbeddedPostgres } from '../../packages/cli/src/local-db/embedded-postgres.js';
import { adminClient } from '../support/db.js';
import { FaultProxy, seededRandom } from '../support/fault-proxy.js';
import { History, LEDGER_DDL } from '../support/ledger.js';
import { type LedgerFindings, type StateFindings, checkParts, checkState } from './check.js';
import { type ChaosOp, type KeyedResult, type Writes } from './events.js';
import { Deliveries } from './mix.js';
import { Nemesis } from './nemesis.js';
import type { ProbeReport } from './probe.js';
import { SCHEMA_DDL, SchemaChanges } from './schema.js';
import { Slot } from './workload.js';

/**
 * A seeded chaos soak: `containers` emulated Lambda containers (`max: 1`, withPool, frozen
 * between invocations, a 3 s function timeout) run the mix of mix.ts (reads, inserts,
 * transactions, batches, concurrent statements, savepoints, session changes, reserved
 * connections; a quarter of the containers get their password from a flaky token provider)
 * through a fault proxy for `minutes`, while a nemesis kills backends, restarts the server,
 * resets, blackholes, delays and refuses flows, lowers idle_session_timeout and SIGKILLs
 * containers, and the schema changes under them (schema.ts). At the end every container is gone
 * and every session closed (so nothing can still commit), and the ledger and what the
 * invocations found in their sessions are held to the library's promises.
 */

export interface SoakOptions {
  seed: number;
  minutes: number;
  containers: number;
  /** The function timeout. Default 3000. */
  timeoutMs?: number;
  /** Largest RSS growth of one container over its warm baseline. Default 64 MiB. */
  rssGrowthLimitBytes?: number;
  /** Progress lines. */
  log?: (line: string) => void;
  /** Called once the server is up (to register its passwords with a secret watch). */
  onServer?: (server: EmbeddedServer) => void;
}

export interface Check {
  name: string;
  count: number;
}

export interface SoakResult {
  seed: number;
  minutes: number;
  containers: number;
  invocations: number;
  coldStarts: number;
  ok: number;
  failed: number;
  unknown: number;
  unknownApplied: number;
  /** Keyed work: keys, deliveries, and each OUTCOME_UNKNOWN the library gave a delivery, with its reason. */
  keyed: {
    keys: number; deliveries: number; redelivered: number; ok: number; codes: Record<string, number>;
    /** `opId key: message [faults during it]`. */
    unknown: string[];
    /** Of them, those during which the nemesis applied no fault at all. */
    unknownWithoutFault: number;
  };
  /** By kind, with `schema-change` for the schema changes and `combo` for turns that combined faults. */
  faults: Record<string, number>;
  /** Invocations by kind of work. */
  mix: Record<string, number>;
  /** Session resets the containers' pools reported, at least. */
  sessionResets: number;
  /** Invocations that probed their session. */
  probes: number;
  /** Calls of the flaky token providers, by what they did. */
  tokenCalls: Record<string, number>;
  codes: Record<string, number>;
  checks: Check[];
  /** One line per breach, for replaying with the seed. */
  violations: string[];
  misfires: string[];
}

const DEFAULT_RSS_LIMIT = 64 * 1024 * 1024;

export async function runSoak(options: SoakOptions): Promise<SoakResult> {
  const { seed, minutes, containers } = options;
  const timeoutMs = options.timeoutMs ?? 3_000;
  const log = options.log ?? (() => {});
  const server = await startEmbeddedPostgres({ quiet: true });
  options.onServer?.(server);
  const admin = adminClient(server.adminUrl);
  const eventsDir = mkdtempSync(path.join(os.tmpdir(), 'warmpool-chaos-'));
  let proxy: FaultProxy | undefined;
  const slots: Slot[] = [];
  try {
    const app = adminClient(server.url);
    await app.unsafe(LEDGER_DDL);
    await app.unsafe(SCHEMA_DDL);
    await app.end();
    proxy = await FaultProxy.start({ upstreamPort: server.port, seed });
    const history = new History(`chaos-${seed}`);
    const writes = new Map<string, Writes>();
    const deliveries = new Deliveries();
    const keyedResults = new Map<string, KeyedResult>();
    for (let index = 0; index < containers; index++) {
      slots.push(new Slot({
        index, databaseUrl: proxy.urlFor(server.url), timeoutMs, eventsDir, history, writes, deliveries, keyedResults,
        random: seededRandom(seed * 1_000 + index + 1),
        // Half the containers leave idle_session_timeout to the server, so lowering it there bites.
        // A quarter get a token provider that sometimes throws or hangs past connectTimeoutMs.
        // A quarter run named prepared statements, which a schema change finds prepared before it.
        poolOptions: { ...(index % 2 === 0 ? { serverIdleSessionTimeoutMs: 0 } : {}), ...(index % 4 === 1 ? { connectTimeoutMs: 800 } : {}), ...(index % 4 === 2 ? { prepare: true } : {}) },
        tokenSeed: index % 4 === 1 ? seed * 1_000 + index + 1 : undefined,
      }));
    }
    const nemesis = new Nemesis({ server, admin, proxy, targets: slots }, seededRandom(seed));
    const schema = new SchemaChanges(server.adminUrl, seededRandom(seed + 7_919));
    const until = Date.now() + minutes * 60_000;
    log(`chaos soak: seed ${seed}, ${minutes} min, ${containers} containers`);
    const progress = setInterval(() => log(`  ${slots.reduce((n, s) => n + s.invocations, 0)} invocations, ${nemesis.total} faults`), 30_000);
    try {
      await Promise.all([...slots.map((slot) => slot.run(until)), nemesis.run(until), schema.run(until)]);
    } finally {
      clearInterval(progress);
    }
    await nemesis.calm();
    for (const slot of slots) slot.stop();
    await closeSessions(admin);

    const ledger = await checkParts(admin, history, writes, keyedResults);
    const state = checkState(slots.flatMap((slot) => readLines<ProbeReport>(slot.stateFile)));
    const unhandled = slots.flatMap((slot) => readEvents(slot.eventsFile));
    const pastTimeout = slots.flatMap((slot) => slot.pastTimeout);
    const peak = proxy.peakFor('chaos-');
    const rssLimit = options.rssGrowthLimitBytes ?? DEFAULT_RSS_LIMIT;
    const rssGrowth = Math.max(0, ...slots.map((slot) => slot.rssGrowth));
    const leaks = secretsIn(server, history, unhandled);
    const violations = [
      ...ledger.violations,
      ...state.violations,
      ...unhandled.map((e) => `container reported ${e}`),
      ...pastTimeout.map((p) => `past the ${timeoutMs} ms timeout: ${p.text} [faults: ${faultsDuring(nemesis.timeline, p.startedAt - 1_000, p.endedAt, p.startedAt)}] [${settledAt(p)}]`),
      ...[...proxy.peakByApp].filter(([app, n]) => app.startsWith('chaos-') && n > 1).map(([app, n]) => `container ${app} held ${n} server connections at once (cap 1)`),
      ...(rssGrowth > rssLimit ? [`a container's RSS grew by ${mib(rssGrowth)} MiB (limit ${mib(rssLimit)} MiB)`] : []),
      ...leaks,
    ];
    return {
      seed, minutes, containers,
      invocations: history.ops.length,
      coldStarts: slots.reduce((n, s) => n + s.coldStarts, 0),
      ok: ledger.ok, failed: ledger.failed, unknown: ledger.unknown, unknownApplied: ledger.unknownApplied,
      keyed: keyedSummary(ledger, writes, nemesis.timeline),
      faults: { ...nemesis.counts, 'schema-change': schema.count },
      mix: sumMix(slots),
      sessionResets: slots.reduce((n, s) => n + s.sessionResets, 0),
      probes: state.probes,
      tokenCalls: countBy(slots.flatMap((slot) => readLines<{ what: string }>(slot.tokenFile)).map((call) => call.what)),
      codes: history.codes(),
      checks: checks(ledger, state, unhandled, pastTimeout.length, peak, rssGrowth, leaks.length),
      violations,
      misfires: [...nemesis.misfires, ...schema.misfires],
    };
  } finally {
    for (const slot of slots) slot.stop();
    await proxy?.close();
    await admin.end({ timeout: 1 }).catch(() => {});
    await server.stop();
    rmSync(eventsDir, { recursive: true, force: true });
  }
}

function checks(ledger: LedgerFindings, state: StateFindings, unhandled: string[], pastTimeout: number, peak: number, rssGrowth: number, leaks: number): Check[] {
  return [
    { name: 'ok write missing (lost)', count: ledger.lost },
    { name: 'written twice', count: ledger.duplicated },
    { name: 'notApplied but present', count: ledger.failedButPresent },
    { name: 'half applied', count: ledger.halfApplied },
    { name: 'keyed: applied twice (duplicates)', count: ledger.keyed.duplicated },
    { name: 'keyed: reported done, row missing (lost)', count: ledger.keyed.lost },
    { name: 'keyed: every delivery notApplied, row present', count: ledger.keyed.failedButPresent },
    { name: 'keyed: returned another id than its row\'s', count: ledger.keyed.wrongResult },
    { name: 'written with a wrong value', count: ledger.wrongValue },
    { name: 'state seen by a later invocation', count: state.seen },
    { name: 'refused by a statement prepared before a schema change', count: ledger.staleStatement },
    { name: 'rows nobody wrote', count: ledger.phantom },
    { name: 'error outside the contract', count: ledger.outsideContract },
    { name: 'unhandledRejection', count: unhandled.filter((e) => e.startsWith('unhandledRejection')).length },
    { name: 'uncaughtException', count: unhandled.filter((e) => e.startsWith('uncaughtException')).length },
    { name: 'invocation past its timeout', count: pastTimeout },
    { name: 'connections per container over cap 1', count: Math.max(0, peak - 1) },
    { name: 'RSS growth MiB (max of containers)', count: mib(rssGrowth) },
    { name: 'password in a message', count: leaks },
  ];
}

/** The keyed findings, each OUTCOME_UNKNOWN with the faults applied while it ran (and in the second before). */
function keyedSummary(ledger: LedgerFindings, writes: Map<string, Writes>, timeline: Nemesis['timeline']): SoakResult['keyed'] {
  const { keys, deliveries, redelivered, ok, codes } = ledger.keyed;
  let unknownWithoutFault = 0;
  const unknown = ledger.keyed.unknown.map((op) => {
    const from = (op.startedAt ?? 0) - 1_000;
    const to = op.endedAt ?? Infinity;
    const during = faultsDuring(timeline, from, to, op.startedAt ?? 0);
    if (during === 'none') unknownWithoutFault++;
    return `${op.opId} ${writes.get(op.opId)?.key ?? '?'}: ${op.message ?? ''} [faults: ${during}]`;
  });
  return { keys, deliveries, redelivered, ok, codes, unknown, unknownWithoutFault };
}

/** When the container saw the late invocation's handler settle, by its own clock: a hung handler, or a late reply. */
function settledAt(p: { opId: string; doneFile: string; startedAt: number }): string {
  const done = readLines<{ opId: string; at: number }>(p.doneFile).find((d) => d.opId === p.opId);
  return done ? `the handler settled at ${done.at - p.startedAt} ms` : 'the handler never settled';
}

/** The faults applied between `from` and `to`, in ms from `start`, or 'none'. */
function faultsDuring(timeline: Nemesis['timeline'], from: number, to: number, start: number): string {
  return timeline.filter((f) => f.from <= to && f.to >= from).map((f) => `${f.kind} at ${f.from - start} ms`).join(', ') || 'none';
}

/** Ends every app session, so a transaction left open anywhere is rolled back before the count. */
async function closeSessions(admin: ReturnType<typeof adminClient>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const [row] = await admin`
      select count(pg_terminate_backend(pid))::int as n from pg_stat_activity
      where usename = 'warmpool_app' and pid <> pg_backend_pid()`;
    if (row.n === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('app sessions did not end');
}

function sumMix(slots: readonly Slot[]): Record<string, number> {
  const mix: Partial<Record<ChaosOp, number>> = {};
  for (const slot of slots) for (const [op, n] of Object.entries(slot.mix) as [ChaosOp, number][]) mix[op] = (mix[op] ?? 0) + n;
  return mix;
}

function countBy(values: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const v of values) counts[v] = (counts[v] ?? 0) + 1;
  return counts;
}

/** The JSON lines a container appended to `file`. */
function readLines<T>(file: string): T[] {
  if (!existsSync(file)) return [];
  // A container SIGKILLed mid-write may leave a partial last line.
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).flatMap((line) => {
    try {
      return [JSON.parse(line) as T];
    } catch {
      return [];
    }
  });
}

function readEvents(file: string): string[] {
  return readLines<{ kind: string; code: string; message: string; stack?: string[] }>(file).map((e) => {
    // The first frames say where the promise nobody listened to came from.
    return `${e.kind} ${e.code}: ${e.message}${e.stack?.length ? ` (${e.stack.slice(0, 4).join(' ← ')})` : ''}`;
  });
}

function secretsIn(server: EmbeddedServer, history: History, unhandled: string[]): string[] {
  const secrets = [server.url, server.adminUrl].map((u) => decodeURIComponent(new URL(u).password)).filter((p) => p.length >= 6);
  const texts = [...history.ops.map((op) => op.message ?? ''), ...history.unclassified, ...unhandled];
  return texts.filter((t) => secrets.some((s) => t.includes(s))).map(() => 'a password appeared in an error message');
}

const mib = (bytes: number) => Math.round(bytes / (1024 * 1024));
