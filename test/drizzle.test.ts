import { asc, eq, sql } from 'drizzle-orm';
import { drizzle as drizzlePostgresJs } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drizzle } from '../src/adapters/drizzle/index.js';
import type { Gateway } from '../packages/gateway/src/index.js';
import { createPool, type Pool } from '../src/index.http.js';
import { blogSchema } from './support/drizzle-schema.js';
import { databaseUrl } from './support/env.js';
import { startTestGateway } from './gateway-support.js';

// Drizzle over warmpool on TCP, HTTP and WebSocket, compared value by value with Drizzle on its
// own postgres.js driver (drizzle-orm/postgres-js) against the same tables, in UTC and in a time
// zone with an offset and daylight saving time.

const { names, schema, ddl, drop } = blogSchema();
const { users, posts } = schema;
let gw: Gateway;
let ref: postgres.Sql;
const pools: Record<'tcp' | 'http' | 'websocket', Pool> = {} as never;
const dbs = {} as Record<'postgresJs' | 'tcp' | 'http' | 'websocket', ReturnType<typeof drizzle<typeof schema>>>;

beforeAll(async () => {
  gw = await startTestGateway();
  const admin = postgres(databaseUrl(), { max: 1, onnotice: () => {} });
  for (const statement of ddl) await admin.unsafe(statement);
  await admin.end();
  // The reference connects after the enum exists, so postgres.js knows its array type.
  ref = postgres(databaseUrl(), { max: 2, onnotice: () => {} });
  dbs.postgresJs = drizzlePostgresJs(ref, { schema }) as never;
  const base = { connectionString: databaseUrl(), httpEndpoint: gw.fetchEndpoint, wsProxy: `ws://${gw.wsProxy}` };
  for (const transport of ['tcp', 'http', 'websocket'] as const) {
    pools[transport] = createPool({ ...base, transport, applicationName: `drizzle-${transport}` });
    dbs[transport] = drizzle(pools[transport], { schema });
  }
  await seed();
});

afterAll(async () => {
  for (const statement of drop) await ref?.unsafe(statement).catch(() => {});
  await Promise.all([ref?.end(), ...Object.values(pools).map((p) => p.end())]);
  await gw?.close();
});

/** Two users (one with every column set, one mostly null) and three posts, written through the reference. */
async function seed() {
  const db = dbs.postgresJs;
  await db.insert(users).values([
    {
      name: 'Ada', mood: 'happy', moods: ['happy', 'so-so'], tags: ['a', 'b,c', 'quote"d', 'back\\slash', ''], scores: [1, -2, 3],
      profile: { city: 'Zürich', langs: ['de', 'en'], nested: { deep: null } }, settings: { a: [1, { b: 'x' }] },
      balance: '1234.50', ratio: 0.125, huge: 123456789012345678901234567890n, big: 9007199254740993n, bigNumber: 42,
      // 01:30 in New York on the morning its clocks jump, and a wall time that does not exist there.
      createdAt: new Date('2024-03-10T06:30:00.123Z'), createdAtText: '2024-11-03 05:30:00+00',
      localAt: new Date('2024-03-10T02:30:00.000Z'), localAtText: '2024-03-10 02:30:00.123456',
      birthday: new Date('1990-01-31'), birthdayText: '1990-01-31',
      stamps: [new Date('2024-01-01T00:00:00Z'), new Date('2024-07-01T12:00:00.5Z')],
    },
    { name: 'Bob', createdAt: new Date('1999-12-31T23:59:59.999Z') },
  ]);
  const [ada, bob] = await db.select({ id: users.id }).from(users).orderBy(asc(users.id));
  await db.insert(posts).values([
    { userId: ada.id, title: 'first', meta: { words: 120, tags: ['x'] }, publishedAt: new Date('2024-01-02T03:04:05.678Z') },
    { userId: ada.id, title: 'second', meta: null },
    { userId: bob.id, title: 'third', meta: [1, 'two', { three: 3 }], publishedAt: new Date('2020-02-29T00:00:00Z') },
  ]);
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

/** The reads every driver runs; the results are compared whole. */
async function reads(db: (typeof dbs)['tcp']) {
  const byId = db.select().from(users).where(eq(users.id, sql.placeholder('id'))).prepare(uniqueStatement());
  const [first] = await db.select({ id: users.id }).from(users).orderBy(asc(users.id)).limit(1);
  return {
    users: await db.select().from(users).orderBy(asc(users.id)),
    join: await db.select().from(posts).innerJoin(users, eq(posts.userId, users.id)).orderBy(asc(posts.id)),
    leftJoin: await db.select({ post: posts.id, title: posts.title, author: users.name, mood: users.mood }).from(posts).leftJoin(users, eq(posts.userId, users.id)).orderBy(asc(posts.id)),
    relational: await db.query.users.findMany({ with: { posts: { orderBy: asc(posts.id) } }, orderBy: asc(users.id) }),
    relationalOne: await db.query.posts.findFirst({ with: { author: true }, where: eq(posts.title, 'third') }),
    prepared: await byId.execute({ id: first.id }),
    count: await db.$count(users),
    // db.execute reads rows without Drizzle's mapping: date/time values as the server's text on both.
    execute: [...(await db.execute(sql`select created_at, local_at, birthday, stamps, profile, big from ${users} order by id`))],
    selected: await db.select({ age: sql<string>`age(${users.createdAt}, ${users.birthday})`, day: sql`${users.birthday}`.mapWith(users.birthday) }).from(users).orderBy(asc(users.id)),
  };
}

let statementCount = 0;
const uniqueStatement = () => `dz_by_id_${++statementCount}`;

const TRANSPORTS = ['tcp', 'http', 'websocket'] as const;

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

    it('reads the values drizzle-orm/postgres-js reads: selects, joins, relational and prepared queries, db.execute', async () => {
      const expected = canonical(await reads(dbs.postgresJs));
      for (const transport of TRANSPORTS) expect({ transport, got: canonical(await reads(dbs[transport])) }).toStrictEqual({ transport, got: expected });
    });

    it('writes the values drizzle-orm/postgres-js writes: insert, update and delete with returning', async () => {
      const write = async (db: (typeof dbs)['tcp'], name: string) => {
        const [inserted] = await db.insert(users).values({
          name, mood: 'sad', moods: ['sad'], tags: ['t'], scores: [7], profile: { city: 'Lima', langs: [] }, settings: ['s', 1],
          balance: '-0.05', ratio: 1e-7, huge: -5n, big: -9223372036854775808n, bigNumber: -1,
          createdAt: new Date('2024-11-03T05:30:00.001Z'), createdAtText: '2024-11-03 01:30:00-04', localAt: new Date('2024-11-03T01:30:00Z'),
          localAtText: '2024-11-03 01:30:00', birthday: new Date('2000-02-29'), birthdayText: '2000-02-29', stamps: [],
        }).returning();
        const [updated] = await db.update(users).set({ tags: ['u', 'v'], profile: { city: 'Oslo', langs: ['no'] } }).where(eq(users.id, inserted.id)).returning({ tags: users.tags, profile: users.profile, at: users.createdAt });
        const plain = await db.update(users).set({ ratio: 2 }).where(eq(users.id, inserted.id));
        const [deleted] = await db.delete(users).where(eq(users.id, inserted.id)).returning();
        const { id: _a, name: _b, ...insertedValues } = inserted;
        const { id: _c, name: _d, ...deletedValues } = deleted;
        return canonical({ insertedValues, updated, deletedValues, plainCount: (plain as unknown as { count: number }).count });
      };
      const expected = await write(dbs.postgresJs, 'ref-writer');
      for (const transport of TRANSPORTS) expect({ transport, got: await write(dbs[transport], `${transport}-writer`) }).toStrictEqual({ transport, got: expected });
    });
  });
}

describe('joins of tables that share column names', () => {
  it('keep each table’s id and name apart', async () => {
    for (const transport of TRANSPORTS) {
      const rows = await dbs[transport].select({ postId: posts.id, userId: users.id, title: posts.title, name: users.name }).from(posts).innerJoin(users, eq(posts.userId, users.id)).orderBy(asc(posts.id));
      const ids = await pools[transport].query(`select p.id as post, u.id as "user" from ${names.posts} p join ${names.users} u on u.id = p.user_id order by p.id`);
      expect(rows.map((r) => [r.postId, r.userId, r.title, r.name])).toEqual(ids.map((r, i) => [r.post, r.user, ['first', 'second', 'third'][i], i < 2 ? 'Ada' : 'Bob']));
      // The third post's id is not its author's: a collapsed row would show the same number twice.
      expect(rows[2].postId).not.toBe(rows[2].userId);
    }
  });
});
