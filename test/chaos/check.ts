import type { AdminSql } from '../support/db.js';
import type { History, OpRecord } from '../support/ledger.js';
import type { KeyedResult, RowValues, Writes } from './events.js';
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
 * Keyed work is held to its key, over every delivery of it (checkKeys):
 *
 *   the key's row is there at most once                          (else: applied twice)
 *   a delivery reported ok → the row is there                     (else: lost)
 *   every delivery failed (notApplied or rejected) → no row        (else: failed but present)
 *   a delivery reported ok returned the id of the key's row       (else: wrong result)
 *   OUTCOME_UNKNOWN from the library is counted and listed with its reason (not a breach: a
 *   database out of reach until the deadline leaves it); a SIGKILLed container's is not counted.
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
  keyed: KeyedFindings;
  violations: string[];
}

export interface KeyedFindings {
  /** Distinct keys sent, deliveries of them, and keys delivered more than once. */
  keys: number;
  deliveries: number;
  redelivered: number;
  /** Deliveries reported ok (a first run or a stored result). */
  ok: number;
  /** Keys whose row is there more than once. */
  duplicated: number;
  /** Keys with a delivery reported ok and no row. */
  lost: number;
  /** Keys whose every delivery failed, with a row. */
  failedButPresent: number;
  /** Deliveries reported ok whose returned id is not the key's row's. */
  wrongResult: number;
  /** Deliveries the library ended OUTCOME_UNKNOWN. */
  unknown: OpRecord[];
  /** Error codes of the deliveries that failed. */
  codes: Record<string, number>;
}

interface Found {
  n: number;
  ids: string[];
  values: RowValues[];
}

export async function checkParts(admin: AdminSql, history: History, writes: Map<string, Writes>, results: ReadonlyMap<string, KeyedResult> = new Map()): Promise<LedgerFindings> {
  const rows = await admin<{ id: string; run_id: string; tag: string | null; stamp: number | null; tenant: string | null }[]>`
    select id::text as id, run_id, tag::text as tag, extract(epoch from stamp)::float8 as stamp, tenant from ledger where run_id like ${history.prefix + '%'}`;
  const found = new Map<string, Found>();
  for (const r of rows) {
    const entry = found.get(r.run_id) ?? { n: 0, ids: [], values: [] };
    entry.n++;
    entry.ids.push(r.id);
    entry.values.push({ tag: r.tag as RowValues['tag'], stamp: r.stamp, tenant: r.tenant });
    found.set(r.run_id, entry);
  }
  const findings: LedgerFindings = {
    ok: 0, failed: 0, unknown: 0, unknownApplied: 0, duplicated: 0, lost: 0, failedButPresent: 0, halfApplied: 0, wrongValue: 0, staleStatement: 0, phantom: 0,
    outsideContract: history.unclassified.length,
    keyed: { keys: 0, deliveries: 0, redelivered: 0, ok: 0, duplicated: 0, lost: 0, failedButPresent: 0, wrongResult: 0, unknown: [], codes: {} },
    violations: history.unclassified.map((u) => `error outside the contract: ${u}`),
  };
  const issued = new Set<string>();
  const byKey = new Map<string, OpRecord[]>();
  for (const op of history.ops) {
    const { rows: names, undone, values, what: work, key } = writes.get(op.opId) ?? { what: '?', rows: [], undone: [], values: new Map<string, RowValues>() };
    for (const name of [...names, ...undone]) issued.add(name);
    if (key !== undefined) {
      issued.add(key);
      byKey.set(key, [...(byKey.get(key) ?? []), op]);
    }
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
  checkKeys(byKey, found, results, findings);
  for (const name of found.keys()) {
    if (issued.has(name)) continue;
    findings.phantom++;
    findings.violations.push(`${name} is in the ledger but no operation wrote it`);
  }
  return findings;
}

/** The keyed checks: each key's row against every delivery of the key. */
function checkKeys(byKey: Map<string, OpRecord[]>, found: Map<string, Found>, results: ReadonlyMap<string, KeyedResult>, findings: LedgerFindings): void {
  const keyed = findings.keyed;
  for (const [key, ops] of byKey) {
    keyed.keys++;
    keyed.deliveries += ops.length;
    if (ops.length > 1) keyed.redelivered++;
    const row = found.get(key);
    const n = row?.n ?? 0;
    const outcomes = ops.map((op) => `${op.opId} ${op.outcome}${op.code ? ` ${op.code}` : ''}`).join(', ');
    const ok = ops.filter((op) => op.outcome === 'ok');
    keyed.ok += ok.length;
    if (n > 1) {
      keyed.duplicated++;
      findings.violations.push(`keyed ${key}: its row is there ${n} times, applied more than once (deliveries: ${outcomes})`);
    }
    if (ok.length > 0 && n === 0) {
      keyed.lost++;
      findings.violations.push(`keyed ${key}: reported done, no row (deliveries: ${outcomes})`);
    }
    if (ops.every((op) => op.outcome === 'failed') && n > 0) {
      keyed.failedButPresent++;
      findings.violations.push(`keyed ${key}: every delivery reported not applied, the row is there (deliveries: ${outcomes})`);
    }
    // With no row or several, the key already failed above.
    for (const op of n === 1 ? ok : []) {
      const id = results.get(op.opId)?.id;
      if (id === row!.ids[0]) continue;
      keyed.wrongResult++;
      findings.violations.push(`keyed ${key}: ${op.opId} returned id ${JSON.stringify(id)}, the key's row has id ${row!.ids[0]}`);
    }
    for (const op of ops) {
      if (op.code) keyed.codes[op.code] = (keyed.codes[op.code] ?? 0) + 1;
      if (op.code === 'OUTCOME_UNKNOWN') keyed.unknown.push(op);
    }
  }
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
