import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type postgres from 'postgres';
import { expect } from 'vitest';

/**
 * A write ledger that detects duplicated writes instead of masking them: the table has no unique
 * constraint, every write inserts one row carrying its operation id, and the client keeps its own
 * history of what each operation reported (ok | failed | outcome-unknown). The checker then holds
 * the library to its promises:
 *
 *   ok               → the row is there exactly once
 *   failed           → the row is not there
 *   outcome-unknown  → zero or one row, never two
 *
 * A row whose id the client never issued, or an error the library's contract does not allow
 * (neither notApplied, nor OUTCOME_UNKNOWN, nor a server error), is a violation too.
 */

export type Outcome = 'ok' | 'failed' | 'outcome-unknown';

/** The error fields a container reply or a thrown WarmpoolError carries. */
export interface ErrorLike {
  name?: string;
  code?: string;
  message?: string;
  notApplied?: boolean;
}

export interface OpRecord {
  opId: string;
  outcome: Outcome;
  code?: string;
  message?: string;
  /** Reads count as invocations but are not looked up in the ledger. */
  kind: 'write' | 'read';
  /** Wall clock when the operation started and ended (set by History.run). */
  startedAt?: number;
  endedAt?: number;
}

/** The table every ledger write goes to; the same shape test/support/ledger-handler.ts writes. */
export const LEDGER_DDL = 'create table if not exists ledger (id bigserial, run_id text not null, at timestamptz not null default clock_timestamp())';

let sequence = 0;

export class History {
  readonly ops: OpRecord[] = [];
  /** Errors outside the contract: each is a violation. */
  readonly unclassified: string[] = [];
  /** Every operation id of this history starts with it. */
  readonly prefix: string;

  constructor(readonly scenario: string) {
    this.prefix = `op-${scenario.replace(/[^a-z0-9]+/gi, '_').slice(0, 24)}-${Math.random().toString(36).slice(2, 7)}-`;
  }

  /** A fresh operation id; ids start with 'op-', which the fault proxy tracks. */
  nextId(): string {
    return `${this.prefix}${++sequence}`;
  }

  ok(opId: string, kind: 'write' | 'read' = 'write'): void {
    this.ops.push({ opId, outcome: 'ok', kind });
  }

  /** Records an error as the library reported it. */
  error(opId: string, error: ErrorLike | undefined, kind: 'write' | 'read' = 'write'): Outcome {
    // An idempotent read that failed twice surfaces CONNECTION_LOST: it changed nothing either way.
    const outcome = classify(error) ?? (kind === 'read' && error?.code ? 'failed' : undefined);
    if (outcome === undefined) {
      this.unclassified.push(`${opId}: ${error?.name} ${error?.code} notApplied=${error?.notApplied} ${error?.message ?? ''}`);
      this.ops.push({ opId, outcome: 'outcome-unknown', code: error?.code, message: error?.message, kind });
      return 'outcome-unknown';
    }
    this.ops.push({ opId, outcome, code: error?.code, message: error?.message, kind });
    return outcome;
  }

  /** Runs one operation and records how it ended. */
  async run(opId: string, op: () => PromiseLike<unknown>, kind: 'write' | 'read' = 'write'): Promise<Outcome> {
    const startedAt = Date.now();
    let outcome: Outcome;
    try {
      await op();
      this.ok(opId, kind);
      outcome = 'ok';
    } catch (err) {
      outcome = this.error(opId, err as ErrorLike, kind);
    }
    Object.assign(this.ops[this.ops.length - 1], { startedAt, endedAt: Date.now() });
    return outcome;
  }

  /** Records a container invocation's reply. */
  outcome(opId: string, reply: { ok: boolean; error?: ErrorLike }, kind: 'write' | 'read' = 'write'): Outcome {
    if (reply.ok) {
      this.ok(opId, kind);
      return 'ok';
    }
    return this.error(opId, reply.error, kind);
  }

  /** Operations that did not end ok, for readable failures: `expect(history.notOk()).toEqual([])`. */
  notOk(): string[] {
    return this.ops.filter((op) => op.outcome !== 'ok').map((op) => `${op.outcome} ${op.code}: ${op.message}`);
  }

  count(outcome: Outcome): number {
    return this.ops.filter((op) => op.outcome === outcome).length;
  }

  codes(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const op of this.ops) if (op.code) counts[op.code] = (counts[op.code] ?? 0) + 1;
    return counts;
  }
}

/** ok is not an error; failed = certainly no effect; outcome-unknown = may have applied. */
export function classify(error: ErrorLike | undefined): Outcome | undefined {
  if (!error) return undefined;
  if (error.code === 'OUTCOME_UNKNOWN') return 'outcome-unknown';
  if (error.notApplied === true) return 'failed';
  // The server rejected the statement (constraint, read-only, cancelled…): an autocommit
  // statement or a transaction that errors does not apply.
  if (error.name === 'DatabaseError') return 'failed';
  return undefined;
}

export interface LedgerCheck {
  invocations: number;
  ok: number;
  failed: number;
  unknown: number;
  /** outcome-unknown operations whose row is there (once). */
  unknownApplied: number;
  /** Operations with more than one row. */
  duplicates: number;
  /** ok operations without a row. */
  lost: number;
  /** failed operations with a row. */
  failedApplied: number;
  /** Rows whose operation id the client never issued. */
  phantom: number;
  violations: string[];
}

type Sql = postgres.Sql;

/** Compares the client history with the ledger table. */
export async function checkLedger(sql: Sql, history: History): Promise<LedgerCheck> {
  const rows = await sql<{ run_id: string; n: number }[]>`select run_id, count(*)::int as n from ledger where run_id like ${history.prefix + '%'} group by run_id`;
  const counts = new Map(rows.map((r) => [r.run_id, r.n]));
  const check: LedgerCheck = {
    invocations: history.ops.length, ok: 0, failed: 0, unknown: 0, unknownApplied: 0, duplicates: 0, lost: 0, failedApplied: 0, phantom: 0,
    violations: [...history.unclassified.map((u) => `error outside the contract: ${u}`)],
  };
  const issued = new Set<string>();
  for (const op of history.ops) {
    if (issued.has(op.opId)) check.violations.push(`${op.opId} recorded twice in the history`);
    issued.add(op.opId);
    const n = op.kind === 'read' ? 0 : (counts.get(op.opId) ?? 0);
    if (n > 1) {
      check.duplicates++;
      check.violations.push(`${op.opId} (${op.outcome}) is in the ledger ${n} times`);
    }
    if (op.outcome === 'ok') {
      check.ok++;
      if (n === 0 && op.kind === 'write') {
        check.lost++;
        check.violations.push(`${op.opId} reported ok but is not in the ledger`);
      }
    } else if (op.outcome === 'failed') {
      check.failed++;
      if (n > 0) {
        check.failedApplied++;
        check.violations.push(`${op.opId} reported failed (${op.code}) but is in the ledger`);
      }
    } else {
      check.unknown++;
      if (n === 1) check.unknownApplied++;
    }
  }
  for (const id of counts.keys()) {
    if (!issued.has(id)) {
      check.phantom++;
      check.violations.push(`${id} is in the ledger but was never reported by the client`);
    }
  }
  return check;
}

export interface ScenarioRow {
  scenario: string;
  invocations: number;
  ok: number;
  failed: number;
  unknown: number;
  duplicates: number;
  lost: number;
  /** Highest number of connections one container/pool held at once, and its cap. */
  peak: number | null;
  cap: number | null;
  notes?: string;
}

export const REPORT_DIR = fileURLToPath(new URL('../../report/faults/', import.meta.url));

/** Writes one row of the fault table (printed by `npm run test:faults`). */
export function reportScenario(row: ScenarioRow): void {
  mkdirSync(REPORT_DIR, { recursive: true });
  const file = path.join(REPORT_DIR, `${row.scenario.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}.json`);
  // The test file and the time let the printer group and order rows as the files list them.
  const testFile = path.basename(expect.getState().testPath ?? '');
  writeFileSync(file, JSON.stringify({ ...row, testFile, at: Date.now() }, null, 2));
}

/** The row for a scenario whose writes went through the ledger. */
export function rowFrom(scenario: string, check: LedgerCheck, peak: number | null, cap: number | null, notes?: string): ScenarioRow {
  return { scenario, invocations: check.invocations, ok: check.ok, failed: check.failed, unknown: check.unknown, duplicates: check.duplicates, lost: check.lost, peak, cap, notes };
}
