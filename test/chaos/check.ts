import type { AdminSql } from '../support/db.js';
import type { History } from '../support/ledger.js';
import type { RowValues, Writes } from './events.js';
import { type ProbeReport, leftovers } from './probe.js';

/**
 * The soak's checks of what was written and of what invocations found in their sessions.
 *
 * The ledger: each operation of the history owns ledger rows (events.ts). Against the rows found:
 *
 *   ok               → every row exactly once
 *   failed           → no row at all (notApplied, or the server rejected it)
 *   outcome-unknown  → every row at most once
 *   any outcome      → all rows or none (a transaction or batch is atomic)
 *   any outcome      → no undone row (work a savepoint rolled back, or a refused one)
 *   a row with expected values carries them (an enum, a timestamptz with its offset, a tenant key)
 *   no operation is refused by a statement prepared before a schema change (STALE_STATEMENT, or the
 *   server's XX000 "cache lookup failed for type", 0A000 "cached plan must not change result type")
 *
 * plus rows nobody issued (phantoms) and errors outside the contract (neither notApplied, nor
 * OUTCOME_UNKNOWN, nor a server error). Every breach adds a line to `violations`.
 *
 * The sessions: a probe that found anything not at its default saw state an earlier invocation
 * left in the session (probe.ts).
 */
export interface LedgerFindings {
  ok: number;
  failed: number;
  unknown: number;
  /** outcome-unknown operations whose rows are there. */
  unknownApplied: number;
  duplicated: number;
  lost: number;
  /** Rows of failed operations, and undone rows of any operation, that are there. */
  failedButPresent: number;
  halfApplied: number;
  wrongValue: number;
  staleStatement: number;
  phantom: number;
  outsideContract: number;
  violations: string[];
}

interface Found {
  n: number;
  values: RowValues[];
}

export async function checkParts(admin: AdminSql, history: History, writes: Map<string, Writes>): Promise<LedgerFindings> {
  const rows = await admin<{ run_id: string; tag: string | null; stamp: number | null; tenant: string | null }[]>`
    select run_id, tag::text as tag, extract(epoch from stamp)::float8 as stamp, tenant from ledger where run_id like ${history.prefix + '%'}`;
  const found = new Map<string, Found>();
  for (const r of rows) {
    const entry = found.get(r.run_id) ?? { n: 0, values: [] };
    entry.n++;
    entry.values.push({ tag: r.tag as RowValues['tag'], stamp: r.stamp, tenant: r.tenant });
    found.set(r.run_id, entry);
  }
  const findings: LedgerFindings = {
    ok: 0, failed: 0, unknown: 0, unknownApplied: 0, duplicated: 0, lost: 0, failedButPresent: 0, halfApplied: 0, wrongValue: 0, staleStatement: 0, phantom: 0,
    outsideContract: history.unclassified.length,
    violations: history.unclassified.map((u) => `error outside the contract: ${u}`),
  };
  const issued = new Set<string>();
  for (const op of history.ops) {
    const { rows: names, undone, values, what: work } = writes.get(op.opId) ?? { what: '?', rows: [], undone: [], values: new Map<string, RowValues>() };
    for (const name of [...names, ...undone]) issued.add(name);
    const n = names.map((name) => found.get(name)?.n ?? 0);
    const what = `${op.opId} ${work} (${op.outcome}${op.code ? ` ${op.code}` : ''})`;
    if (op.outcome === 'ok') findings.ok++;
    else if (op.outcome === 'failed') findings.failed++;
    else findings.unknown++;
    if (isStaleStatement(op.code, op.message)) {
      findings.staleStatement++;
      findings.violations.push(`${what}: refused by a statement prepared before a schema change: ${op.message ?? ''}`);
    }
    for (const name of undone) {
      if (!found.has(name)) continue;
      findings.failedButPresent++;
      findings.violations.push(`${what}: ${name} is there, but its savepoint was rolled back or refused`);
    }
    for (const [name, expected] of values) {
      for (const actual of found.get(name)?.values ?? []) {
        const wrong = differences(expected, actual);
        if (wrong.length === 0) continue;
        findings.wrongValue++;
        findings.violations.push(`${what}: ${name} written with ${wrong.join(', ')}`);
      }
    }
    if (n.length === 0) continue;
    if (n.some((c) => c > 1)) {
      findings.duplicated++;
      findings.violations.push(`${what}: rows ${n.join('/')}, written more than once`);
    }
    if (n.some((c) => c !== n[0])) {
      findings.halfApplied++;
      findings.violations.push(`${what}: rows ${n.join('/')}, half applied`);
    }
    if (op.outcome === 'ok' && n.some((c) => c === 0)) {
      findings.lost++;
      findings.violations.push(`${what}: reported ok, rows ${n.join('/')}`);
    }
    if (op.outcome === 'failed' && n.some((c) => c > 0)) {
      findings.failedButPresent++;
      findings.violations.push(`${what}: reported not applied, rows ${n.join('/')}: ${op.message ?? ''}`);
    }
    if (op.outcome === 'outcome-unknown' && n.every((c) => c === 1)) findings.unknownApplied++;
  }
  for (const name of found.keys()) {
    if (issued.has(name)) continue;
    findings.phantom++;
    findings.violations.push(`${name} is in the ledger but no operation wrote it`);
  }
  return findings;
}

function isStaleStatement(code: string | undefined, message = ''): boolean {
  return code === 'STALE_STATEMENT' || (code === 'XX000' && message.startsWith('cache lookup failed for type')) || (code === '0A000' && message.startsWith('cached plan must not change result type'));
}

/** `field expected → actual` for each expected field the row does not carry. */
function differences(expected: RowValues, actual: RowValues): string[] {
  const wrong: string[] = [];
  for (const field of ['tag', 'stamp', 'tenant'] as const) {
    if (!(field in expected) || expected[field] === actual[field]) continue;
    wrong.push(`${field} ${JSON.stringify(actual[field])} instead of ${JSON.stringify(expected[field])}`);
  }
  return wrong;
}

export interface StateFindings {
  /** Session probes that ran (an invocation's probe fails with its connection sometimes). */
  probes: number;
  /** Probes that found state an earlier invocation left. */
  seen: number;
  violations: string[];
}

export function checkState(reports: readonly ProbeReport[]): StateFindings {
  const findings: StateFindings = { probes: reports.length, seen: 0, violations: [] };
  for (const report of reports) {
    const left = leftovers(report.seen);
    if (left.length === 0) continue;
    findings.seen++;
    findings.violations.push(`state seen by a later invocation: ${report.opId} found ${left.join(', ')} (after ${report.after})`);
  }
  return findings;
}
