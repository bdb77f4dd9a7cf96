import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkParts } from './chaos/check.js';
import { type AdminSql, adminClient } from './support/db.js';
import { adminUrl } from './support/env.js';
import { History, LEDGER_DDL } from './support/ledger.js';

// The soak's ledger check must catch each kind of breach: a history and ledger rows made by hand.

let admin: AdminSql;
beforeAll(async () => {
  admin = adminClient(adminUrl());
  await admin.unsafe(LEDGER_DDL);
});
afterAll(() => admin?.end());

async function insertRows(names: string[]): Promise<void> {
  for (const name of names) await admin`insert into ledger (run_id) values (${name})`;
}

describe('the chaos ledger check', () => {
  it('passes a history whose rows match every outcome', async () => {
    const history = new History('check-clean');
    const parts = new Map<string, string[]>();
    const [write, tx, unknown, failed, read] = [1, 2, 3, 4, 5].map(() => history.nextId());
    parts.set(write, [write]).set(tx, [`${tx}.1`, `${tx}.2`]).set(unknown, [unknown]).set(failed, [failed]).set(read, []);
    await insertRows([write, `${tx}.1`, `${tx}.2`, unknown]);
    history.ok(write);
    history.ok(tx);
    history.error(unknown, { code: 'OUTCOME_UNKNOWN' });
    history.error(failed, { code: 'DEADLINE_EXCEEDED', notApplied: true });
    history.ok(read, 'read');
    const found = await checkParts(admin, history, parts);
    expect(found.violations).toEqual([]);
    expect(found).toMatchObject({ ok: 3, failed: 1, unknown: 1, unknownApplied: 1 });
  });

  it('finds lost, doubled, notApplied-but-present, half-applied and phantom rows and errors outside the contract', async () => {
    const history = new History('check-breach');
    const parts = new Map<string, string[]>();
    const [lost, doubled, failedPresent, half, odd] = [1, 2, 3, 4, 5].map(() => history.nextId());
    parts.set(lost, [lost]).set(doubled, [doubled]).set(failedPresent, [`${failedPresent}.1`, `${failedPresent}.2`]).set(half, [`${half}.1`, `${half}.2`]).set(odd, [odd]);
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
});
