import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, type Pool } from '../src/index.js';
import { withPool } from '../src/lambda/index.js';
import { adminClient, uniqueName, type AdminSql } from './support/db.js';
import { adminUrl, databaseUrl } from './support/env.js';

// The same deploy as schema-change.test.ts, seen from inside db.transaction: a warm container's
// prepared statements were planned against the old schema, and the first one of a transaction
// after the DDL is refused as stale. Outside a transaction the pool sends it again on a new
// session; inside one it cannot, and the whole transaction fails.

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
  const db = createPool({ connectionString: databaseUrl(), applicationName: uniqueName('ddl-tx'), max: 1 });
  pools.push(db);
  return { db, invoke: (fn) => withPool(db, async () => fn())({}, context) };
}

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
    const insert = (v: string) => invoke(() => db.transaction((tx) => tx.query(`insert into ${table} (v) values ($1)`, [v])));
    await insert('happy');
    await admin.unsafe(`drop table ${table}`);
    await admin.unsafe(`drop type ${type}`);
    await create();
    // Today: DatabaseError XX000 "cache lookup failed for type …", the transaction rolled back.
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
    const read = () => invoke(() => db.transaction((tx) => tx.query(`select * from ${table}`)));
    expect([...(await read())]).toEqual([{ id: 1 }]);
    await admin.unsafe(`alter table ${table} add column name text default 'x'`);
    expect([...(await read())]).toEqual([{ id: 1, name: 'x' }]);
    await admin.unsafe(`drop table ${table}`);
  });
});
