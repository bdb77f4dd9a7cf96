/**
 * Kysely's `stream()` of any statement. On TCP through a row-limited portal: an insert, update or
 * delete `… returning` streams in chunks of `chunkSize`; a statement failing while its stream is
 * open, a stream stopped early and a statement sent while a stream is open all leave the session
 * with no transaction and no portal open, and the same connection serves the next statement. On
 * WebSocket (a server cursor, SELECT and VALUES only) the data-modifying statements are refused
 * with a coded error before anything is sent; a select still streams.
 */
import { type Generated, Kysely, type QueryResult, sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WarmpoolDialect } from '../src/adapters/kysely/index.js';
import type { Gateway } from '../packages/gateway/src/index.js';
import { createPool, type Pool } from '../src/index.http.js';
import { uniqueName } from './support/db.js';
import { databaseUrl } from './support/env.js';
import { startTestGateway } from './gateway-support.js';

interface Db {
  items: { id: Generated<number>; n: number };
}

const table = uniqueName('ky_stream') as 'items';
let gw: Gateway;
const pools: Pool[] = [];

beforeAll(async () => {
  gw = await startTestGateway();
  const setup = createPool({ connectionString: databaseUrl(), applicationName: 'ky-stream-setup' });
  await setup.query(`create table ${table} (id serial primary key, n int not null)`);
  await setup.end();
});

afterAll(async () => {
  await pools[0]?.query(`drop table if exists ${table}`);
  await Promise.all(pools.map((p) => p.end()));
  await gw?.close();
});

async function collect<T>(rows: AsyncIterable<T>): Promise<T[] | unknown> {
  const got: T[] = [];
  try {
    for await (const row of rows) got.push(row);
    return got;
  } catch (err) {
    return err;
  }
}

/**
 * The session's backend, and what the pool had to do on release so far: a connection given back
 * in a transaction (or with a portal open, status unknown) is rolled back or closed, so a stream
 * that ends cleanly leaves both counters as they were, and the next statement on the same backend.
 */
async function sessionFacts(db: Kysely<Db>, pool: Pool) {
  const { pid } = (await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(db)).rows[0];
  const { releaseRollbacks, discarded } = pool.stats();
  return { pid, releaseRollbacks, discarded };
}

const count = (db: Kysely<Db>) => db.selectFrom(table).select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow().then((r) => Number(r.n));

describe('over tcp: a row-limited portal', () => {
  let db: Kysely<Db>;
  let dialect: WarmpoolDialect;
  let pool: Pool;
  beforeAll(() => {
    // One connection: the next statement after a stream runs on the stream's own session.
    pool = createPool({ connectionString: databaseUrl(), transport: 'tcp', applicationName: 'ky-stream-tcp', max: 1 });
    pools.push(pool);
    dialect = new WarmpoolDialect({ pool });
    db = new Kysely<Db>({ dialect });
  });
  beforeEach(async () => {
    await db.deleteFrom(table).execute();
  });

  it('streams insert, update and delete … returning in chunks of chunkSize, every row', async () => {
    const driver = dialect.createDriver();
    await driver.init();
    const connection = await driver.acquireConnection();
    const chunks: number[][] = [];
    try {
      const insert = db.insertInto(table).values([1, 2, 3, 4, 5, 6, 7].map((n) => ({ n }))).returning('n').compile();
      for await (const chunk of connection.streamQuery(insert, 3) as AsyncIterable<QueryResult<{ n: number }>>) chunks.push(chunk.rows.map((r) => r.n));
    } finally {
      await driver.releaseConnection(connection);
    }
    expect(chunks).toEqual([[1, 2, 3], [4, 5, 6], [7]]);
    const updated = await collect(db.updateTable(table).set((eb) => ({ n: eb('n', '*', 10) })).returning('n').stream(2));
    expect((updated as { n: number }[]).map((r) => r.n).sort((a, b) => a - b)).toEqual([10, 20, 30, 40, 50, 60, 70]);
    const deleted = await collect(db.deleteFrom(table).where('n', '>', 30).returning(['n']).stream(4));
    expect((deleted as { n: number }[]).map((r) => r.n).sort((a, b) => a - b)).toEqual([40, 50, 60, 70]);
    expect(await count(db)).toBe(3);
    expect(pool.stats().busy).toBe(0);
  });

  it('a DML stream that fails leaves no transaction or portal open, and nothing written', async () => {
    await db.insertInto(table).values([1, 2, 3, 4, 5].map((n) => ({ n }))).execute();
    const before = await sessionFacts(db, pool);
    const failed = await collect(db.updateTable(table).set({ n: sql`n + 100` }).returning(sql<number>`1 / (n - 103)`.as('q')).stream(1));
    expect(failed).toMatchObject({ code: '22012' });
    const after = await sessionFacts(db, pool);
    expect(after).toEqual(before);
    expect((await db.selectFrom(table).select('n').orderBy('n').execute()).map((r) => r.n)).toEqual([1, 2, 3, 4, 5]);
  });

  it('a select that fails after some chunks were read leaves the session clean', async () => {
    const before = await sessionFacts(db, pool);
    const got: number[] = [];
    const failed = await (async () => {
      try {
        for await (const row of db.selectFrom(sql`generate_series(1, 10)`.as('g') as never).select(sql<number>`10 / (5 - g)`.as('q')).stream(2) as AsyncIterable<{ q: number }>) got.push(row.q);
        return undefined;
      } catch (err) {
        return err;
      }
    })();
    expect(failed).toMatchObject({ code: '22012' });
    expect(got).toEqual([2, 3, 5, 10]);
    expect(await sessionFacts(db, pool)).toEqual(before);
  });

  it('a stream stopped early closes its portal; the same session serves the next statement', async () => {
    const before = await sessionFacts(db, pool);
    const seen: number[] = [];
    for await (const row of db.insertInto(table).values([1, 2, 3, 4, 5, 6].map((n) => ({ n }))).returning('n').stream(2)) {
      seen.push(row.n);
      if (seen.length === 3) break;
    }
    expect(seen).toEqual([1, 2, 3]);
    expect(await sessionFacts(db, pool)).toEqual(before);
    // The statement ran in full at its first chunk, as with pg-cursor: stopping early does not undo it.
    expect(await count(db)).toBe(6);
    expect(pool.stats().busy).toBe(0);
  });

  it('inside a transaction: a stream stopped early leaves the transaction going, and a rollback undoes the write', async () => {
    const result = await db.transaction().execute(async (trx) => {
      const seen: number[] = [];
      for await (const row of trx.insertInto(table).values([1, 2, 3, 4].map((n) => ({ n }))).returning('n').stream(1)) {
        seen.push(row.n);
        if (seen.length === 2) break;
      }
      const inside = await count(trx);
      const cursors = (await sql<{ n: number }>`select count(*)::int as n from pg_cursors where name <> ''`.execute(trx)).rows[0].n;
      await trx.insertInto(table).values({ n: 9 }).execute();
      return { seen, inside, cursors };
    });
    expect(result).toEqual({ seen: [1, 2], inside: 4, cursors: 0 });
    expect(await count(db)).toBe(5);
    await expect(db.transaction().execute(async (trx) => {
      for await (const row of trx.deleteFrom(table).returning('n').stream(2)) void row;
      throw new Error('undo');
    })).rejects.toThrow('undo');
    expect(await count(db)).toBe(5);
  });

  it('a statement sent on the connection while its stream is open is refused with a coded error', async () => {
    await db.insertInto(table).values([1, 2, 3].map((n) => ({ n }))).execute();
    const before = await sessionFacts(db, pool);
    // Kysely itself queues a second query on one connection (db.connection(), a transaction), so
    // only a driver's caller can interleave.
    const driver = dialect.createDriver();
    await driver.init();
    const connection = await driver.acquireConnection();
    let refused: unknown;
    const seen: unknown[] = [];
    try {
      for await (const chunk of connection.streamQuery(db.selectFrom(table).select('n').orderBy('n').compile(), 1)) {
        seen.push(...chunk.rows);
        refused ??= await connection.executeQuery(db.selectFrom(table).select('n').compile()).catch((err: unknown) => err);
      }
    } finally {
      await driver.releaseConnection(connection);
    }
    expect(refused).toMatchObject({ code: 'INVALID_QUERY', notApplied: true });
    expect(seen).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect(await sessionFacts(db, pool)).toEqual(before);
  });
});

describe('over websocket: a server cursor', () => {
  let db: Kysely<Db>;
  beforeAll(() => {
    const pool = createPool({ connectionString: databaseUrl(), wsProxy: `ws://${gw.wsProxy}`, transport: 'websocket', applicationName: 'ky-stream-websocket', max: 2 });
    pools.push(pool);
    db = new Kysely<Db>({ dialect: new WarmpoolDialect({ pool }) });
  });

  it('refuses to stream insert, update and delete … returning with a coded error; nothing is written', async () => {
    const before = await count(db);
    const writes = [
      db.insertInto(table).values([{ n: 1 }, { n: 2 }]).returning('id'),
      db.updateTable(table).set({ n: 3 }).returning('id'),
      db.deleteFrom(table).returning('id'),
    ];
    for (const write of writes) {
      const refused = await collect(write.stream(1));
      expect(refused).toMatchObject({ code: 'NOT_SUPPORTED_ON_TRANSPORT', notApplied: true });
      expect((refused as Error).message).toMatch(/only SELECT and VALUES.*execute\(\)/);
    }
    expect(await count(db)).toBe(before);
  });

  it('inside a transaction the refusal leaves the transaction usable', async () => {
    await db.insertInto(table).values([{ n: 1 }, { n: 2 }]).execute();
    const result = await db.transaction().execute(async (trx) => {
      const refused = await collect(trx.insertInto(table).values({ n: 5 }).returning('id').stream(10));
      const streamed = await collect(trx.selectFrom(table).select('n').where('n', '<', 3).orderBy('n').stream(1));
      return { refused: (refused as { code?: string }).code, streamed };
    });
    expect(result.refused).toBe('NOT_SUPPORTED_ON_TRANSPORT');
    expect(result.streamed).toEqual(expect.arrayContaining([{ n: 1 }, { n: 2 }]));
  });
});
