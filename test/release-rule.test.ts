import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../packages/gateway/src/index.js';
import { createPool, type Pool } from '../src/index.http.js';
import { withPool } from '../src/lambda/index.js';
import { adminClient, terminateBackend, uniqueName, type AdminSql } from './support/db.js';
import { adminUrl, databaseUrl } from './support/env.js';
import { startTestGateway } from './gateway-support.js';

// The release rule: a connection goes back to the pool only when the server's last ReadyForQuery
// said idle outside a transaction. Each case is an invocation past its deadline with `max: 1`, so
// the next invocation gets the very same connection; another session checks what was committed.

/** Lambda's remaining time and the margin kept back: the deadline is 400 ms into the invocation. */
const REMAINING_MS = 900;
const MARGIN_MS = 500;
const DEADLINE_MS = REMAINING_MS - MARGIN_MS;

let gw: Gateway;
let admin: AdminSql;
const table = uniqueName('release_rule');
const pools: Pool[] = [];

beforeAll(async () => {
  gw = await startTestGateway();
  admin = adminClient(adminUrl());
  await admin.unsafe(`create table ${table} (v text primary key)`);
  await admin.unsafe(`grant all on ${table} to public`);
});

afterAll(async () => {
  await Promise.all(pools.map((p) => p.end()));
  await admin.unsafe(`drop table if exists ${table}`);
  await admin.end();
  await gw.close();
});

/** Values committed so far with this prefix, as another session sees them. */
async function committed(prefix: string): Promise<string[]> {
  const rows = await admin.unsafe(`select v from ${table} where v like $1 order by v`, [`${prefix}%`]);
  return rows.map((r) => r.v as string);
}

/** Waits until the invocation that started at `startedAt` is past its deadline. */
function pastDeadline(startedAt: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, startedAt + DEADLINE_MS + 30 - Date.now())));
}

type Transport = 'tcp' | 'websocket';

function setup(transport: Transport) {
  const appName = uniqueName(`rr_${transport === 'tcp' ? 'tcp' : 'ws'}`);
  const db = createPool({
    connectionString: databaseUrl(),
    transport,
    ...(transport === 'websocket' ? { wsProxy: `ws://${gw.wsProxy}` } : {}),
    applicationName: appName,
    max: 1,
    // The next invocation must get the connection as it was left, without a validation ping.
    validateAfterIdleMs: 60_000,
  });
  pools.push(db);
  /** One Lambda invocation; `fn` gets the time the invocation started. */
  const invoke = <R>(fn: (startedAt: number) => PromiseLike<R>): Promise<R> => {
    const startedAt = Date.now();
    return withPool(db, async () => fn(startedAt), { deadlineMarginMs: MARGIN_MS })({}, { getRemainingTimeInMillis: () => REMAINING_MS });
  };
  const insert = (v: string) => db.query(`insert into ${table} values ($1)`, [v]);
  const backendPid = async () => {
    const rows = await admin`select pid from pg_stat_activity where application_name like ${appName + ':%'}`;
    expect(rows).toHaveLength(1);
    return rows[0].pid as number;
  };
  return { db, invoke, insert, backendPid };
}

describe.each<Transport>(['tcp', 'websocket'])('the release rule over %s', (transport) => {
  it('rolls back a transaction still open at the deadline: its write never commits, the next ones are visible at once', async () => {
    const p = `${transport}-a-`;
    const { db, invoke, insert } = setup(transport);
    const error = await invoke((startedAt) => db.transaction(async (tx) => {
      await tx.query(`insert into ${table} values ($1)`, [`${p}A`]);
      await pastDeadline(startedAt);
    })).then(() => null, (e) => e);
    expect(error).toMatchObject({ code: 'DEADLINE_EXCEEDED', notApplied: true });
    await invoke(() => insert(`${p}B`));
    expect(await committed(p)).toEqual([`${p}B`]);
    await invoke(() => db.transaction((tx) => tx.query(`insert into ${table} values ($1)`, [`${p}C`])));
    expect(await committed(p)).toEqual([`${p}B`, `${p}C`]);
    // Rolled back and kept: the server confirmed it idle.
    expect(db.stats()).toMatchObject({ created: 1, releaseRollbacks: 1 });
  });

  it('keeps a write reported ok after such a transaction when the backend then dies', async () => {
    const p = `${transport}-b-`;
    const { db, invoke, insert, backendPid } = setup(transport);
    await invoke((startedAt) => db.transaction(async (tx) => {
      await tx.query(`insert into ${table} values ($1)`, [`${p}A`]);
      await pastDeadline(startedAt);
    })).catch(() => {});
    await invoke(() => insert(`${p}B`));
    await terminateBackend(admin, await backendPid());
    expect(await committed(p)).toEqual([`${p}B`]);
    await invoke(() => db.sql`select 1`);
  });

  it('never commits half a transaction whose second statement came after the deadline', async () => {
    const p = `${transport}-h-`;
    const { db, invoke } = setup(transport);
    const error = await invoke((startedAt) => db.transaction(async (tx) => {
      await tx.query(`insert into ${table} values ($1)`, [`${p}1`]);
      await pastDeadline(startedAt);
      await tx.query(`insert into ${table} values ($1)`, [`${p}2`]);
    })).then(() => null, (e) => e);
    expect(error).toMatchObject({ code: 'DEADLINE_EXCEEDED', notApplied: true });
    await invoke(() => db.transaction((tx) => tx.query(`insert into ${table} values ($1)`, [`${p}C`])));
    expect(await committed(p)).toEqual([`${p}C`]);
  });

  it('leaves no aborted transaction behind after a statement cut at the deadline', async () => {
    const p = `${transport}-f-`;
    const { db, invoke } = setup(transport);
    const error = await invoke(() => db.transaction(async (tx) => {
      await tx.query(`insert into ${table} values ($1)`, [`${p}F`]);
      await tx.sql`select pg_sleep(5)`;
    })).then(() => null, (e) => e);
    expect(error).toMatchObject({ code: 'DEADLINE_EXCEEDED', notApplied: true });
    for (let i = 0; i < 3; i++) expect(await invoke(() => db.sql`select 1 as one`)).toEqual([{ one: 1 }]);
    expect(await committed(p)).toEqual([]);
  });

  it('rolls back a batch cut at the deadline before the next invocation', async () => {
    const p = `${transport}-batch-`;
    const { db, invoke, insert } = setup(transport);
    const error = await invoke(() => db.batch([db.query(`insert into ${table} values ($1)`, [`${p}X`]), db.sql`select pg_sleep(5)`])).then(() => null, (e) => e);
    expect(error).toMatchObject({ code: 'DEADLINE_EXCEEDED', notApplied: true });
    await invoke(() => insert(`${p}Y`));
    expect(await committed(p)).toEqual([`${p}Y`]);
  });

  it('reads the transaction state from the server: a BEGIN sent by hand is rolled back on release', async () => {
    const p = `${transport}-manual-`;
    const { db, invoke, insert } = setup(transport);
    await invoke(() => db.sql`begin`);
    await invoke(() => insert(`${p}B`));
    expect(await committed(p)).toEqual([`${p}B`]);
    expect(db.stats()).toMatchObject({ open: 1, idle: 1 });
  });
});
