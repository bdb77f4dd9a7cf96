import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WarmpoolDialect } from '../src/adapters/kysely/index.js';
import type { Gateway } from '../packages/gateway/src/index.js';
import { createPool, type Pool } from '../src/index.http.js';
import { type Db, blogSchema } from './support/kysely-schema.js';
import { databaseUrl } from './support/env.js';
import { startTestGateway } from './gateway-support.js';

// Kysely over warmpool on TCP, HTTP and WebSocket, compared value by value with Kysely's own
// PostgresDialect on `pg` against the same tables, in UTC and in a time zone with an offset and
// daylight saving time: reads, writes with returning, numAffectedRows, and values written by one
// driver and read by the other.

const { schema, ddl, drop } = blogSchema();
const TRANSPORTS = ['tcp', 'http', 'websocket'] as const;
let gw: Gateway;
let pgPool: pg.Pool;
const pools = {} as Record<(typeof TRANSPORTS)[number], Pool>;
const dbs = {} as Record<'pg' | (typeof TRANSPORTS)[number], Kysely<Db>>;

beforeAll(async () => {
  gw = await startTestGateway();
  const admin = postgres(databaseUrl(), { max: 1, onnotice: () => {} });
  for (const statement of ddl) await admin.unsafe(statement);
  await admin.end();
  pgPool = new pg.Pool({ connectionString: databaseUrl(), max: 2 });
  dbs.pg = new Kysely<Db>({ dialect: new PostgresDialect({ pool: pgPool }) }).withSchema(schema);
  const base = { connectionString: databaseUrl(), httpEndpoint: gw.fetchEndpoint, wsProxy: `ws://${gw.wsProxy}` };
  for (const transport of TRANSPORTS) {
    pools[transport] = createPool({ ...base, transport, applicationName: `kysely-${transport}` });
    dbs[transport] = new Kysely<Db>({ dialect: new WarmpoolDialect({ pool: pools[transport] }) }).withSchema(schema);
  }
  await seed(dbs.pg);
});

afterAll(async () => {
  for (const statement of drop) await pgPool?.query(statement).catch(() => {});
  await dbs.pg?.destroy();
  await Promise.all(Object.values(pools).map((p) => p.end()));
  await gw?.close();
});

/** Two users (one with every column set, one mostly null) and three posts, written through pg. */
async function seed(db: Kysely<Db>) {
  await db.insertInto('users').values([
    {
      name: 'Ada', mood: 'happy', tags: ['a', 'b,c', 'quote"d', 'back\\slash', ''], scores: [1, -2, 3],
      profile: JSON.stringify({ city: 'Zürich', langs: ['de', 'en'], nested: { deep: null } }), settings: JSON.stringify({ a: [1, { b: 'x' }] }),
      balance: '1234.50', ratios: '{0.125,-3,1e3}', big: '9007199254740993',
      // 01:30 in New York on the morning its clocks jump, and a wall time that does not exist there.
      created_at: new Date('2024-03-10T06:30:00.123Z'), local_at: '2024-03-10 02:30:00.123456', birthday: '1990-01-31',
      stamps: '{"2024-01-01 00:00:00+00","2024-07-01 12:00:00.5+00"}', days: '{2024-02-29,1999-12-31}', wake: '07:15:00', nap: '1 day 02:03:04',
    },
    { name: 'Bob', created_at: new Date('1999-12-31T23:59:59.999Z') },
  ]).execute();
  const [ada, bob] = await db.selectFrom('users').select('id').orderBy('id').execute();
  await db.insertInto('posts').values([
    { user_id: ada.id, title: 'first', meta: JSON.stringify({ words: 120, tags: ['x'] }), published_at: '2024-01-02 03:04:05.678' },
    { user_id: ada.id, title: 'second', meta: null },
    { user_id: bob.id, title: 'third', meta: JSON.stringify([1, 'two', { three: 3 }]), published_at: '2020-02-29 00:00:00' },
  ]).execute();
}

/** A value as a string that keeps its class (Date, bigint, Buffer) and what equality blurs. */
function canonical(value: unknown): unknown {
  if (value === null || value === undefined) return value ?? null;
  if (typeof value === 'number') return Object.is(value, -0) ? 'number:-0' : `number:${value}`;
  if (typeof value !== 'object') return `${typeof value}:${String(value)}`;
  if (value instanceof Date) return `Date:${Number.isNaN(value.getTime()) ? 'Invalid' : value.toISOString()}`;
  if (Array.isArray(value)) return value.map(canonical);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, canonical(v)]));
}

/** The reads every driver runs; the results are compared whole. Interval is compared apart. */
async function reads(db: Kysely<Db>) {
  return {
    users: await db.selectFrom('users').selectAll().select(sql<string>`nap::text`.as('nap')).orderBy('id').execute(),
    // Both tables have `id`: in object rows the last column of a name wins, on pg as here.
    join: await db.selectFrom('posts').innerJoin('users', 'users.id', 'posts.user_id').select(['posts.id', 'users.id', 'title', 'name', 'meta', 'published_at', 'created_at']).orderBy('posts.id').execute(),
    leftJoin: await db.selectFrom('posts').leftJoin('users', 'users.id', 'posts.user_id').select(['posts.id as post', 'title', 'name as author', 'mood']).orderBy('posts.id').execute(),
    where: await db.selectFrom('users').select(['name']).where('profile', '@>', JSON.stringify({ city: 'Zürich' })).where(sql<boolean>`${sql.ref('tags')} @> ${['b,c']}::text[]`).execute(),
    aggregate: await db.selectFrom('posts').select((eb) => [eb.fn.countAll().as('n'), eb.fn.max('published_at').as('latest'), sql<string>`sum(id)::numeric`.as('total')]).executeTakeFirstOrThrow(),
    computed: await db.selectFrom('users').select([sql`age(${sql.ref('created_at')}, ${sql.ref('birthday')})::text`.as('age'), sql`${sql.ref('birthday')} + 1`.as('next_day'), sql`array[birthday, birthday + 365]`.as('two_days'), sql`profile->>'city'`.as('city')]).orderBy('id').execute(),
    raw: (await sql<{ now_local: Date; one: number; big: string; numbers: number[] }>`select timestamp '2000-01-01 00:00:00' as now_local, 1 as one, 2::int8 * 3 as big, array[1.5, 2.25]::numeric[] as numbers`.execute(db)).rows,
  };
}

for (const zone of ['UTC', 'America/New_York']) {
  describe(`in TZ=${zone}`, () => {
    beforeAll(() => {
      process.env.TZ = zone;
      // Node applies TZ when it is assigned; check that it did before comparing anything.
      expect(new Date('2024-01-15T12:00:00Z').getTimezoneOffset()).toBe(zone === 'UTC' ? 0 : 300);
    });
    afterAll(() => {
      process.env.TZ = 'UTC';
    });

    it('reads the values Kysely reads on pg: selectAll, joins, jsonb and array filters, aggregates, raw sql', async () => {
      const expected = canonical(await reads(dbs.pg));
      expect(JSON.stringify(expected)).toContain('Date:2024-03-10T06:30:00.123Z');
      for (const transport of TRANSPORTS) expect({ transport, got: canonical(await reads(dbs[transport])) }).toStrictEqual({ transport, got: expected });
    });

    it('writes the values Kysely writes on pg: Dates into timestamp and date columns, returning, numAffectedRows', async () => {
      const write = async (db: Kysely<Db>, name: string) => {
        const local = new Date(2024, 2, 10, 1, 30, 0, 250); // a local wall clock, as an app builds one
        const inserted = await db.insertInto('users').values({ name, created_at: local, local_at: local, birthday: new Date(1990, 0, 31), stamps: sql`${[local, new Date(Date.UTC(2000, 0, 1))]}::timestamptz[]` as never })
          .returning(['local_at', 'birthday', 'created_at', 'stamps']).executeTakeFirstOrThrow();
        const updated = await db.updateTable('users').set({ balance: '10.5' }).where('name', 'in', [name, `${name}-none`]).executeTakeFirstOrThrow();
        const stored = await db.selectFrom('users').select([sql<string>`local_at::text`.as('local_text'), sql<string>`birthday::text`.as('birthday_text')]).where('name', '=', name).executeTakeFirstOrThrow();
        const deleted = await db.deleteFrom('users').where('name', '=', name).executeTakeFirstOrThrow();
        const insertedPlain = await db.insertInto('users').values([{ name: `${name}-a` }, { name: `${name}-b` }]).executeTakeFirstOrThrow();
        await db.deleteFrom('users').where('name', 'like', `${name}-%`).execute();
        return { inserted, updated, stored, deleted, insertedPlain };
      };
      const expected = await write(dbs.pg, `pg-${zone}`);
      expect(expected.updated.numUpdatedRows).toBe(1n);
      expect(expected.insertedPlain.numInsertedOrUpdatedRows).toBe(2n);
      for (const transport of TRANSPORTS) {
        const got = await write(dbs[transport], `${transport}-${zone}`);
        expect({ transport, got: canonical(got) }).toStrictEqual({ transport, got: canonical(expected) });
      }
    });

    it('reads back on pg what it wrote through warmpool, and the other way round', async () => {
      const stamp = new Date(2023, 10, 5, 1, 30); // an hour New York lives twice
      for (const transport of TRANSPORTS) {
        for (const [writer, reader] of [[dbs[transport], dbs.pg], [dbs.pg, dbs[transport]]]) {
          const name = `rt-${transport}-${writer === dbs.pg ? 'pg' : 'wp'}-${zone}`;
          await writer.insertInto('users').values({ name, created_at: stamp, local_at: stamp, birthday: stamp }).execute();
          const row = await reader.selectFrom('users').select(['created_at', 'local_at', 'birthday']).where('name', '=', name).executeTakeFirstOrThrow();
          expect({ transport, created: row.created_at.getTime(), local: row.local_at?.getTime(), day: row.birthday?.getTime() })
            .toEqual({ transport, created: stamp.getTime(), local: stamp.getTime(), day: new Date(2023, 10, 5).getTime() });
          await writer.deleteFrom('users').where('name', '=', name).execute();
        }
      }
    });
  });
}

describe('what differs from pg', () => {
  it('interval is the server text (pg makes a PostgresInterval object of it)', async () => {
    const onPg = await dbs.pg.selectFrom('users').select('nap').where('name', '=', 'Ada').executeTakeFirstOrThrow();
    expect(onPg.nap).toMatchObject({ days: 1, hours: 2, minutes: 3, seconds: 4 });
    for (const transport of TRANSPORTS) {
      expect(await dbs[transport].selectFrom('users').select('nap').where('name', '=', 'Ada').executeTakeFirstOrThrow()).toEqual({ nap: '1 day 02:03:04' });
    }
  });
});

describe('server errors', () => {
  it('a unique violation rejects with the SQLSTATE and constraint, unwrapped, on every transport', async () => {
    for (const transport of TRANSPORTS) {
      const err = await dbs[transport].insertInto('users').values({ name: 'Ada' }).execute().catch((e: unknown) => e);
      expect({ transport, err }).toMatchObject({ transport, err: { name: 'DatabaseError', code: '23505', constraint: 'users_name_key', notApplied: false } });
    }
  });
});
