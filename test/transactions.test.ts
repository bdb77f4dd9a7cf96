import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool } from '../src/index.js';
import { withPool } from '../src/lambda/index.js';
import { uniqueName } from './support/db.js';
import { databaseUrl } from './support/env.js';

const table = uniqueName('tx_items');
const db = createPool({ connectionString: databaseUrl(), applicationName: 'tx', max: 2 });

beforeAll(() => db.query(`create table ${table} (id int primary key, name text)`));
afterAll(() => db.end());

const count = async () => (await db.query(`select count(*)::int as n from ${table}`))[0].n;

describe('interactive transactions', () => {
  it('commit and return the callback value', async () => {
    const result = await db.transaction(async (tx) => {
      await tx.query(`insert into ${table} values (1, 'a')`);
      const [row] = await tx.query(`select name from ${table} where id = $1`, [1]);
      return row.name;
    });
    expect(result).toBe('a');
    expect(await count()).toBe(1);
  });

  it('roll back when the callback throws, and rethrow its error', async () => {
    const error = await db.transaction(async (tx) => {
      await tx.query(`insert into ${table} values (2, 'b')`);
      throw new Error('handler failed');
    }).then(() => null, (e) => e);
    expect(error.message).toBe('handler failed');
    expect(await count()).toBe(1);
  });

  it('refuse to commit when a statement failed but the callback swallowed the error', async () => {
    const error = await db.transaction(async (tx) => {
      await tx.query(`insert into ${table} values (3, 'c')`);
      await tx.query(`insert into ${table} values (1, 'duplicate')`).catch(() => {});
    }).then(() => null, (e) => e);
    expect(error).toMatchObject({ code: 'TRANSACTION_ROLLED_BACK' });
    expect(await count()).toBe(1);
  });

  it('keep server errors with their SQLSTATE and fields', async () => {
    const error = await db.transaction((tx) => tx.query(`insert into ${table} values (1, 'dup')`)).then(() => null, (e) => e);
    expect(error).toMatchObject({ name: 'DatabaseError', code: '23505', severity: 'ERROR' });
    expect(error.detail).toMatch(/already exists/);
  });

  it('honour isolation and read-only modes', async () => {
    const [row] = await db.transaction((tx) => tx.sql`select current_setting('transaction_isolation') as iso, current_setting('transaction_read_only') as ro`, { isolation: 'serializable', readOnly: true });
    expect(row).toEqual({ iso: 'serializable', ro: 'on' });
    await expect(db.transaction(async () => 1, { isolation: 'chaos' as never })).rejects.toMatchObject({ code: 'INVALID_OPTION' });
  });

  it('refuse queries on the handle after the transaction finished', async () => {
    let saved: { sql: (s: TemplateStringsArray) => PromiseLike<unknown> } | undefined;
    await db.transaction(async (tx) => {
      saved = tx;
    });
    await expect(Promise.resolve(saved!.sql`select 1`)).rejects.toMatchObject({ code: 'INVALID_QUERY' });
  });

  it('are rolled back when the Lambda handler returns without awaiting them', async () => {
    const lambdaDb = createPool({ connectionString: databaseUrl(), applicationName: 'tx-leak' });
    let reportLeaked = -1;
    const handler = withPool(lambdaDb, async () => {
      let inserted!: () => void;
      const insertDone = new Promise<void>((resolve) => (inserted = resolve));
      void lambdaDb.transaction(async (tx) => {
        await tx.query(`insert into ${table} values (50, 'leaked')`);
        inserted();
        await new Promise(() => {}); // never finishes
      }).catch(() => {});
      // Returns once the transaction holds its connection and has written, without awaiting it.
      await insertDone;
      return 'returned';
    }, { onInvocationEnd: (r) => (reportLeaked = r.leaked) });
    expect(await handler({}, { getRemainingTimeInMillis: () => 5_000 })).toBe('returned');
    expect(reportLeaked).toBe(1);
    expect(lambdaDb.stats()).toMatchObject({ leaked: 1, busy: 0 });
    expect((await db.query(`select count(*)::int as n from ${table} where id = 50`))[0].n).toBe(0);
    // The slot came back: the next invocation runs.
    expect(await withPool(lambdaDb, async () => lambdaDb.sql`select 1 as one`)({}, { getRemainingTimeInMillis: () => 5_000 })).toEqual([{ one: 1 }]);
    await lambdaDb.end();
  });
});

describe('batch', () => {
  it('runs queries in one transaction and returns each result', async () => {
    const results = await db.batch([db.query(`insert into ${table} values (10, 'x') returning id`), db.sql`select ${'y'}::text as y`]);
    expect(results).toEqual([[{ id: 10 }], [{ y: 'y' }]]);
  });

  it('is atomic: when one query fails none applies', async () => {
    const error = await db.batch([db.query(`insert into ${table} values (11, 'ok')`), db.query(`insert into ${table} values (10, 'dup')`)]).then(() => null, (e) => e);
    expect(error).toMatchObject({ code: '23505', notApplied: true });
    expect((await db.query(`select count(*)::int as n from ${table} where id = 11`))[0].n).toBe(0);
  });

  it('refuses anything but lazy queries', async () => {
    await expect(db.batch(['select 1' as never])).rejects.toMatchObject({ code: 'INVALID_QUERY' });
  });
});

describe('serialization failures', () => {
  it('are retried when the caller opts in with retries', async () => {
    const counter = uniqueName('counter');
    await db.query(`create table ${counter} (id int primary key, n int not null)`);
    await db.query(`insert into ${counter} values (1, 0)`);
    let attempts = 0;
    const bump = () =>
      db.transaction(async (tx) => {
        attempts++;
        const [row] = await tx.query(`select n from ${counter} where id = 1`);
        await new Promise((r) => setTimeout(r, 50)); // both read before either writes
        await tx.query(`update ${counter} set n = $1 where id = 1`, [(row.n as number) + 1]);
      }, { isolation: 'serializable', retries: 3 });
    await Promise.all([bump(), bump()]);
    expect(attempts).toBe(3);
    expect((await db.query(`select n from ${counter}`))[0].n).toBe(2);
  });

  it('surface with their SQLSTATE when not opted in', async () => {
    const counter = uniqueName('counter');
    await db.query(`create table ${counter} (id int primary key, n int not null)`);
    await db.query(`insert into ${counter} values (1, 0)`);
    const bump = () =>
      db.transaction(async (tx) => {
        const [row] = await tx.query(`select n from ${counter} where id = 1`);
        await new Promise((r) => setTimeout(r, 50));
        await tx.query(`update ${counter} set n = $1 where id = 1`, [(row.n as number) + 1]);
      }, { isolation: 'serializable' });
    const results = await Promise.allSettled([bump(), bump()]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason).toMatchObject({ code: '40001' });
  });
});
