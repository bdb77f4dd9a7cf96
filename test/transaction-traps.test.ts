import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool } from '../src/index.js';
import { withPool } from '../src/lambda/index.js';
import { uniqueName } from './support/db.js';
import { databaseUrl } from './support/env.js';

// Savepoints, and the two mistakes inside db.transaction that become coded errors: a tx query
// never awaited, and a pool call that could only wait for the transaction's own connection.

const table = uniqueName('tx_traps');
const db = createPool({ connectionString: databaseUrl(), applicationName: 'tx-traps', max: 2 });
const context = { getRemainingTimeInMillis: () => 5_000 };

beforeAll(() => db.query(`create table ${table} (id int primary key, name text)`));
afterAll(async () => {
  await db.query(`drop table if exists ${table}`).catch(() => {});
  await db.end();
});

const ids = async (from: number, to: number) =>
  (await db.query<{ id: number }>(`select id from ${table} where id between $1 and $2 order by id`, [from, to])).map((r) => r.id);

describe('savepoints', () => {
  it('undo only the failed part; nested ones too', async () => {
    const result = await db.transaction(async (tx) => {
      await tx.query(`insert into ${table} values (1, 'outer')`);
      const inner = await tx.savepoint(async (sp) => {
        await sp.query(`insert into ${table} values (2, 'kept')`);
        const deeper = await sp.savepoint(async () => {
          await tx.query(`insert into ${table} values (3, 'undone')`);
          throw new Error('deeper failed');
        }).catch((e: Error) => e.message);
        await sp.query(`insert into ${table} values (4, 'after')`);
        return deeper;
      });
      // A failed statement inside a savepoint leaves the transaction usable once rolled back to it.
      const failed = await tx.savepoint((sp) => sp.query(`insert into ${table} values (1, 'duplicate')`)).catch((e) => e.code);
      await tx.query(`insert into ${table} values (5, 'end')`);
      return { inner, failed };
    });
    expect(result).toEqual({ inner: 'deeper failed', failed: '23505' });
    expect(await ids(1, 5)).toEqual([1, 2, 4, 5]);
  });

  it('run one at a time: a second one beside an open one is refused at once, and nothing reported ok is undone', async () => {
    const error = await db.transaction(async (tx) => {
      const [first, second] = await Promise.allSettled([
        tx.savepoint(async (sp) => {
          await sp.query(`insert into ${table} values (60, 'first')`);
        }),
        tx.savepoint(async (sp) => {
          await sp.query(`insert into ${table} values (61, 'second')`);
          throw new Error('second failed');
        }),
      ]);
      expect(first.status).toBe('fulfilled');
      expect(second).toMatchObject({ status: 'rejected', reason: { code: 'CONCURRENT_SAVEPOINT', notApplied: true } });
      // One by one is fine, also after the refusal.
      await tx.savepoint((sp) => sp.query(`insert into ${table} values (62, 'third')`));
      return null;
    }).then(() => null, (e) => e);
    expect(error).toBeNull();
    expect(await ids(60, 62)).toEqual([60, 62]);
  });

  it('return the callback value and propagate its error', async () => {
    await expect(db.transaction((tx) => tx.savepoint(async () => 7))).resolves.toBe(7);
    await expect(db.transaction((tx) => tx.savepoint(async () => { throw new Error('boom'); }))).rejects.toThrow('boom');
    await expect(db.transaction((tx) => tx.savepoint('nope' as never))).rejects.toMatchObject({ code: 'INVALID_QUERY' });
  });
});

describe('a tx query never awaited', () => {
  it('rolls the transaction back and rejects naming the query', async () => {
    const error = await db.transaction(async (tx) => {
      await tx.query(`insert into ${table} values (10, 'awaited')`);
      void tx.query(`insert into ${table}   values (11, 'forgotten')`);
      tx.sql`update ${db.unsafe(table)} set name = 'x' where id = ${10}`; // built, never awaited
      return 'done';
    }).then(() => null, (e) => e);
    expect(error).toMatchObject({ code: 'QUERY_NOT_AWAITED', notApplied: true });
    // The first such query, whitespace collapsed.
    expect(error.message).toContain(`"insert into ${table} values (11, 'forgotten')"`);
    expect(await ids(10, 11)).toEqual([]);
  });

  it('truncates a long query text', async () => {
    const long = `select ${'1, '.repeat(100)}1`;
    const error = await db.transaction(async (tx) => {
      tx.query(long);
    }).catch((e) => e);
    expect(error.code).toBe('QUERY_NOT_AWAITED');
    expect(error.message).toContain(`"${long.slice(0, 80)}…"`);
    expect(error.message).not.toContain(long);
  });

  it('is not raised for queries inlined into another, or replaced by values() or idempotent()', async () => {
    const got = await db.transaction(async (tx) => {
      const where = tx.sql`where id = ${20}`;
      await tx.sql`insert into ${db.unsafe(table)} values (${20}, 'x')`;
      const [row] = await tx.sql`select name from ${db.unsafe(table)} ${where}`;
      const values = await tx.sql`select 1 as n`.values();
      const again = await tx.sql`select 2 as n`.idempotent();
      return [row.name, [...values], [...again]];
    });
    expect(got).toEqual(['x', [[1]], [{ n: 2 }]]);
    expect(await ids(20, 20)).toEqual([20]);
  });

  it('is not raised for queries awaited through Promise.all', async () => {
    await db.transaction((tx) => Promise.all([tx.query(`insert into ${table} values (30, 'a')`), tx.query(`insert into ${table} values (31, 'b')`)]));
    expect(await ids(30, 31)).toEqual([30, 31]);
  });
});

describe('a pool query never awaited in a handler', () => {
  it('is reported when the invocation ends: an event and a log line that name it', async () => {
    const events: string[] = [];
    const logged: string[] = [];
    const own = createPool({ connectionString: databaseUrl(), applicationName: 'tx-traps-unsent', onEvent: (e) => e.type === 'query-not-awaited' && events.push(e.reason ?? '') });
    const warn = console.warn;
    console.warn = (line: string) => logged.push(line);
    try {
      const handler = withPool(own, async () => {
        own.sql`insert into ${own.unsafe(table)} values (${50}, 'forgotten')`; // built, never awaited
        const inlined = own.sql`where id = ${51}`;
        await own.sql`select 1 from ${own.unsafe(table)} ${inlined}`;
        await own.batch([own.query('select 1')]);
        await own.sql`select 2`.values();
        return 'ok';
      });
      expect(await handler({}, context)).toBe('ok');
    } finally {
      console.warn = warn;
      await own.end();
    }
    expect(events).toHaveLength(1);
    expect(events[0]).toContain(`insert into ${table} values ($1, 'forgotten')`);
    expect(logged).toEqual([`warmpool: ${events[0]}`]);
    expect(await ids(50, 50)).toEqual([]);
  });
});

describe('a pool call inside db.transaction', () => {
  it('is refused at once when it could only wait for the transaction (max 1)', async () => {
    const one = createPool({ connectionString: databaseUrl(), applicationName: 'tx-traps-one', max: 1 });
    const handler = withPool(one, () =>
      one.transaction(async (tx) => {
        await tx.query(`insert into ${table} values (40, 'in tx')`);
        await one.sql`select 1`; // the mistake: should be tx.sql
      }).then(() => ({ code: 'no error', message: '' }), (e) => ({ code: e.code as string, message: e.message as string })),
    );
    const error = await handler({}, context);
    // Refused, not queued until ACQUIRE_TIMEOUT.
    expect(error.code).toBe('POOL_HELD_BY_TRANSACTION');
    expect(error.message).toContain('tx.sql');
    expect(await ids(40, 40)).toEqual([]);
    expect(one.stats()).toMatchObject({ busy: 0, acquireTimeouts: 0 });
    await one.end();
  });

  it('is served when another connection is free (max 2): legitimate overlap', async () => {
    const two = createPool({ connectionString: databaseUrl(), applicationName: 'tx-traps-two', max: 2 });
    const handler = withPool(two, async () => {
      let inside: unknown;
      const [committed, beside] = await Promise.all([
        two.transaction(async (tx) => {
          await tx.query(`insert into ${table} values (50, 'tx')`);
          inside = (await two.sql`select 1 as n`)[0].n; // a pool read while the transaction runs
          return 'committed';
        }),
        two.sql`select 2 as n`.then((rows) => rows[0].n),
      ]);
      return { committed, beside, inside };
    });
    expect(await handler({}, context)).toEqual({ committed: 'committed', beside: 2, inside: 1 });
    expect(await ids(50, 50)).toEqual([50]);
    await two.end();
  });

  it('is refused at once outside an invocation too, when made inside the transaction (max 1)', async () => {
    const one = createPool({ connectionString: databaseUrl(), applicationName: 'tx-traps-script', max: 1 });
    const error = await one.transaction(async () => {
      await one.sql`select 1`; // the mistake: should be tx.sql
    }).then(() => null, (e) => e);
    expect(error).toMatchObject({ code: 'POOL_HELD_BY_TRANSACTION', notApplied: true });
    expect(one.stats()).toMatchObject({ busy: 0, acquireTimeouts: 0 });
    // After it, the pool serves calls as before.
    expect([...(await one.sql`select 1 as one`)]).toEqual([{ one: 1 }]);
    await one.end();
  });

  it('waits as before outside an invocation when made beside the transaction', async () => {
    const one = createPool({ connectionString: databaseUrl(), applicationName: 'tx-traps-plain', max: 1 });
    const [committed, after] = await Promise.all([
      one.transaction(async (tx) => (await tx.sql`select 'tx' as v`)[0].v),
      one.sql`select 'after' as v`.then((rows) => rows[0].v),
    ]);
    expect([committed, after]).toEqual(['tx', 'after']);
    await one.end();
  });
});
