import { PrismaPg } from '@prisma/adapter-pg';
import { fileURLToPath } from 'node:url';
import { type BuildOptions, build } from 'esbuild';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrismaWarmpool } from '../src/adapters/prisma/index.js';
import type { Gateway } from '../packages/gateway/src/index.js';
import { createPool, type Pool, type TransportName } from '../src/index.http.js';
import { startTestGateway } from './gateway-support.js';
import { databaseUrl } from './support/env.js';
import { type GeneratedClient, type PrismaModule, SCHEMA_DDL, generateClient } from './prisma/setup.js';

// Prisma 7 through warmpool/prisma over TCP, WebSocket and HTTP, against the same client on
// @prisma/adapter-pg (node-postgres) and the same database: every model read, write, raw query
// and error is compared value by value, class included, in UTC and in America/New_York.

/* eslint-disable @typescript-eslint/no-explicit-any */
type Client = any;

let generated: GeneratedClient;
let prisma: PrismaModule;
let gw: Gateway;
let pgPool: pg.Pool;
let reference: Client;
const pools: Pool[] = [];
const clients = {} as Record<TransportName, Client>;

beforeAll(async () => {
  generated = await generateClient();
  prisma = await generated.load();
  gw = await startTestGateway();
  const setup = createPool({ connectionString: databaseUrl(), applicationName: 'prisma-setup' });
  for (const statement of SCHEMA_DDL.split(';').filter((s) => s.trim())) await setup.query(statement);
  await setup.end();
  const base = { connectionString: databaseUrl(), httpEndpoint: gw.fetchEndpoint, wsProxy: `ws://${gw.wsProxy}` };
  for (const transport of ['tcp', 'websocket', 'http'] as const) {
    const pool = createPool({ ...base, transport, applicationName: `prisma-${transport}` });
    pools.push(pool);
    clients[transport] = new prisma.PrismaClient({ adapter: new PrismaWarmpool(pool) });
  }
  pgPool = new pg.Pool({ connectionString: databaseUrl(), max: 2 });
  reference = new prisma.PrismaClient({ adapter: new PrismaPg(pgPool) });
});

afterAll(async () => {
  await Promise.all([...Object.values(clients), reference].map((c) => c?.$disconnect()));
  await pgPool?.end();
  await Promise.all(pools.map((p) => p.end()));
  await gw?.close();
  await generated?.remove();
});

/** A value as a string that keeps its class (Date, Decimal, BigInt, Uint8Array…). */
function canonical(value: unknown): unknown {
  if (value === null || value === undefined) return value ?? 'undefined';
  if (typeof value === 'bigint') return `bigint:${value}`;
  if (typeof value !== 'object') return `${typeof value}:${String(value)}`;
  if (value instanceof Date) return `Date:${Number.isNaN(value.getTime()) ? 'Invalid' : value.toISOString()}`;
  if (value instanceof Uint8Array) return `${value.constructor.name}:${Buffer.from(value).toString('hex')}`;
  if (value.constructor?.name === 'Decimal') return `Decimal:${String(value)}`;
  if (Array.isArray(value)) return value.map(canonical);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, canonical(v)]));
}

/** Runs `query` on the client under test and on adapter-pg; both answers, canonical. */
async function both(client: Client, query: (c: Client) => Promise<unknown>): Promise<{ got: unknown; want: unknown }> {
  return { got: canonical(await query(client)), want: canonical(await query(reference)) };
}

const errorOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 'no error',
    (e: any) => ({ name: e.name, code: e.code, meta: canonical(e.meta), message: e.message }),
  );

let sequence = 0;
function userData(tag: string) {
  const n = ++sequence;
  return {
    email: `${tag}-${n}@example.com`,
    name: n % 2 ? `Ünïcode ☃ ${n}` : null,
    role: 'ADMIN',
    roles: ['EDITOR', 'ADMIN'],
    tags: ['plain', 'with,comma', '"quoted"', 'back\\slash', '', 'NULL'],
    scores: [1, -2, 2147483647],
    profile: { nested: { n: 1.5, big: 12345678901234567890, s: 'é' }, list: [1, 'x', null, true], empty: {} },
    balance: new prisma.Prisma.Decimal('1234567890.55'),
    visits: 9007199254740993n,
    ratio: 0.1,
    active: n % 3 !== 0,
    uuid: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
    avatar: new Uint8Array([0, 1, 127, 128, 254, 255]),
    birthday: new Date('1990-02-28T00:00:00.000Z'),
    wakeAt: new Date('1970-01-01T07:30:15.250Z'),
    lastSeen: new Date('2024-03-10T02:30:00.123Z'),
    createdAt: new Date('2024-11-03T05:59:59.999Z'),
  };
}

const postData = (title: string) => ({
  title,
  body: 'body',
  meta: { k: 'v', n: [1, 2] },
  stamps: [new Date('2024-03-10T07:00:00.000Z'), new Date('1969-12-31T23:59:59.999Z')],
  published: true,
});

describe('bundles', () => {
  it('keep Prisma out of a handler that does not import warmpool/prisma, and postgres.js out of the adapter', async () => {
    const inputs = async (contents: string, options: BuildOptions) => {
      const result = await build({ stdin: { contents, resolveDir: fileURLToPath(new URL('..', import.meta.url)), loader: 'ts' }, bundle: true, write: false, metafile: true, format: 'esm', logLevel: 'silent', ...options });
      return Object.keys(result.metafile!.inputs);
    };
    const core = await inputs(`export { createPool } from './src/index.ts';`, { platform: 'node', packages: 'external' });
    expect(core.filter((f) => f.includes('adapters/') || f.includes('@prisma'))).toEqual([]);
    const adapter = await inputs(`export { PrismaWarmpool } from './src/adapters/prisma/index.ts';`, { platform: 'neutral', conditions: ['workerd'], mainFields: ['module', 'main'], external: ['node:*'] });
    expect(adapter.some((f) => f.includes('@prisma/driver-adapter-utils'))).toBe(true);
    expect(adapter.filter((f) => f.includes('node_modules/postgres/') || f.includes('transports/') || f.includes('@neondatabase'))).toEqual([]);
  });
});

for (const zone of ['UTC', 'America/New_York']) {
  describe(`in TZ=${zone}`, () => {
    beforeAll(() => {
      process.env.TZ = zone;
      // Takes effect at once in Node: a local date in January is 5 h behind UTC in New York.
      expect(new Date(2024, 0, 1).getTimezoneOffset()).toBe(zone === 'UTC' ? 0 : 300);
    });

    for (const transport of ['tcp', 'websocket', 'http'] as const) {
      describe(`over ${transport}`, () => {
        const client = () => clients[transport];
        const tag = `${transport}-${zone.replace('/', '')}`;

        it('writes every column type and reads it back as adapter-pg does', async () => {
          const created = await client().user.create({ data: userData(tag) });
          await client().post.create({ data: { ...postData('first'), authorId: created.id } });
          await client().post.create({ data: { ...postData('second'), published: false, authorId: created.id } });
          const stored = await reference.user.findUnique({ where: { id: created.id } });
          expect(canonical(created)).toStrictEqual(canonical(stored));
          const { got, want } = await both(client(), (c) => c.user.findUnique({ where: { id: created.id }, include: { posts: { orderBy: { id: 'asc' } } } }));
          expect(got).toStrictEqual(want);
          expect((got as { posts: unknown[] }).posts).toHaveLength(2);
        });

        it('filters, orders, selects, counts and joins as adapter-pg does', async () => {
          const users = await Promise.all([0, 1, 2].map(() => client().user.create({ data: userData(`${tag}-q`) })));
          for (const u of users) await client().post.create({ data: { ...postData(`p${u.id}`), authorId: u.id } });
          const ids = users.map((u: { id: number }) => u.id);
          const queries: ((c: Client) => Promise<unknown>)[] = [
            (c) => c.user.findMany({ where: { id: { in: ids } }, orderBy: { id: 'desc' } }),
            (c) => c.user.findMany({ where: { id: { in: ids }, roles: { has: 'EDITOR' }, tags: { hasSome: ['with,comma'] } }, select: { id: true, roles: true, tags: true } }),
            (c) => c.user.findMany({ where: { id: { in: ids }, profile: { path: ['nested', 's'], equals: 'é' } }, select: { id: true, profile: true } }),
            (c) => c.user.findMany({ where: { id: { in: ids }, birthday: { lte: new Date('2000-01-01T00:00:00.000Z') }, lastSeen: { gt: new Date('2024-03-10T02:30:00.000Z') } }, select: { id: true } }),
            (c) => c.user.findMany({ where: { id: { in: ids } }, include: { posts: true }, relationLoadStrategy: 'join' }),
            (c) => c.user.findMany({ where: { id: { in: ids } }, include: { posts: true }, relationLoadStrategy: 'query' }),
            (c) => c.post.findMany({ where: { authorId: { in: ids } }, include: { author: { select: { email: true, balance: true, visits: true } } }, orderBy: { id: 'asc' } }),
            (c) => c.user.count({ where: { id: { in: ids }, active: true } }),
            (c) => c.user.aggregate({ where: { id: { in: ids } }, _sum: { balance: true, visits: true }, _avg: { ratio: true }, _max: { createdAt: true } }),
            (c) => c.user.groupBy({ by: ['role'], where: { id: { in: ids } }, _count: { _all: true }, _sum: { visits: true } }),
            (c) => c.user.findFirst({ where: { id: { in: ids } }, orderBy: { id: 'asc' }, skip: 1, take: 1, select: { email: true, avatar: true, wakeAt: true } }),
          ];
          for (const query of queries) {
            const { got, want } = await both(client(), query);
            expect(got).toStrictEqual(want);
          }
        });

        it('reports the rows updateMany and deleteMany changed, and upserts', async () => {
          const users = await Promise.all([0, 1].map(() => client().user.create({ data: userData(`${tag}-u`) })));
          const ids = users.map((u: { id: number }) => u.id);
          expect(await client().user.updateMany({ where: { id: { in: ids } }, data: { visits: { increment: 1 }, tags: { push: 'pushed' } } })).toEqual({ count: 2 });
          const updated = await client().user.update({ where: { id: ids[0] }, data: { profile: { replaced: true }, balance: '-0.01', avatar: null } });
          expect(canonical(updated)).toStrictEqual(canonical(await reference.user.findUnique({ where: { id: ids[0] } })));
          const upsert = (c: Client, create: object) => c.user.upsert({ where: { email: users[1].email }, update: { name: 'upserted' }, create, select: { name: true, visits: true, tags: true } });
          // The unique field has the same value in where and create: Prisma sends one
          // INSERT … ON CONFLICT DO UPDATE, which needs no transaction, so it runs on HTTP too.
          const native = { ...userData(`${tag}-never`), email: users[1].email };
          expect(canonical(await upsert(client(), native))).toStrictEqual(canonical(await upsert(reference, native)));
          const other = userData(`${tag}-never`);
          if (transport === 'http') {
            // Any other upsert is a read and a write in a transaction, which HTTP does not have.
            const error: any = await upsert(client(), other).catch((e: unknown) => e);
            expect({ name: error.name, code: error.code, message: error.message }).toMatchObject({ code: 'NOT_SUPPORTED_ON_TRANSPORT', message: expect.stringContaining("transport 'websocket'") });
          } else expect(canonical(await upsert(client(), other))).toStrictEqual(canonical(await upsert(reference, other)));
          expect(await client().user.deleteMany({ where: { id: { in: ids } } })).toEqual({ count: 2 });
          expect(await reference.user.count({ where: { id: { in: ids } } })).toBe(0);
        });

        it('returns raw queries with the types adapter-pg gives them', async () => {
          const raw = (c: Client) => c.$queryRaw`select 1::int2 as a, 2147483647 as b, 9007199254740993::int8 as c, 1.50::numeric as d, 0.1::float4 as e, 0.1::float8 as f,
            true as g, 'x'::text as h, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid as i, '2024-02-29'::date as j, '12:34:56.789'::time as k,
            '12:34:56+02'::timetz as l, '2024-05-06 07:08:09.123'::timestamp as m, '2024-05-06 07:08:09.123+02'::timestamptz as n, '{"a":[1]}'::jsonb as o,
            '\\xdeadbeef'::bytea as p, array[1,null,3]::int[] as q, array['a','b']::text[] as r, array['2024-01-01 00:00:00+00']::timestamptz[] as s,
            '12.34'::money as t, 'EDITOR'::prisma_role as u, array['MEMBER','ADMIN']::prisma_role[] as v, 42::oid as w, B'101'::bit(3) as x,
            array['{"a":1}']::jsonb[] as y, array[0.5]::numeric[] as z, null::int as nul, 'abc'::varchar(5) as vc, '10.0.0.1'::inet as ip`;
          const { got, want } = await both(client(), raw);
          expect(got).toStrictEqual(want);
          const params = (c: Client) =>
            c.$queryRaw`select ${new Date('2024-01-02T03:04:05.678Z')}::timestamptz as a, ${'2024-01-02'}::date as b, ${9007199254740993n}::int8 as c,
              ${new prisma.Prisma.Decimal('1.25')}::numeric as d, ${Buffer.from([1, 2])}::bytea as e, ${[1, 2]}::int[] as f, ${JSON.stringify({ a: 1 })}::jsonb as g`;
          const withParams = await both(client(), params);
          expect(withParams.got).toStrictEqual(withParams.want);
          const count = await both(client(), (c) => c.$executeRaw`update prisma_users set visits = visits where email like ${`${tag}-%`}`);
          expect(count.got).toStrictEqual(count.want);
        });

        it('raises P2002 on a unique violation and P2003 on a foreign-key violation, as adapter-pg', async () => {
          const user = await client().user.create({ data: userData(`${tag}-e`) });
          const duplicate = (c: Client) => errorOf(c.user.create({ data: { ...userData(`${tag}-e`), email: user.email } }));
          const unique = { got: await duplicate(client()), want: await duplicate(reference) };
          expect(unique.got).toMatchObject({ code: 'P2002' });
          expect(unique.got).toStrictEqual(unique.want);
          const orphan = (c: Client) => errorOf(c.post.create({ data: { ...postData('orphan'), authorId: 2_000_000_000 } }));
          const foreign = { got: await orphan(client()), want: await orphan(reference) };
          expect(foreign.got).toMatchObject({ code: 'P2003' });
          expect(foreign.got).toStrictEqual(foreign.want);
          const missing = (c: Client) => errorOf(c.user.update({ where: { id: 2_000_000_000 }, data: { name: 'x' } }));
          expect(await missing(client())).toStrictEqual(await missing(reference));
        });

        if (transport === 'http') {
          it('refuses interactive transactions with NOT_SUPPORTED_ON_TRANSPORT, reachable from the Prisma error', async () => {
            const error: any = await client().$transaction(async () => 'never').catch((e: unknown) => e);
            expect({ name: error.name, code: error.code, notApplied: error.notApplied }).toEqual({ name: 'WarmpoolError', code: 'NOT_SUPPORTED_ON_TRANSPORT', notApplied: true });
            // A nested write is a transaction for Prisma: refused the same way, and nothing is written.
            const email = `${tag}-nested@example.com`;
            const nested: any = await client().user.create({ data: { ...userData(tag), email, posts: { create: [postData('x')] } } }).catch((e: unknown) => e);
            expect({ code: nested.code, notApplied: nested.notApplied ?? nested.meta?.notApplied }).toEqual({ code: 'NOT_SUPPORTED_ON_TRANSPORT', notApplied: true });
            expect(await reference.user.count({ where: { email } })).toBe(0);
          });
          return;
        }

        it('runs nested writes, interactive transactions with an isolation level, savepoints, and rolls back on a throw', async () => {
          const nested = await client().user.create({ data: { ...userData(`${tag}-t`), posts: { create: [postData('a'), postData('b')] } }, include: { posts: { orderBy: { id: 'asc' } } } });
          expect(canonical(nested)).toStrictEqual(canonical(await reference.user.findUnique({ where: { id: nested.id }, include: { posts: { orderBy: { id: 'asc' } } } })));

          const isolation = await client().$transaction(
            async (tx: Client) => {
              await tx.user.update({ where: { id: nested.id }, data: { name: 'in tx' } });
              return tx.$queryRaw`select current_setting('transaction_isolation') as iso`;
            },
            { isolationLevel: 'Serializable' },
          );
          expect(isolation).toEqual([{ iso: 'serializable' }]);
          expect((await reference.user.findUnique({ where: { id: nested.id } })).name).toBe('in tx');

          const thrown = await client()
            .$transaction(async (tx: Client) => {
              await tx.user.update({ where: { id: nested.id }, data: { name: 'rolled back' } });
              await tx.$transaction(async (inner: Client) => inner.post.deleteMany({ where: { authorId: nested.id } }));
              throw new Error('abort');
            })
            .catch((e: Error) => e.message);
          expect(thrown).toBe('abort');
          expect((await reference.user.findUnique({ where: { id: nested.id }, include: { posts: true } })) as object).toMatchObject({ name: 'in tx', posts: [{}, {}] });

          // A nested transaction is a savepoint: rolling it back keeps the outer work.
          await client().$transaction(async (tx: Client) => {
            await tx.user.update({ where: { id: nested.id }, data: { name: 'outer kept' } });
            await tx.$transaction(async (inner: Client) => {
              await inner.post.deleteMany({ where: { authorId: nested.id } });
              throw new Error('inner');
            }).catch(() => {});
          });
          expect((await reference.user.findUnique({ where: { id: nested.id }, include: { posts: true } })) as object).toMatchObject({ name: 'outer kept', posts: [{}, {}] });

          const [count, user] = await client().$transaction([client().post.count({ where: { authorId: nested.id } }), client().user.update({ where: { id: nested.id }, data: { visits: 1n } })]);
          expect(count).toBe(2);
          expect(user.visits).toBe(1n);
        });
      });
    }
  });
}
