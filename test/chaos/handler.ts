// The handler each chaos container runs: one pool at module scope with `max: 1`, wrapped in
// withPool, and the work of events.ts. An invocation whose event says `probe` first reads its
// session (probe.ts) and appends what it saw to CHAOS_STATE_FILE, with the container's previous
// invocation; it always probes after an invocation that changed the session on purpose. A probe
// that fails is skipped: the invocation's outcome stays its work's.
//
// Unhandled rejections and uncaught exceptions are appended to CHAOS_EVENTS_FILE at once
// (synchronously), so a count survives a SIGKILL of the container. With CHAOS_TOKEN_SEED set,
// the password comes from a token provider that sometimes fails or hangs (flaky-password.ts),
// and each of its calls is appended to CHAOS_TOKEN_FILE.
import { appendFileSync } from 'node:fs';
import { createPool } from '../../src/index.js';
import { withPool } from '../../src/lambda/index.js';
import { type ChaosEvent, describeWork } from './events.js';
import { flakyPassword } from './flaky-password.js';
import { PROBE_SQL, type Probe } from './probe.js';
import * as work from './work.js';
import { changeSession, reserved } from './work-session.js';

export type { ChaosEvent } from './events.js';

const eventsFile = process.env.CHAOS_EVENTS_FILE;
const stateFile = process.env.CHAOS_STATE_FILE;
const tokenFile = process.env.CHAOS_TOKEN_FILE;
const doneFile = process.env.CHAOS_DONE_FILE;

function record(kind: 'unhandledRejection' | 'uncaughtException', error: unknown): void {
  const e = error as { code?: unknown; message?: unknown; stack?: unknown } | undefined;
  const stack = typeof e?.stack === 'string' ? e.stack.split('\n').slice(1, 8).map((l) => l.trim()) : [];
  const line = JSON.stringify({ kind, code: String(e?.code ?? ''), message: String(e?.message ?? error).slice(0, 300), stack, at: Date.now() });
  if (eventsFile) appendFileSync(eventsFile, `${line}\n`);
}

process.on('unhandledRejection', (reason) => record('unhandledRejection', reason));
process.on('uncaughtException', (error) => record('uncaughtException', error));

const poolOptions = JSON.parse(process.env.CHAOS_POOL_OPTIONS ?? '{}') as Record<string, unknown> & { connectTimeoutMs?: number };
let connectionString = process.env.DATABASE_URL;
let password: ReturnType<typeof flakyPassword> | undefined;
if (process.env.CHAOS_TOKEN_SEED && connectionString) {
  const url = new URL(connectionString);
  const hangMs = (poolOptions.connectTimeoutMs ?? 1_000) * 2;
  password = flakyPassword(decodeURIComponent(url.password), Number(process.env.CHAOS_TOKEN_SEED), hangMs, (what) => {
    if (tokenFile) appendFileSync(tokenFile, `${JSON.stringify({ what })}\n`);
  });
  url.password = '';
  connectionString = url.href;
}

const db = createPool({ connectionString, max: 1, ...poolOptions, ...(password ? { password } : {}) });

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The container's previous invocation, and whether it changed the session on purpose. */
let previous = { what: 'none (cold start)', changedSession: false };

async function probe(opId: string): Promise<void> {
  let seen: Probe;
  try {
    [seen] = await db.query<Probe & Record<string, unknown>>(PROBE_SQL, [], { idempotent: true });
  } catch {
    return;
  }
  if (stateFile) appendFileSync(stateFile, `${JSON.stringify({ opId, after: previous.what, seen })}\n`);
}

function run(event: ChaosEvent, invocation: work.Invocation): Promise<unknown> {
  switch (event.op) {
    case 'read': return work.read(invocation, event);
    case 'insert': return work.insert(invocation, event);
    case 'read-and-insert': return work.readAndInsert(invocation, event);
    case 'pair-late': return work.pairLate(invocation, event);
    case 'batch': return work.batch(invocation, event);
    case 'tx': return work.tx(invocation, event);
    case 'tx-sleep': return work.txSleep(invocation, event);
    case 'tx-all': return work.txAll(invocation, event);
    case 'savepoints': return work.savepoints(invocation, event);
    case 'session': return changeSession(invocation, event);
    case 'reserve': return reserved(invocation, event);
    case 'keyed': return work.keyed(invocation, event);
  }
}

const pooled = withPool(db, async (event: ChaosEvent, context: { getRemainingTimeInMillis(): number }) => {
  const remainingMs = () => context.getRemainingTimeInMillis();
  const invocation: work.Invocation = { db, remainingMs, externalCall: (ms) => sleep(Math.max(0, Math.min(ms, remainingMs() - 250))) };
  try {
    if (event.probe || previous.changedSession) await probe(event.opId);
    const result = await run(event, invocation);
    return { sessionResets: db.stats().sessionResets, ...(event.op === 'keyed' ? { keyed: result } : {}) };
  } finally {
    previous = { what: `${describeWork(event)} ${event.opId}`, changedSession: event.op === 'session' || event.op === 'reserve' };
  }
});

/** withPool's handler, noting when it settled by the container's own clock (a late reply may be the harness's). */
export async function handler(event: ChaosEvent, context: { getRemainingTimeInMillis(): number }): Promise<unknown> {
  try {
    return await pooled(event, context);
  } finally {
    if (doneFile) appendFileSync(doneFile, `${JSON.stringify({ opId: event.opId, at: Date.now() })}\n`);
  }
}
