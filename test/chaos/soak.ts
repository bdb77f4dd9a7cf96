import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type EmbeddedServer, startEmbeddedPostgres } from '../../packages/cli/src/local-db/embedded-postgres.js';
import { adminClient } from '../support/db.js';
import { FaultProxy, seededRandom } from '../support/fault-proxy.js';
import { History, LEDGER_DDL } from '../support/ledger.js';
import { type LedgerFindings, checkParts } from './check.js';
import { type FaultKind, Nemesis } from './nemesis.js';
import { Slot } from './workload.js';

/**
 * A seeded chaos soak: `containers` emulated Lambda containers (`max: 1`, withPool, frozen
 * between invocations, a 3 s function timeout) run a mix of reads, inserts, transactions and
 * batches through a fault proxy for `minutes`, while a nemesis kills backends, restarts the
 * server, resets, blackholes, delays and refuses flows, lowers idle_session_timeout and SIGKILLs
 * containers. At the end every container is gone and every session closed (so nothing can still
 * commit), and the ledger is held to the library's promises.
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
  faults: Record<FaultKind, number>;
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
    await app.end();
    proxy = await FaultProxy.start({ upstreamPort: server.port, seed });
    const history = new History(`chaos-${seed}`);
    const parts = new Map<string, string[]>();
    for (let index = 0; index < containers; index++) {
      slots.push(new Slot({
        index, databaseUrl: proxy.urlFor(server.url), timeoutMs, eventsDir, history, parts,
        random: seededRandom(seed * 1_000 + index + 1),
        // Half the containers leave idle_session_timeout to the server, so lowering it there bites.
        poolOptions: index % 2 === 0 ? { serverIdleSessionTimeoutMs: 0 } : {},
      }));
    }
    const nemesis = new Nemesis({ server, admin, proxy, targets: slots }, seededRandom(seed));
    const until = Date.now() + minutes * 60_000;
    log(`chaos soak: seed ${seed}, ${minutes} min, ${containers} containers`);
    const progress = setInterval(() => log(`  ${slots.reduce((n, s) => n + s.invocations, 0)} invocations, ${nemesis.total} faults`), 30_000);
    try {
      await Promise.all([...slots.map((slot) => slot.run(until)), nemesis.run(until)]);
    } finally {
      clearInterval(progress);
    }
    await nemesis.calm();
    for (const slot of slots) slot.stop();
    await closeSessions(admin);

    const ledger = await checkParts(admin, history, parts);
    const unhandled = slots.flatMap((slot) => readEvents(slot.eventsFile));
    const pastTimeout = slots.flatMap((slot) => slot.pastTimeout);
    const peak = proxy.peakFor('chaos-');
    const rssLimit = options.rssGrowthLimitBytes ?? DEFAULT_RSS_LIMIT;
    const rssGrowth = Math.max(0, ...slots.map((slot) => slot.rssGrowth));
    const leaks = secretsIn(server, history, unhandled);
    const violations = [
      ...ledger.violations,
      ...unhandled.map((e) => `container reported ${e}`),
      ...pastTimeout.map((p) => `past the ${timeoutMs} ms timeout: ${p}`),
      ...(peak > 1 ? [`a container held ${peak} server connections at once (cap 1)`] : []),
      ...(rssGrowth > rssLimit ? [`a container's RSS grew by ${mib(rssGrowth)} MiB (limit ${mib(rssLimit)} MiB)`] : []),
      ...leaks,
    ];
    return {
      seed, minutes, containers,
      invocations: history.ops.length,
      coldStarts: slots.reduce((n, s) => n + s.coldStarts, 0),
      ok: ledger.ok, failed: ledger.failed, unknown: ledger.unknown, unknownApplied: ledger.unknownApplied,
      faults: nemesis.counts,
      codes: history.codes(),
      checks: checks(ledger, unhandled, pastTimeout.length, peak, rssGrowth, leaks.length),
      violations,
      misfires: nemesis.misfires,
    };
  } finally {
    for (const slot of slots) slot.stop();
    await proxy?.close();
    await admin.end({ timeout: 1 }).catch(() => {});
    await server.stop();
    rmSync(eventsDir, { recursive: true, force: true });
  }
}

function checks(ledger: LedgerFindings, unhandled: string[], pastTimeout: number, peak: number, rssGrowth: number, leaks: number): Check[] {
  return [
    { name: 'ok write missing (lost)', count: ledger.lost },
    { name: 'written twice', count: ledger.duplicated },
    { name: 'notApplied but present', count: ledger.failedButPresent },
    { name: 'half applied', count: ledger.halfApplied },
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

function readEvents(file: string): string[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => {
    const e = JSON.parse(line) as { kind: string; code: string; message: string; stack?: string[] };
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
