// Date parsing depends on the local time zone; run this file's process in one with an offset, as an
// ORM user's container may be. Set before any Date is made.
process.env.TZ = 'America/New_York';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../packages/gateway/src/index.js';
import { DATE_TIME_TYPES, createPool, type Pool, type PoolOptions } from '../src/index.http.js';
import { uniqueName } from './support/db.js';
import { databaseUrl } from './support/env.js';
import { startTestGateway } from './gateway-support.js';

// Results carry count, command and columns; values() gives rows as arrays; textTypes leaves chosen
// types as the server's text. The same on TCP, HTTP and WebSocket.

type Name = 'tcp' | 'http' | 'websocket';
const NAMES: Name[] = ['tcp', 'http', 'websocket'];

let gw: Gateway;
let base: PoolOptions;
const pools = {} as Record<Name, Pool>;
const table = uniqueName('results');

function poolFor(name: Name, options: PoolOptions = {}): Pool {
  return createPool({ ...base, transport: name, applicationName: `results-${name}`, ...options });
}

beforeAll(async () => {
  gw = await startTestGateway();
  base = { connectionString: databaseUrl(), httpEndpoint: gw.fetchEndpoint, wsProxy: `ws://${gw.wsProxy}` };
  for (const name of NAMES) pools[name] = poolFor(name);
  await pools.tcp.query(`create table ${table} (id int primary key, via text not null, note text)`);
});

afterAll(async () => {
  await pools.tcp?.query(`drop table if exists ${table}`).catch(() => {});
  await Promise.all(NAMES.map((name) => pools[name]?.end()));
  await gw?.close();
});

/** count, command and column names/types of a result, for comparing. */
function meta(result: { count: number; command: string; columns: { name: string; type: number }[] }) {
  return { count: result.count, command: result.command, columns: result.columns.map((c) => `${c.name}:${c.type}`) };
}

it('runs in a time zone with an offset', () => {
  expect(new Date('2024-01-01T12:00:00Z').getTimezoneOffset()).toBe(300);
});

describe.each(NAMES)('results over %s', (name) => {
  const id = NAMES.indexOf(name) * 100;
  const db = () => pools[name];

  it('are row arrays that carry count, command and columns', async () => {
    const rows = await db().sql`select n, n::text as t from generate_series(1, ${3}::int) as n`;
    expect(rows).toEqual([{ n: 1, t: '1' }, { n: 2, t: '2' }, { n: 3, t: '3' }]);
    expect(Array.isArray(rows)).toBe(true);
    expect(meta(rows)).toEqual({ count: 3, command: 'SELECT', columns: ['n:23', 't:25'] });
    // Only the rows are enumerable: JSON and spreads stay what they were.
    expect(JSON.stringify(rows)).toBe('[{"n":1,"t":"1"},{"n":2,"t":"2"},{"n":3,"t":"3"}]');
    expect(Object.keys(rows)).toEqual(['0', '1', '2']);
  });

  it('count rows affected by insert, update and delete, with returning or without', async () => {
    const insert = await db().query(`insert into ${table} (id, via) values ($1, $2), ($3, $2), ($4, $2)`, [id + 1, name, id + 2, id + 3]);
    expect(meta(insert)).toEqual({ count: 3, command: 'INSERT', columns: [] });
    expect([...insert]).toEqual([]);
    const update = await db().query(`update ${table} set note = 'x' where via = $1 and id > $2`, [name, id + 1]);
    expect(meta(update)).toEqual({ count: 2, command: 'UPDATE', columns: [] });
    const returning = await db().query(`update ${table} set note = 'y' where via = $1 returning id, note`, [name]);
    expect(meta(returning)).toEqual({ count: 3, command: 'UPDATE', columns: ['id:23', 'note:25'] });
    expect(returning.map((r) => r.id).sort()).toEqual([id + 1, id + 2, id + 3]);
    const del = await db().query(`delete from ${table} where via = $1 and id = $2 returning via`, [name, id + 3]);
    expect(meta(del)).toEqual({ count: 1, command: 'DELETE', columns: ['via:25'] });
    expect(del).toEqual([{ via: name }]);
    const none = await db().query(`delete from ${table} where via = $1 and id < 0`, [name]);
    expect(meta(none)).toEqual({ count: 0, command: 'DELETE', columns: [] });
    const empty = await db().query(`select id from ${table} where false`);
    expect(meta(empty)).toEqual({ count: 0, command: 'SELECT', columns: ['id:23'] });
  });

  it('give the first word of other command tags, with count 0', async () => {
    const temp = uniqueName('results_ddl');
    const created = await db().query(`create table ${temp} (a int)`);
    expect(meta(created)).toEqual({ count: 0, command: 'CREATE', columns: [] });
    const dropped = await db().query(`drop table ${temp}`);
    expect(meta(dropped)).toEqual({ count: 0, command: 'DROP', columns: [] });
  });

  it('values() gives rows as arrays in column order, keeping columns that share a name', async () => {
    const q = db().sql`select a.id, b.id, a.note, 2::int8 as id from (values (1, 'left')) as a(id, note), (values (${'x'}::text)) as b(id)`;
    const values = await q.values();
    expect([...values]).toStrictEqual([[1, 'x', 'left', '2']]);
    expect(meta(values)).toEqual({ count: 1, command: 'SELECT', columns: ['id:23', 'id:25', 'note:25', 'id:20'] });
    // The object form keeps the last of the columns named id, as every driver does.
    expect(await q).toEqual([{ id: '2', note: 'left' }]);
  });

  it('values() is lazy and composes with idempotent() in either order', async () => {
    const before = db().stats().created + db().stats().reused;
    const lazy = db().query('select $1::int as a, $1::int + 1 as a', [41]).values();
    expect(db().stats().created + db().stats().reused).toBe(before);
    expect(await lazy).toEqual([[41, 42]]);
    const a = db().sql`select ${1}::int as n`.idempotent().values();
    const b = db().sql`select ${1}::int as n`.values().idempotent();
    expect([a.flags.idempotent, b.flags.idempotent, a.statement.arrayRows, b.statement.arrayRows]).toEqual([true, true, true, true]);
    expect([await a, await b]).toEqual([[[1]], [[1]]]);
  });

  it('batch entries keep their own shape and facts', async () => {
    const [objects, arrays] = await db().batch([db().sql`select 1 as x, 2 as x`, db().sql`select 1 as x, 2 as x`.values()]);
    expect(objects).toEqual([{ x: 2 }]);
    expect(arrays).toEqual([[1, 2]]);
    expect(meta(arrays)).toEqual({ count: 1, command: 'SELECT', columns: ['x:23', 'x:23'] });
    const [written] = await db().batch([db().query(`update ${table} set note = 'z' where via = $1`, [name])]);
    expect(meta(written)).toMatchObject({ count: 2, command: 'UPDATE' });
  });

  it('textTypes per query: date and time values as the server sent them, arrays element-wise', async () => {
    const text = `select '2024-05-06 07:08:09.123456'::timestamp as ts, '2024-05-06 07:08:09.5+02'::timestamptz as tz, '2024-02-29'::date as d,
      '12:34:56'::time as t, '12:34:56+02'::timetz as ttz, '1 day 02:03:04'::interval as i, array['2024-01-01', null]::date[] as ds, 1::int4 as n`;
    const [expected] = await db().query(`select x.ts::text as ts, x.tz::text as tz, x.d::text as d, x.t::text as t, x.ttz::text as ttz, x.i::text as i from (${text}) as x`);
    // The same statement first without textTypes: on TCP it is prepared then, with its columns' types.
    const [parsed] = await db().query(text);
    expect(parsed.ts).toStrictEqual(new Date(2024, 4, 6, 7, 8, 9, 123)); // local wall clock: shifted by the offset
    expect(parsed.d).toBeInstanceOf(Date);
    const [row] = await db().query(text, [], { textTypes: DATE_TIME_TYPES });
    expect(row).toStrictEqual({ ...expected, ds: ['2024-01-01', null], n: 1 });
    // And parsed again afterwards.
    const [again] = await db().query(text);
    expect(again).toStrictEqual(parsed);
  });

  it('textTypes on the pool, replaced by a query\'s own list', async () => {
    const textPool = poolFor(name, { textTypes: DATE_TIME_TYPES, applicationName: `results-text-${name}` });
    try {
      const [row] = await textPool.sql`select '2024-05-06 07:08:09'::timestamp as ts, ${'2024-05-06'}::date as d, ${new Date('2024-05-06T10:00:00Z')}::timestamptz = '2024-05-06T10:00:00Z' as same`;
      expect(row).toStrictEqual({ ts: '2024-05-06 07:08:09', d: '2024-05-06', same: true });
      const [values] = await textPool.sql`select '2024-05-06'::date`.values();
      expect([...values]).toStrictEqual(['2024-05-06']);
      const [parsed] = await textPool.query(`select '2024-05-06'::date as d, '{"a":1}'::jsonb as j`, [], { textTypes: [] });
      expect(parsed).toStrictEqual({ d: new Date('2024-05-06'), j: { a: 1 } });
      const [json] = await textPool.query(`select '{"a":1}'::jsonb as j, true as b`, [], { textTypes: [3802, 16] });
      expect(json).toStrictEqual({ j: '{"a": 1}', b: 't' });
    } finally {
      await textPool.end();
    }
  });

  it.runIf(name !== 'http')('in transactions too: results, values() and textTypes on tx', async () => {
    const got = await db().transaction(async (tx) => {
      const inserted = await tx.query(`insert into ${table} (id, via) values ($1, $2) returning id`, [id + 50, name]);
      const values = await tx.sql`select ${id + 50}::int as id, 'a' as id`.values();
      const [dates] = await tx.query(`select '2024-05-06'::date as d`, [], { textTypes: DATE_TIME_TYPES });
      return { inserted: meta(inserted), values: [...values], dates };
    });
    expect(got).toEqual({ inserted: { count: 1, command: 'INSERT', columns: ['id:23'] }, values: [[id + 50, 'a']], dates: { d: '2024-05-06' } });
  });
});

describe('textTypes input', () => {
  it('is refused unless it is an array of type OIDs', () => {
    for (const bad of ['1082', [1082, 'x'], [0], [1.5], {}]) {
      expect(() => createPool({ ...base, textTypes: bad as never })).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }));
      expect(() => pools.tcp.query('select 1', [], { textTypes: bad as never })).toThrow(expect.objectContaining({ code: 'INVALID_OPTION', message: expect.stringContaining('DATE_TIME_TYPES') }));
    }
  });

  it('is read once on the pool: changing the array later changes nothing', async () => {
    const list = [1082];
    const db = poolFor('tcp', { textTypes: list, applicationName: 'results-copy' });
    list.push(1114);
    try {
      const [row] = await db.query(`select '2024-05-06'::date as d, '2024-05-06 01:02:03'::timestamp as ts`);
      expect(row).toStrictEqual({ d: '2024-05-06', ts: new Date(2024, 4, 6, 1, 2, 3) });
    } finally {
      await db.end();
    }
  });

  it('DATE_TIME_TYPES is frozen', () => {
    expect(DATE_TIME_TYPES).toEqual([1082, 1083, 1114, 1184, 1186, 1266]);
    expect(Object.isFrozen(DATE_TIME_TYPES)).toBe(true);
  });
});
