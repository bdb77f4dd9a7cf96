import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkParts, checkState } from './chaos/check.js';
import { STAMP_EPOCH_S, type RowValues, type Writes } from './chaos/events.js';
import type { Probe } from './chaos/probe.js';
import { adminUrl } from './support/env.js';
import { History, LEDGER_DDL } from './support/ledger.js';

// The soak's checks must catch each kind of breach: a history, ledger rows and session probes
// made by hand. The ledger here lives in a schema of its own, with the soak's extra columns.

let admin: postgres.Sql;
beforeAll(async () => {
  admin = postgres(adminUrl(), { max: 1, database: 'warmpool', onnotice: () => {}, connection: { search_path: 'chaos_check' } });
  await admin.unsafe('create schema if not exists chaos_check');
  await admin.unsafe(LEDGER_DDL);
  await admin.unsafe('alter table ledger add column if not exists tag text, add column if not exists stamp timestamptz, add column if not exists tenant text');
});
afterAll(() => admin?.end());

async function insertRows(rows: (string | [string, RowValues])[]): Promise<void> {
  for (const row of rows) {
    const [name, v] = typeof row === 'string' ? [row, {}] : row;
    await admin`insert into ledger (run_id, tag, stamp, tenant) values (${name}, ${v.tag ?? null}, ${v.stamp == null ? null : new Date(v.stamp * 1000)}, ${v.tenant ?? null})`;
  }
}

const writes = (rows: string[], undone: string[] = [], values: [string, RowValues][] = []): Writes => ({ what: 'work', rows, undone, values: new Map(values) });
const clean: Probe = { tenant: null, settings: [], channels: [], locks: 0, temps: 0 };

describe('the chaos ledger check', () => {
  it('passes a history whose rows match every outcome', async () => {
    const history = new History('check-clean');
    const parts = new Map<string, Writes>();
    const [write, tx, unknown, failed, read, savepoints, tagged] = [1, 2, 3, 4, 5, 6, 7].map(() => history.nextId());
    const value: RowValues = { tag: 'red', stamp: STAMP_EPOCH_S, tenant: null };
    parts.set(write, writes([write])).set(tx, writes([`${tx}.1`, `${tx}.2`])).set(unknown, writes([unknown])).set(failed, writes([failed])).set(read, writes([]));
    parts.set(savepoints, writes([`${savepoints}.1`, `${savepoints}.2`], [`${savepoints}.undone`])).set(tagged, writes([tagged], [], [[tagged, value]]));
    await insertRows([write, `${tx}.1`, `${tx}.2`, unknown, `${savepoints}.1`, `${savepoints}.2`, [tagged, value]]);
    history.ok(write);
    history.ok(tx);
    history.error(unknown, { code: 'OUTCOME_UNKNOWN' });
    history.error(failed, { code: 'DEADLINE_EXCEEDED', notApplied: true });
    history.ok(read, 'read');
    history.ok(savepoints);
    history.ok(tagged);
    const found = await checkParts(admin, history, parts);
    expect(found.violations).toEqual([]);
    expect(found).toMatchObject({ ok: 5, failed: 1, unknown: 1, unknownApplied: 1 });
  });

  it('finds lost, doubled, notApplied-but-present, half-applied and phantom rows and errors outside the contract', async () => {
    const history = new History('check-breach');
    const parts = new Map<string, Writes>();
    const [lost, doubled, failedPresent, half, odd] = [1, 2, 3, 4, 5].map(() => history.nextId());
    parts.set(lost, writes([lost])).set(doubled, writes([doubled])).set(failedPresent, writes([`${failedPresent}.1`, `${failedPresent}.2`])).set(half, writes([`${half}.1`, `${half}.2`])).set(odd, writes([odd]));
    await insertRows([doubled, doubled, `${failedPresent}.1`, `${failedPresent}.2`, `${half}.1`, `${history.prefix}never-issued`]);
    history.ok(lost);
    history.ok(doubled);
    history.error(failedPresent, { code: 'DEADLINE_EXCEEDED', notApplied: true });
    history.error(half, { code: 'OUTCOME_UNKNOWN' });
    history.error(odd, { code: 'SOMETHING_ELSE', message: 'neither applied nor unknown' });
    const found = await checkParts(admin, history, parts);
    expect(found).toMatchObject({ lost: 1, duplicated: 1, failedButPresent: 1, halfApplied: 1, phantom: 1, outsideContract: 1 });
    expect(found.violations).toHaveLength(6);
  });

  it('finds the row of a rolled-back savepoint, a row written with a wrong value, and a write refused by a stale prepared statement', async () => {
    const history = new History('check-breach-new');
    const parts = new Map<string, Writes>();
    const [savepoints, tagged, tenant, stale] = [1, 2, 3, 4].map(() => history.nextId());
    parts.set(savepoints, writes([`${savepoints}.1`, `${savepoints}.2`], [`${savepoints}.undone`]));
    parts.set(tagged, writes([tagged], [], [[tagged, { tag: 'red', stamp: STAMP_EPOCH_S }]]));
    parts.set(tenant, writes([tenant], [], [[tenant, { tenant: null }]]));
    parts.set(stale, writes([stale]));
    // The offset dropped from the stamp (stored as 00:00 UTC), and a tenant key another invocation set.
    await insertRows([`${savepoints}.1`, `${savepoints}.2`, `${savepoints}.undone`, [tagged, { tag: 'red', stamp: STAMP_EPOCH_S - 7200 }], [tenant, { tenant: 'someone else' }]]);
    history.ok(savepoints);
    history.ok(tagged);
    history.ok(tenant);
    history.error(stale, { name: 'DatabaseError', code: 'XX000', message: 'cache lookup failed for type 16390' });
    const found = await checkParts(admin, history, parts);
    expect(found).toMatchObject({ failedButPresent: 1, wrongValue: 2, staleStatement: 1, lost: 0, halfApplied: 0 });
    expect(found.violations).toHaveLength(4);
  });
});

describe('the chaos session check', () => {
  it('passes probes that found every value at its default (a tenant key reset to empty included)', () => {
    const found = checkState([
      { opId: 'a', after: 'none', seen: clean },
      { opId: 'b', after: 'session tenant a', seen: { ...clean, tenant: '' } },
    ]);
    expect(found).toEqual({ probes: 2, seen: 0, violations: [] });
  });

  it('counts each probe that found a tenant key, a setting, a channel, an advisory lock or a temp table', () => {
    const found = checkState([
      { opId: 'a', after: 'x', seen: { ...clean, tenant: 'op-1' } },
      { opId: 'b', after: 'x', seen: { ...clean, settings: ['statement_timeout=28765'] } },
      { opId: 'c', after: 'x', seen: { ...clean, channels: ['chaos_channel'] } },
      { opId: 'd', after: 'x', seen: { ...clean, locks: 1 } },
      { opId: 'e', after: 'x', seen: { ...clean, temps: 1, locks: 1 } },
    ]);
    expect(found.seen).toBe(5);
    expect(found.violations[4]).toBe('state seen by a later invocation: e found 1 advisory lock(s), 1 temporary relation(s) (after x)');
  });
});
