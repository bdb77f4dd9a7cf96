import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, type Pool } from '../src/index.js';
import { withPool } from '../src/lambda/index.js';
import { adminClient, uniqueName, type AdminSql } from './support/db.js';
import { adminUrl, databaseUrl } from './support/env.js';

// A deploy runs DDL while containers stay warm with prepared statements of the old schema. The
// next invocations must work on the new schema: a statement the server refuses as stale is sent
// again on a new session, and nothing is written through a stale plan. Inside db.transaction it
// cannot be: the transaction fails with STALE_STATEMENT, certainly not committed, and `retries`
// runs it again on a new connection.

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

function warmPool(): { db: Pool; invoke: <R>(fn: () => PromiseLike<R>) => Promise<R> } {
  const db = createPool({ connectionString: databaseUrl(), applicationName: uniqueName('ddl'), max: 1 });
  pools.push(db);
  return { db, invoke: (fn) => withPool(db, async () => fn())({}, context) };
}

describe('after DDL while the container is warm', () => {
  it('writes to an enum dropped and created again (a stale type in the prepared statement)', async () => {
    const type = uniqueName('mood');
    const table = uniqueName('moods');
    const create = async (labels: string) => {
      await admin.unsafe(`create type ${type} as enum (${labels})`);
      await admin.unsafe(`create table ${table} (v ${type})`);
      await admin.unsafe(`grant all on ${table} to public`);
    };
    await create(`'happy', 'sad'`);
    const { db, invoke } = warmPool();
    const insert = (v: string) => invoke(() => db.query(`insert into ${table} (v) values ($1)`, [v]));
    await insert('happy');
    await insert('sad');
    await admin.unsafe(`drop table ${table}`);
    await admin.unsafe(`drop type ${type}`);
    await create(`'happy', 'sad', 'ok'`);
    await insert('ok');
    await insert('happy');
    expect((await admin.unsafe(`select v::text from ${table} order by v`)).map((r) => r.v)).toEqual(['happy', 'ok']);
    expect(db.stats()).toMatchObject({ retries: 1, created: 2 });
    await admin.unsafe(`drop table ${table}`);
    await admin.unsafe(`drop type ${type}`);
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

describe('after DDL while the container is warm, inside a transaction', () => {
  it('writes to an enum dropped and created again', async () => {
    const type = uniqueName('mood');
    const table = uniqueName('moods');
    const create = async () => {
      await admin.unsafe(`create type ${type} as enum ('happy', 'sad')`);
      await admin.unsafe(`create table ${table} (v ${type})`);
      await admin.unsafe(`grant all on ${table} to public`);
    };
    await create();
    const { db, invoke } = warmPool();
    const insert = (v: string, retries = 1) => invoke(() => db.transaction((tx) => tx.query(`insert into ${table} (v) values ($1)`, [v]), { retries }));
    const recreate = async () => {
      await admin.unsafe(`drop table ${table}`);
      await admin.unsafe(`drop type ${type}`);
      await create();
    };
    await insert('happy');
    await recreate();
    await expect(insert('sad', 0)).rejects.toMatchObject({ code: 'STALE_STATEMENT', sqlState: 'XX000', notApplied: true });
    await insert('happy');
    await recreate();
    await expect(insert('sad')).resolves.toBeDefined();
    expect((await admin.unsafe(`select v::text from ${table}`)).map((r) => r.v)).toEqual(['sad']);
    await admin.unsafe(`drop table ${table}`);
    await admin.unsafe(`drop type ${type}`);
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
