import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkParts, checkState } from './chaos/check.js';
import { type KeyedResult, STAMP_EPOCH_S, type RowValues, type Writes } from './chaos/events.js';
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

describe('the chaos keyed check (every delivery of a key against its one row)', () => {
  const keyed = (key: string): Writes => ({ ...writes([]), key });
  /** Inserts rows named `key`, returning their ids. */
  async function keyRows(key: string, n: number): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) ids.push((await admin`insert into ledger (run_id) values (${key}) returning id::text as id`)[0]!.id as string);
    return ids;
  }

  it('passes keys applied once, whatever the deliveries said, and lists OUTCOME_UNKNOWN with its reason', async () => {
    const history = new History('check-keyed-clean');
    const parts = new Map<string, Writes>();
    const results = new Map<string, KeyedResult>();
    const [a1, a2, a3, b1, c1, c2] = [1, 2, 3, 4, 5, 6].map(() => history.nextId());
    const [a, b, c] = [`${a1}.key`, `${b1}.key`, `${c1}.key`];
    for (const [op, key] of [[a1, a], [a2, a], [a3, a], [b1, b], [c1, c], [c2, c]] as const) parts.set(op, keyed(key));
    const [idA] = await keyRows(a, 1);
    // a: done, then a repeat that got the stored result, then one refused while a ran (IN_PROGRESS).
    history.ok(a1);
    results.set(a1, { id: idA! });
    history.ok(a2);
    results.set(a2, { id: idA! });
    history.error(a3, { code: 'IN_PROGRESS', notApplied: true });
    // b: never applied. c: unknown, then not applied.
    history.error(b1, { code: 'DEADLINE_EXCEEDED', notApplied: true });
    history.error(c1, { code: 'OUTCOME_UNKNOWN', message: 'the lookup failed: CONNECT_FAILED' });
    history.error(c2, { code: 'CONNECTION_LOST', notApplied: true });
    const found = await checkParts(admin, history, parts, results);
    expect(found.violations).toEqual([]);
    expect(found.keyed).toMatchObject({ keys: 3, deliveries: 6, redelivered: 2, ok: 2, duplicated: 0, lost: 0, failedButPresent: 0, wrongResult: 0 });
    expect(found.keyed.unknown.map((op) => [op.opId, op.message])).toEqual([[c1, 'the lookup failed: CONNECT_FAILED']]);
    expect(found.phantom).toBe(0);
  });

  it('finds a key applied twice, a key reported done without its row, a row whose every delivery failed, and a wrong returned id', async () => {
    const history = new History('check-keyed-breach');
    const parts = new Map<string, Writes>();
    const results = new Map<string, KeyedResult>();
    const [twice1, twice2, lost1, failed1, failed2, wrong1, wrong2] = [1, 2, 3, 4, 5, 6, 7].map(() => history.nextId());
    const [twice, lost, failed, wrong] = [`${twice1}.key`, `${lost1}.key`, `${failed1}.key`, `${wrong1}.key`];
    for (const [op, key] of [[twice1, twice], [twice2, twice], [lost1, lost], [failed1, failed], [failed2, failed], [wrong1, wrong], [wrong2, wrong]] as const) parts.set(op, keyed(key));
    const ids = await keyRows(twice, 2);
    await keyRows(failed, 1);
    const [idWrong] = await keyRows(wrong, 1);
    history.ok(twice1);
    results.set(twice1, { id: ids[0]! });
    history.ok(twice2);
    results.set(twice2, { id: ids[1]! });
    history.ok(lost1);
    results.set(lost1, { id: '1' });
    history.error(failed1, { code: 'IN_PROGRESS', notApplied: true });
    history.error(failed2, { code: 'CONNECTION_LOST', notApplied: true });
    history.ok(wrong1);
    results.set(wrong1, { id: idWrong! });
    // A repeat that ran the work again would return a new id (and leave a second row; here only the id).
    history.ok(wrong2);
    results.set(wrong2, { id: `${idWrong}0` });
    const found = await checkParts(admin, history, parts, results);
    expect(found.keyed).toMatchObject({ duplicated: 1, lost: 1, failedButPresent: 1, wrongResult: 1 });
    expect(found.violations).toHaveLength(4);
    expect(found.phantom).toBe(0);
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
