import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, type Pool } from '../src/index.js';
import { withPool } from '../src/lambda/index.js';
import { adminClient, uniqueName, type AdminSql } from './support/db.js';
import { adminUrl, databaseUrl } from './support/env.js';

// A deploy runs DDL while containers stay warm. The next invocations must work on the new schema.
// By default every statement is unnamed and typed by the server at each use: nothing can be stale.
// With `prepare: true` a statement the server refuses as stale is sent again on a new session, and
// nothing is written through a stale plan; inside db.transaction it cannot be: the transaction
// fails with STALE_STATEMENT, certainly not committed, and `retries` runs it again on a new connection.

let admin: AdminSql;
const pools: Pool[] = [];
const context = { getRemainingTimeInMillis: () => 10_000 };

beforeAll(() => {
  admin = adminClient(adminUrl());
});

afterAll(async () => {
  await Promise.all(pools.map((p) => p.end()));
  await admin.end();
});

function warmPool(prepare = true): { db: Pool; invoke: <R>(fn: () => PromiseLike<R>) => Promise<R> } {
  const db = createPool({ connectionString: databaseUrl(), applicationName: uniqueName('ddl'), max: 1, prepare });
  pools.push(db);
  return { db, invoke: (fn) => withPool(db, async () => fn())({}, context) };
}

/** An enum type `type` with `labels`, and a table of it, as another client's migration makes them. */
async function createEnumTable(type: string, table: string, labels: string): Promise<void> {
  await admin.unsafe(`create type ${type} as enum (${labels})`);
  await admin.unsafe(`create table ${table} (v ${type})`);
  await admin.unsafe(`grant all on ${table} to public`);
}

async function dropEnumTable(type: string, table: string): Promise<void> {
  await admin.unsafe(`drop table ${table}`);
  await admin.unsafe(`drop type ${type}`);
}

describe('after DDL while the container is warm, with unnamed statements (the default)', () => {
  it('writes to an enum dropped and created again on the same connection, nothing refused', async () => {
    const type = uniqueName('mood');
    const table = uniqueName('moods');
    await createEnumTable(type, table, `'happy', 'sad'`);
    const { db, invoke } = warmPool(false);
    const insert = (v: string) => invoke(() => db.query(`insert into ${table} (v) values ($1)`, [v]));
    const insertInTransaction = (v: string) => invoke(() => db.transaction((tx) => tx.query(`insert into ${table} (v) values ($1)`, [v])));
    await insert('happy');
    await insertInTransaction('sad');
    await dropEnumTable(type, table);
    await createEnumTable(type, table, `'happy', 'sad', 'ok'`);
    await insert('ok');
    await insertInTransaction('happy');
    expect((await admin.unsafe(`select v::text from ${table} order by v`)).map((r) => r.v)).toEqual(['happy', 'ok']);
    expect(db.stats()).toMatchObject({ retries: 0, created: 1 });
    await dropEnumTable(type, table);
  });
});

describe('after DDL while the container is warm, the same statement text reads the new columns', () => {
  it.each([false, true])('with prepare: %s, a column added, and one whose type changed, are parsed by their new types', async (prepare) => {
    const table = uniqueName('reshaped');
    await admin.unsafe(`create table ${table} (id int, v int)`);
    await admin.unsafe(`grant all on ${table} to public`);
    await admin.unsafe(`insert into ${table} values (1, 5)`);
    const { db, invoke } = warmPool(prepare);
    const read = () => invoke(async () => [...(await db.query(`select * from ${table}`))]);
    expect(await read()).toEqual([{ id: 1, v: 5 }]);
    await admin.unsafe(`alter table ${table} add column name text default 'x'`);
    expect(await read()).toEqual([{ id: 1, v: 5, name: 'x' }]);
    await admin.unsafe(`alter table ${table} drop column v`);
    await admin.unsafe(`alter table ${table} add column v text default '5'`);
    // Same names, same count as before the drop; v is text now and stays a string.
    await admin.unsafe(`alter table ${table} drop column name`);
    expect(await read()).toEqual([{ id: 1, v: '5' }]);
    await admin.unsafe(`drop table ${table}`);
  });
});

describe('after DDL while the container is warm, with prepare: true', () => {
  it('writes to an enum dropped and created again (a stale type in the prepared statement)', async () => {
    const type = uniqueName('mood');
    const table = uniqueName('moods');
    await createEnumTable(type, table, `'happy', 'sad'`);
    const { db, invoke } = warmPool();
    const insert = (v: string) => invoke(() => db.query(`insert into ${table} (v) values ($1)`, [v]));
    await insert('happy');
    await insert('sad');
    await dropEnumTable(type, table);
    await createEnumTable(type, table, `'happy', 'sad', 'ok'`);
    await insert('ok');
    await insert('happy');
    expect((await admin.unsafe(`select v::text from ${table} order by v`)).map((r) => r.v)).toEqual(['happy', 'ok']);
    expect(db.stats()).toMatchObject({ retries: 1, created: 2 });
    await dropEnumTable(type, table);
  });

  it('reads a column added after the statement was prepared', async () => {
    const table = uniqueName('widened');
    await admin.unsafe(`create table ${table} (id int)`);
    await admin.unsafe(`grant all on ${table} to public`);
    await admin.unsafe(`insert into ${table} values (1)`);
    const { db, invoke } = warmPool();
    const read = () => invoke(() => db.query(`select * from ${table}`));
    expect([...(await read())]).toEqual([{ id: 1 }]);
    await admin.unsafe(`alter table ${table} add column name text default 'x'`);
    expect([...(await read())]).toEqual([{ id: 1, name: 'x' }]);
    await admin.unsafe(`drop table ${table}`);
  });

  it('closes a session where the handler ran DEALLOCATE ALL, so the next invocation prepares afresh', async () => {
    const { db, invoke } = warmPool();
    const read = () => invoke(() => db.query('select $1::int + 1 as n', [1]));
    expect([...(await read())]).toEqual([{ n: 2 }]);
    await invoke(() => db.query('deallocate all'));
    expect([...(await read())]).toEqual([{ n: 2 }]);
    expect(db.stats()).toMatchObject({ created: 2 });
  });
});

describe('after DDL while the container is warm, inside a transaction, with prepare: true', () => {
  it('writes to an enum dropped and created again', async () => {
    const type = uniqueName('mood');
    const table = uniqueName('moods');
    const create = () => createEnumTable(type, table, `'happy', 'sad'`);
    await create();
    const { db, invoke } = warmPool();
    const insert = (v: string, retries = 1) => invoke(() => db.transaction((tx) => tx.query(`insert into ${table} (v) values ($1)`, [v]), { retries }));
    const recreate = async () => {
      await dropEnumTable(type, table);
      await create();
    };
    await insert('happy');
    await recreate();
    await expect(insert('sad', 0)).rejects.toMatchObject({ code: 'STALE_STATEMENT', sqlState: 'XX000', notApplied: true });
    await insert('happy');
    await recreate();
    await expect(insert('sad')).resolves.toBeDefined();
    expect((await admin.unsafe(`select v::text from ${table}`)).map((r) => r.v)).toEqual(['sad']);
    await dropEnumTable(type, table);
  });

  it('reads a column added after the statement was prepared', async () => {
    const table = uniqueName('widened');
    await admin.unsafe(`create table ${table} (id int)`);
    await admin.unsafe(`grant all on ${table} to public`);
    await admin.unsafe(`insert into ${table} values (1)`);
    const { db, invoke } = warmPool();
    const read = () => invoke(() => db.transaction((tx) => tx.query(`select * from ${table}`), { retries: 1 }));
    expect([...(await read())]).toEqual([{ id: 1 }]);
    await admin.unsafe(`alter table ${table} add column name text default 'x'`);
    expect([...(await read())]).toEqual([{ id: 1, name: 'x' }]);
    await admin.unsafe(`drop table ${table}`);
  });
});
