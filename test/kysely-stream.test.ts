/**
 * `stream()` of statements a cursor cannot take: an insert, update or delete with `returning` is
 * refused with NOT_SUPPORTED_ON_TRANSPORT before anything is sent (the server never sees it, so
 * nothing is written), alone or inside a transaction that goes on; `execute()` runs the same
 * query. A select still streams.
 */
import { type Generated, Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

describe.each(['tcp', 'websocket'] as const)('over %s', (transport) => {
  let db: Kysely<Db>;
  beforeAll(() => {
    const pool = createPool({ connectionString: databaseUrl(), httpEndpoint: gw.fetchEndpoint, wsProxy: `ws://${gw.wsProxy}`, transport, applicationName: `ky-stream-${transport}`, max: 2 });
    pools.push(pool);
    db = new Kysely<Db>({ dialect: new WarmpoolDialect({ pool }) });
  });

  it('refuses to stream insert, update and delete … returning with a coded error; nothing is written', async () => {
    const before = await db.selectFrom(table).select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
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
    expect(await db.selectFrom(table).select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).toEqual(before);
    expect(await db.insertInto(table).values([{ n: 1 }, { n: 2 }]).returning('n').execute()).toEqual([{ n: 1 }, { n: 2 }]);
  });

  it('inside a transaction the refusal leaves the transaction usable', async () => {
    const result = await db.transaction().execute(async (trx) => {
      const refused = await collect(trx.insertInto(table).values({ n: 5 }).returning('id').stream(10));
      const streamed = await collect(trx.selectFrom(table).select('n').where('n', '<', 3).orderBy('n').stream(1));
      return { refused: (refused as { code?: string }).code, streamed };
    });
    expect(result.refused).toBe('NOT_SUPPORTED_ON_TRANSPORT');
    expect(result.streamed).toEqual(expect.arrayContaining([{ n: 1 }, { n: 2 }]));
  });
});
