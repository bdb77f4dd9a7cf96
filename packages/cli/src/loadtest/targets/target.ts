/**
 * What the driver sends load to: Lambda functions in the emulator, or the sample Worker in workerd.
 * A target runs one strategy's code, answers each invocation, says how many containers it has
 * running, and checks afterwards that every acknowledged write is in the database exactly once.
 */
import type postgres from 'postgres';
import type { ErrorKind } from '../metrics.js';

/** One invocation's work: a read of item `itemId` and a write named `writeId`. */
export interface Work {
  writeId: string;
  itemId: number;
}

export interface TargetResult {
  ok: boolean;
  latencyMs: number;
  cold: boolean;
  kind?: ErrorKind;
  /** 'errorType code: message', shortened. */
  error?: string;
}

export interface TargetLoad {
  /** Live containers (Lambda execution environments; the one workerd isolate). */
  containers: number;
  /** Invocations running. */
  busy: number;
  /** Recycled containers whose processes still hold their sockets. */
  lingering: number;
}

export interface LedgerCheck {
  /** Acknowledged writes missing. */
  lost: number;
  /** Writes present more than once. */
  duplicated: number;
  /** Writes present whose invocation failed (the write landed, the answer did not). */
  unacknowledged: number;
}

/** A Worker's outgoing connections per request, against Cloudflare's limit (6 waiting at once). */
export interface ConnectionLimitStats {
  limit: number;
  /** Requests that answered with the counts (every one the Worker answered). */
  requests: number;
  /** Requests that wanted more connections at once than the limit: the extra ones waited. */
  requestsOverLimit: number;
  /** Connections that waited for a free slot. */
  queued: number;
  /** Most connections one request wanted at once (open and waiting). */
  peakWanted: number;
}

export interface LoadTarget {
  invoke(work: Work): Promise<TargetResult>;
  load(): TargetLoad;
  readonly coldStarts: number;
  /** Stops every container; their connections go as the target's runtime would let them go. */
  close(): Promise<void>;
  /**
   * null when the target keeps no ledger (the user's own function). Only writes whose id starts
   * with `run` count: on the user's database the ledger keeps earlier runs' writes.
   */
  verify(admin: postgres.Sql, acknowledged: Set<string>, run: string): Promise<LedgerCheck | null>;
  /** A Worker target's connections per request against Cloudflare's limit. */
  connectionLimit?(): ConnectionLimitStats;
  /**
   * Containers recycled so far, by the id their connections' application_name carries
   * (`lt:<strategy>:<id>`): their sessions last until the server ends them, as on Lambda.
   */
  readonly recycled?: ReadonlySet<string>;
}

/** The container id in an application_name (`lt:<strategy>:<id>[:…]`): the first 12 characters of the environment's id. */
export const containerTag = (environmentId: string) => environmentId.slice(0, 12);

/** Records the containers the emulator recycles, by their tag. */
export function trackRecycled(emulator: { on(event: 'recycle', listener: (fn: string, env: { id: string }) => void): unknown }): Set<string> {
  const recycled = new Set<string>();
  emulator.on('recycle', (_fn, env) => recycled.add(containerTag(env.id)));
  return recycled;
}

/** Compares the writes found (id → times present) with the acknowledged ones. */
export function compareLedger(present: Map<string, number>, acknowledged: Set<string>): LedgerCheck {
  return {
    lost: [...acknowledged].filter((id) => !present.has(id)).length,
    duplicated: [...present.values()].filter((n) => n > 1).length,
    unacknowledged: [...present.keys()].filter((id) => !acknowledged.has(id)).length,
  };
}

/** A response body as JSON, or undefined when it is not JSON. */
export function safeJson(text: string | undefined): Record<string, unknown> | undefined {
  try {
    return text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
