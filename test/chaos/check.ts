import type { AdminSql } from '../support/db.js';
import type { History } from '../support/ledger.js';

/**
 * The soak's ledger check. Each operation of the history owns a set of ledger rows (`parts`):
 * none for a read, one for an insert, two for a transaction or batch. Against the rows found:
 *
 *   ok               → every part exactly once
 *   failed           → no part at all (notApplied, or the server rejected it)
 *   outcome-unknown  → every part at most once
 *   any outcome      → all parts or none (a transaction or batch is atomic)
 *
 * plus rows nobody issued (phantoms) and errors outside the contract (neither notApplied, nor
 * OUTCOME_UNKNOWN, nor a server error). Every breach adds a line to `violations`.
 */
export interface LedgerFindings {
  ok: number;
  failed: number;
  unknown: number;
  /** outcome-unknown operations whose rows are there. */
  unknownApplied: number;
  duplicated: number;
  lost: number;
  failedButPresent: number;
  halfApplied: number;
  phantom: number;
  outsideContract: number;
  violations: string[];
}

export async function checkParts(admin: AdminSql, history: History, parts: Map<string, string[]>): Promise<LedgerFindings> {
  const rows = await admin<{ run_id: string; n: number }[]>`select run_id, count(*)::int as n from ledger where run_id like ${history.prefix + '%'} group by run_id`;
  const counts = new Map(rows.map((r) => [r.run_id, r.n]));
  const found: LedgerFindings = {
    ok: 0, failed: 0, unknown: 0, unknownApplied: 0, duplicated: 0, lost: 0, failedButPresent: 0, halfApplied: 0, phantom: 0,
    outsideContract: history.unclassified.length,
    violations: history.unclassified.map((u) => `error outside the contract: ${u}`),
  };
  const issued = new Set<string>();
  for (const op of history.ops) {
    const names = parts.get(op.opId) ?? [];
    for (const name of names) issued.add(name);
    const n = names.map((name) => counts.get(name) ?? 0);
    const what = `${op.opId} (${op.outcome}${op.code ? ` ${op.code}` : ''})`;
    if (op.outcome === 'ok') found.ok++;
    else if (op.outcome === 'failed') found.failed++;
    else found.unknown++;
    if (n.length === 0) continue;
    if (n.some((c) => c > 1)) {
      found.duplicated++;
      found.violations.push(`${what}: rows ${n.join('/')}, written more than once`);
    }
    if (n.some((c) => c !== n[0])) {
      found.halfApplied++;
      found.violations.push(`${what}: rows ${n.join('/')}, half applied`);
    }
    if (op.outcome === 'ok' && n.some((c) => c === 0)) {
      found.lost++;
      found.violations.push(`${what}: reported ok, rows ${n.join('/')}`);
    }
    if (op.outcome === 'failed' && n.some((c) => c > 0)) {
      found.failedButPresent++;
      found.violations.push(`${what}: reported not applied, rows ${n.join('/')}: ${op.message ?? ''}`);
    }
    if (op.outcome === 'outcome-unknown' && n.every((c) => c === 1)) found.unknownApplied++;
  }
  for (const name of counts.keys()) {
    if (issued.has(name)) continue;
    found.phantom++;
    found.violations.push(`${name} is in the ledger but no operation wrote it`);
  }
  return found;
}
