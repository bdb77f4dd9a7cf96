import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../packages/gateway/src/index.js';
import { createPool, type Pool } from '../src/index.http.js';
import { uniqueName } from './support/db.js';
import { databaseUrl } from './support/env.js';
import { startTestGateway } from './gateway-support.js';

// The same statements give the same JavaScript values over TCP (postgres.js), HTTP (neon()
// through the gateway) and WebSocket (the Neon driver's Client through the gateway). Values are
// compared strictly, class included (Buffer, Date), through `canonical`, which also tells NaN,
// -0 and Invalid Date apart.
//
// Accepted differences (asserted at the end, so a change shows up here):
// 1. Arrays of types created with CREATE TYPE (enum[], composite[]): TCP parses them into arrays
//    (postgres.js reads pg_type when it connects); HTTP and WebSocket know only built-in types and
//    return the array's text, '{a,c}'. Cast in SQL (`col::text[]`) for the same value everywhere.
// 2. A JavaScript array bound to a json/jsonb parameter: TCP sends it as JSON (the server
//    describes the parameter's type first); HTTP and WebSocket do not know the parameter's type
//    and send a Postgres array literal, which json refuses (22P02). Strings (sent as the JSON text
//    they hold) and plain objects (JSON-encoded) are the same everywhere. Portable: bind
//    JSON.stringify(array).
// 3. A Date bound to a date or timestamp (without time zone) parameter: TCP sends it as
//    timestamptz and the server converts it in its TimeZone; HTTP and WebSocket send the local
//    wall clock of this process. They agree when both use the same time zone (UTC on Lambda and
//    Workers). timestamptz parameters are exact everywhere.
// 4. Several statements in one call without parameters: refused with 42601 on every transport
//    (extended protocol), so no difference; listed because node-postgres alone would run them.

let gw: Gateway;
let tcp: Pool;
let http: Pool;
let websocket: Pool;
const mood = uniqueName('mood');
const posint = uniqueName('posint');
const table = uniqueName('parity');

beforeAll(async () => {
  gw = await startTestGateway();
  const base = { connectionString: databaseUrl(), httpEndpoint: gw.fetchEndpoint, wsProxy: `ws://${gw.wsProxy}` };
  // Types first: postgres.js learns array types when it connects.
  const setup = createPool({ ...base, applicationName: 'parity-setup' });
  await setup.query(`create type ${mood} as enum ('a', 'b', 'c')`);
  await setup.query(`create domain ${posint} as int check (value > 0)`);
  await setup.query(`create table ${table} (id int primary key, note text not null)`);
  await setup.end();
  tcp = createPool({ ...base, transport: 'tcp', applicationName: 'parity-tcp' });
  http = createPool({ ...base, transport: 'http', applicationName: 'parity-http' });
  websocket = createPool({ ...base, transport: 'websocket', applicationName: 'parity-ws' });
});

afterAll(async () => {
  await tcp?.query(`drop table if exists ${table}`).catch(() => {});
  await tcp?.query(`drop type if exists ${mood}`).catch(() => {});
  await tcp?.query(`drop domain if exists ${posint}`).catch(() => {});
  await Promise.all([tcp?.end(), http?.end(), websocket?.end()]);
  await gw?.close();
});

/** A value as a string that keeps its class and the cases equality blurs (NaN, -0, Invalid Date). */
function canonical(value: unknown): unknown {
  if (value === null) return null;
  if (typeof value === 'number') return Object.is(value, -0) ? 'number:-0' : `number:${value}`;
  if (typeof value !== 'object') return `${typeof value}:${String(value)}`;
  if (value instanceof Date) return `Date:${Number.isNaN(value.getTime()) ? 'Invalid' : value.toISOString()}`;
  if (value instanceof Uint8Array) return `${value.constructor.name}:${Buffer.from(value).toString('hex')}`;
  if (Array.isArray(value)) return value.map(canonical);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, canonical(v)]));
}

/** The statements of the sample set; each runs on every transport. */
const SAMPLES: Record<string, () => string> = {
  integers: () => `select 1::int2 as a, (-32768)::int2 as b, 2147483647::int4 as c, 9223372036854775807::int8 as d, (-1)::int8 as e, 42::oid as f, 7::${posint} as g`,
  numeric: () => `select 0.1::numeric as a, 1.50::numeric as b, 'NaN'::numeric as c, 123456789012345678901234567890.123::numeric as d, 1e-20::numeric as e`,
  floats: () => `select 1.5::float4 as a, 0.1::float4 as b, 0.1::float8 as c, 'NaN'::float8 as d, 'Infinity'::float8 as e, '-Infinity'::float4 as f, '-0'::float8 as g, 1e308::float8 as h, 5e-324::float8 as i`,
  booleans: () => `select true as a, false as b`,
  text: () => `select 'héllo ☃ 😀'::text as a, ''::text as b, E'line\\nbreak "q" \\\\ back'::text as c, 'ab'::char(4) as d, 'x'::varchar(3) as e, 'n'::name as f, 'a'::"char" as g`,
  uuid: () => `select 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid as a`,
  dates: () => `select '2024-02-29'::date as a, '0001-01-01'::date as b, 'infinity'::date as c, '-infinity'::date as d, '1999-12-31 BC'::date as e`,
  timestamps: () => `select '2024-05-06 07:08:09.123456'::timestamp as a, 'infinity'::timestamp as b, '2024-05-06 07:08:09.123456+02'::timestamptz as c, '1970-01-01 00:00:00+00'::timestamptz as d, '2024-05-06 07:08'::timestamptz(0) as e`,
  intervals: () => `select '1 year 2 mons 3 days 04:05:06.789'::interval as a, '-1 day'::interval as b, '0'::interval as c, '12:34:56'::time as d, '12:34:56+02'::timetz as e`,
  json: () => `select '{"a":[1,2,{"b":null}],"c":"d"}'::json as a, '{"z":1,"a":2}'::jsonb as b, '[1,"x",null,true]'::jsonb as c, 'null'::jsonb as d, '"s"'::jsonb as e, '3.14'::json as f, '{"big":12345678901234567890}'::jsonb as g`,
  bytea: () => `select '\\x'::bytea as a, '\\xdeadbeef00ff'::bytea as b`,
  arrays: () => `select array[1,2,3]::int4[] as a, '{}'::int4[] as b, array[[1,2],[3,4]]::int2[] as c, array[1,null]::int8[] as d,
    array['a','b,c','"q"','back\\slash','NULL',null,'','{x}']::text[] as e, array[true,null,false]::bool[] as f, array[1.5,null,'NaN']::float8[] as g,
    array['{"a":1}',null]::jsonb[] as h, array['2024-01-01',null]::date[] as i, array['2024-01-01 00:00:00+00']::timestamptz[] as j,
    array['\\x01',null]::bytea[] as k, array[0.1,null]::numeric[] as l, array['a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11']::uuid[] as m,
    '[1:2]={5,6}'::int[] as n, array['(1,2),(3,4)','(0,0),(1,1)']::box[] as o, array['1 day']::interval[] as p, array[[['x']]]::text[] as q`,
  nulls: () => `select null::int as a, null::text as b, null::jsonb as c, null::bytea as d, null::int[] as e, null::timestamptz as f, null::bool as g, null as h`,
  enums: () => `select 'b'::${mood} as a, array_length(enum_range(null::${mood}), 1) as n`,
  others: () => `select '192.168.0.1/24'::inet as a, '10.0.0.0/8'::cidr as b, '(1,2)'::point as c, '[1,5)'::int4range as d, row(1, 'a') as e, 'a & b'::tsquery as f, B'101'::bit(3) as g, '08:00:2b:01:02:03'::macaddr as h`,
  columns: () => `select 1 as same, 2 as same, 3 as "Mixed Case", 4 as "with space"`,
  empty: () => `select 1 as a where false`,
};

async function onAll(run: (db: Pool) => PromiseLike<unknown>): Promise<{ tcp: unknown; http: unknown; websocket: unknown }> {
  const [a, b, c] = await Promise.all([run(tcp), run(http), run(websocket)]);
  return { tcp: canonical(a), http: canonical(b), websocket: canonical(c) };
}

describe('the same values on TCP, HTTP and WebSocket', () => {
  for (const [name, text] of Object.entries(SAMPLES)) {
    it(name, async () => {
      const got = await onAll((db) => db.query(text()));
      expect(got.http).toStrictEqual(got.tcp);
      expect(got.websocket).toStrictEqual(got.tcp);
    });
  }

  it('gives the types the documented JavaScript classes', async () => {
    const [row] = await http.query(`${SAMPLES.integers()}`);
    expect(row).toStrictEqual({ a: 1, b: -32768, c: 2147483647, d: '9223372036854775807', e: '-1', f: 42, g: 7 });
    const [other] = await http.query(`select 1.50::numeric as n, '2024-02-29'::date as d, '\\x01'::bytea as b, array[1,null]::int[] as a, '1 day'::interval as i`);
    expect(other).toStrictEqual({ n: '1.50', d: new Date('2024-02-29T00:00:00.000Z'), b: Buffer.from([1]), a: [1, null], i: '1 day' });
  });

  it('sends parameters the same way', async () => {
    const params = [
      new Date('2024-01-02T03:04:05.678Z'), '2024-05-06', '2024-05-06 07:08:09', Buffer.from([0, 1, 254, 255]),
      [1, null, 2], ['a', 'b,"c', null, 'NULL', ''], { a: [1, 'x'], b: null }, { k: 'v' }, 9007199254740993n, '1.50', true, 1.5, null,
      'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', [new Date('2024-01-01T00:00:00.000Z')], [Buffer.from([1])], 'héllo', -0, 'b', [[1, 2], [3, 4]],
    ];
    const text = `select $1::timestamptz as a, $2::date as b, $3::timestamp as c, $4::bytea as d, $5::int[] as e, $6::text[] as f, $7::jsonb as g,
      $8::json as h, $9::int8 as i, $10::numeric as j, $11::bool as k, $12::float8 as l, $13::text as m, $14::uuid as n, $15::timestamptz[] as o,
      $16::bytea[] as p, $17::text as q, $18::float8 as r, $19::${mood} as s, $20::int[] as t`;
    const got = await onAll((db) => db.query(text, params));
    expect(got.http).toStrictEqual(got.tcp);
    expect(got.websocket).toStrictEqual(got.tcp);
  });

  it('sends a string bound to json or jsonb as the JSON it holds, and objects as JSON', async () => {
    // A column, not a cast: the server alone tells the driver the parameter is jsonb.
    const jsonTable = uniqueName('parity_json');
    await tcp.query(`create table ${jsonTable} (via text primary key, j jsonb not null, t json not null)`);
    try {
      const stored = await onAll(async (db) => {
        const via = db === tcp ? 'tcp' : db === http ? 'http' : 'websocket';
        await db.query(`insert into ${jsonTable} values ($1 || '-string', $2, $3)`, [via, '{"a":1,"tags":["x"]}', '[1,"two"]']);
        await db.query(`insert into ${jsonTable} values ($1 || '-object', $2, $3)`, [via, { a: 1, tags: ['x'] }, { n: null }]);
        const found = await db.query(`select via, j ->> 'a' as a, j @> $2 as tagged, jsonb_typeof(j) as kind, t::text as t from ${jsonTable} where via like $1 || '-%' order by via`, [via, '{"tags":["x"]}']);
        return found.map((row) => ({ ...row, via: String(row.via).replace(/^[a-z]+-/, '') }));
      });
      expect(stored.tcp).toStrictEqual([
        { via: 'string:object', a: 'string:1', tagged: 'boolean:true', kind: 'string:object', t: 'string:{"n":null}' },
        { via: 'string:string', a: 'string:1', tagged: 'boolean:true', kind: 'string:object', t: 'string:[1,"two"]' },
      ]);
      expect(stored.http).toStrictEqual(stored.tcp);
      expect(stored.websocket).toStrictEqual(stored.tcp);
      // A string that is not JSON is refused the same way everywhere, rather than stored as a JSON string.
      const invalid = await onAll((db) => db.query(`select $1::jsonb as j`, ['not json']).catch((e) => e.code));
      expect(invalid).toStrictEqual({ tcp: 'string:22P02', http: 'string:22P02', websocket: 'string:22P02' });
    } finally {
      await tcp.query(`drop table ${jsonTable}`);
    }
  });

  it('runs batches with the same results', async () => {
    const got = await onAll((db) => db.batch([db.sql`select ${1}::int as a`, db.sql`select ${'x'}::text as b, current_setting('transaction_isolation') as iso`], { isolation: 'repeatable read', readOnly: true }));
    expect(got.http).toStrictEqual(got.tcp);
    expect(got.websocket).toStrictEqual(got.tcp);
  });

  it('raises the same DatabaseError, with the SQLSTATE fields', async () => {
    await tcp.query(`insert into ${table} values (1, 'one')`);
    const errorOf = (db: Pool) =>
      db.query(`insert into ${table} values (1, 'again')`).then(
        () => 'no error',
        (e) => ({ name: e.name, code: e.code, sqlState: e.sqlState, notApplied: e.notApplied, severity: e.severity, detail: e.detail, table: e.table, constraint: e.constraint, schema: e.schema, message: e.message }),
      );
    const got = await onAll(errorOf);
    expect(got.tcp).toMatchObject({ name: 'string:DatabaseError', code: 'string:23505', constraint: `string:${table}_pkey` });
    expect(got.http).toStrictEqual(got.tcp);
    expect(got.websocket).toStrictEqual(got.tcp);
    const position = (db: Pool) => db.query('select no_such_column').catch((e) => [e.code, e.position, e.message]);
    const positions = await onAll(position);
    expect(positions.http).toStrictEqual(positions.tcp);
    expect(positions.websocket).toStrictEqual(positions.tcp);
  });
});

describe('accepted differences', () => {
  it('1. arrays of CREATE TYPE types: parsed on TCP, array text on HTTP and WebSocket', async () => {
    const text = `select array['a','c']::${mood}[] as a, array['a','c']::${mood}[]::text[] as same`;
    const got = await onAll((db) => db.query(text));
    expect(got.tcp).toStrictEqual([{ a: ['string:a', 'string:c'], same: ['string:a', 'string:c'] }]);
    expect(got.http).toStrictEqual([{ a: 'string:{a,c}', same: ['string:a', 'string:c'] }]);
    expect(got.websocket).toStrictEqual(got.http);
  });

  it('2. an array bound to a json parameter: an array literal (refused) everywhere, JSON on TCP only with prepare: true', async () => {
    const array = await onAll((db) => db.query('select $1::jsonb as j', [[1, 2]]).catch((e) => e.code));
    expect(array).toStrictEqual({ tcp: 'string:22P02', http: 'string:22P02', websocket: 'string:22P02' });
    // A named statement is described first, and the driver encodes the array by the type the server gave.
    const prepared = createPool({ connectionString: databaseUrl(), transport: 'tcp', prepare: true, applicationName: 'parity-prepared', max: 1 });
    try {
      expect(canonical(await prepared.query('select $1::jsonb as j', [[1, 2]]))).toStrictEqual([{ j: ['number:1', 'number:2'] }]);
    } finally {
      await prepared.end();
    }
    const portable = await onAll((db) => db.query('select $1::jsonb as j', [JSON.stringify([1, 'x'])]));
    expect(portable.tcp).toStrictEqual([{ j: ['number:1', 'string:x'] }]);
    expect(portable.http).toStrictEqual(portable.tcp);
    expect(portable.websocket).toStrictEqual(portable.tcp);
  });

  it('3. a Date bound to date or timestamp: server time zone on TCP, local on HTTP and WebSocket', async () => {
    const [{ zone }] = await tcp.query<{ zone: string }>(`select current_setting('TimeZone') as zone`);
    const local = Intl.DateTimeFormat().resolvedOptions().timeZone;
    const dates = [new Date('2024-05-06T00:30:00.000Z'), new Date('2024-05-06T23:30:00.000Z')];
    const got = await onAll((db) => db.query('select $1::date as a, $2::timestamp as b, $3::timestamptz as c, $4::date[] as d', [...dates, dates[0], dates]));
    if (zone === local) {
      expect(got.http).toStrictEqual(got.tcp);
      expect(got.websocket).toStrictEqual(got.tcp);
    } else {
      expect((got.http as { c: unknown }[])[0].c).toStrictEqual((got.tcp as { c: unknown }[])[0].c);
    }
  });

  it('4. several statements in one call are refused everywhere', async () => {
    const got = await onAll((db) => db.query('select 1; select 2').catch((e) => e.code));
    expect(got).toStrictEqual({ tcp: 'string:42601', http: 'string:42601', websocket: 'string:42601' });
    expect(await websocket.query('select 3 as n')).toEqual([{ n: 3 }]); // the session is usable after the error
  });
});
