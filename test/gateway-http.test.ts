import { neonConfig, Pool, type FieldDef, type NeonDbError } from '@neondatabase/serverless';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../packages/gateway/src/index.js';
import { adminClient, uniqueName, type AdminSql } from './support/db.js';
import { adminUrl, databaseUrl } from './support/env.js';
import { neonVia, postSql, rawRequest, startTestGateway, waitFor } from './gateway-support.js';

// The gateway's /sql speaks Neon's HTTP protocol: the real @neondatabase/serverless driver runs
// against it unchanged (only fetchEndpoint points at it).

let gw: Gateway;
let admin: AdminSql;
const table = uniqueName('gw_http');

beforeAll(async () => {
  gw = await startTestGateway();
  admin = adminClient(adminUrl());
  await neonVia(gw).query(`create table ${table} (id int primary key, note text not null)`);
});

afterAll(async () => {
  await neonVia(gw).query(`drop table if exists ${table}`);
  await gw.close();
  await admin.end();
});

describe('gateway /sql with the Neon driver', () => {
  it('runs queries with bound parameters, never spliced into the text', async () => {
    const sql = neonVia(gw);
    const hostile = "'); drop table users; --";
    expect(await sql`select ${hostile}::text as v, ${41}::int + 1 as n`).toEqual([{ v: hostile, n: 42 }]);
    expect(await sql.query('select $1::text as a, $2::int as b', ['x', 7])).toEqual([{ a: 'x', b: 7 }]);
  });

  it('returns each type as the driver parses it from the text and dataTypeID', async () => {
    const sql = neonVia(gw);
    const [row] = await sql`
      select 1::int2 as i2, 2::int4 as i4, 9007199254740993::int8 as i8, 1.50::numeric as num, 2.5::float8 as f8,
             true as yes, false as no, 'héllo'::text as txt, '{"a":[1,null]}'::json as j, '{"b":2}'::jsonb as jb,
             '2024-05-06T07:08:09.123Z'::timestamptz as tstz, '2024-05-06'::date as d,
             array[1,2,3]::int[] as ints, array['a b','"q"',null]::text[] as texts,
             ${Buffer.from([0xde, 0xad, 0xbe, 0xef])}::bytea as bin, null::int as nothing,
             'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid as id`;
    expect(row).toEqual({
      i2: 1, i4: 2, i8: '9007199254740993', num: '1.50', f8: 2.5, yes: true, no: false, txt: 'héllo',
      j: { a: [1, null] }, jb: { b: 2 }, tstz: new Date('2024-05-06T07:08:09.123Z'), d: expect.any(Date),
      ints: [1, 2, 3], texts: ['a b', '"q"', null], bin: Buffer.from([0xde, 0xad, 0xbe, 0xef]), nothing: null,
      id: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
    });
  });

  it('gives arrayMode rows and fullResults with fields, command and rowCount', async () => {
    const sql = neonVia(gw, undefined, { arrayMode: true, fullResults: true });
    const res = await sql`select 1 as a, 'x' as a`;
    expect(res.rows).toEqual([[1, 'x']]); // duplicate column names survive in array mode
    expect(res.command).toBe('SELECT');
    expect(res.rowCount).toBe(1);
    expect(res.fields.map((f) => [f.name, f.dataTypeID])).toEqual([['a', 23], ['a', 25]]);

    const plain = neonVia(gw, undefined, { fullResults: true });
    const ins = await plain.query(`insert into ${table} values (100, 'a'), (101, 'b')`);
    expect([ins.command, ins.rowCount, ins.rows]).toEqual(['INSERT', 2, []]);
    const upd = await plain.query(`update ${table} set note = note || '!' where id >= 100`);
    expect([upd.command, upd.rowCount]).toEqual(['UPDATE', 2]);
    const ddl = await plain.query(`create temp table ${uniqueName('t')} (x int)`);
    expect([ddl.command, ddl.rowCount]).toEqual(['CREATE', null]);
    const [tableField] = (await plain.query(`select id from ${table} limit 0`)).fields;
    expect(tableField.tableID).toBeGreaterThan(0);
    expect(tableField.columnID).toBe(1);
  });

  it('gives the fields Postgres describes, with dataTypeSize and dataTypeModifier, as pg reports them', async () => {
    const text = `select 1::int4 as i, 'x'::varchar(10) as v, 1.5::numeric(5,2) as n, now()::timestamptz(3) as t, 'a'::text as s, id, note from ${table} right join (select) x on false`;
    const client = new pg.Client({ connectionString: databaseUrl() });
    await client.connect();
    const direct = await client.query(text);
    await client.end();
    const viaGateway = await neonVia(gw, undefined, { fullResults: true }).query(text);
    const shape = (f: FieldDef) => ({ ...f });
    expect(viaGateway.fields.map(shape)).toEqual(direct.fields.map(shape));
    expect(viaGateway.fields.find((f) => f.name === 'v')).toMatchObject({ dataTypeSize: -1, dataTypeModifier: 14 });
    expect(viaGateway.fields.find((f) => f.name === 'i')).toMatchObject({ dataTypeSize: 4, dataTypeModifier: -1 });
  });

  it('serves Pool.query over fetch (poolQueryViaFetch), whose connection string carries no port', async () => {
    neonConfig.fetchEndpoint = () => gw.fetchEndpoint;
    neonConfig.poolQueryViaFetch = true;
    const pool = new Pool({ connectionString: databaseUrl() });
    try {
      expect(new URL(databaseUrl()).port).not.toBe('5432');
      const { rows } = await pool.query('select $1::int + 1 as n', [41]);
      expect(rows).toEqual([{ n: 42 }]);
    } finally {
      neonConfig.poolQueryViaFetch = false;
      await pool.end();
    }
  });

  it('runs sql.transaction([...]) as one transaction that commits', async () => {
    const sql = neonVia(gw);
    const [a, b, c] = await sql.transaction([
      sql`insert into ${sql.unsafe(table)} values (1, 'one') returning id`,
      sql`insert into ${sql.unsafe(table)} values (2, 'two') returning id`,
      sql`select count(*)::int as n from ${sql.unsafe(table)} where id in (1, 2)`,
    ]);
    expect([a, b, c]).toEqual([[{ id: 1 }], [{ id: 2 }], [{ n: 2 }]]);
    expect(await sql`select count(*)::int as n from ${sql.unsafe(table)} where id in (1, 2)`).toEqual([{ n: 2 }]);
  });

  it('rolls the whole batch back when a later query fails', async () => {
    const sql = neonVia(gw);
    const err = await sql
      .transaction([
        sql`insert into ${sql.unsafe(table)} values (10, 'first')`,
        sql`insert into ${sql.unsafe(table)} values (10, 'duplicate key')`,
      ])
      .catch((e: NeonDbError) => e);
    expect(err).toMatchObject({ name: 'NeonDbError', code: '23505', constraint: `${table}_pkey`, table });
    expect((err as NeonDbError).detail).toContain('(id)=(10)');
    expect(await sql`select count(*)::int as n from ${sql.unsafe(table)} where id = 10`).toEqual([{ n: 0 }]);
  });

  it('applies the batch isolation level, read-only and deferrable headers', async () => {
    const sql = neonVia(gw);
    const [[iso], [ro]] = await sql.transaction(
      [sql`select current_setting('transaction_isolation') as v`, sql`select current_setting('transaction_read_only') as v`],
      { isolationLevel: 'Serializable', readOnly: true, deferrable: true },
    );
    expect([iso.v, ro.v]).toEqual(['serializable', 'on']);
    const err = await sql.transaction([sql`insert into ${sql.unsafe(table)} values (20, 'x')`], { readOnly: true }).catch((e) => e);
    expect(err).toMatchObject({ code: '25006' });

    const res = await postSql(gw, { queries: [{ query: 'select 1', params: [] }] }, { 'Neon-Batch-Isolation-Level': 'RepeatableRead', 'Neon-Batch-Read-Only': 'true' });
    expect(res.status).toBe(200);
    expect(res.headers['neon-batch-isolation-level']).toBe('RepeatableRead');
    expect(res.headers['neon-batch-read-only']).toBe('true');
    const bad = await postSql(gw, { queries: [] }, { 'Neon-Batch-Isolation-Level': 'Chaos' });
    expect([bad.status, bad.json().message]).toEqual([400, 'invalid isolation level']);
  });

  it('maps Postgres errors to HTTP 400 with the SQLSTATE fields', async () => {
    const sql = neonVia(gw);
    const err = (await sql`select * from no_such_table_here`.catch((e) => e)) as NeonDbError;
    expect(err).toMatchObject({ name: 'NeonDbError', code: '42P01', severity: 'ERROR', position: '15' });
    expect(err.message).toBe('relation "no_such_table_here" does not exist');
    const notNull = (await sql`insert into ${sql.unsafe(table)} (id) values (30)`.catch((e) => e)) as NeonDbError;
    expect(notNull).toMatchObject({ code: '23502', column: 'note', table });
    const raw = await postSql(gw, { query: 'select 1/0', params: [] });
    expect(raw.status).toBe(400);
    expect(raw.json()).toMatchObject({ message: 'division by zero', code: '22012', severity: 'ERROR' });
  });

  it('refuses several statements in one query, as Neon does (extended protocol)', async () => {
    const err = await neonVia(gw).query('select 1; select 2').catch((e) => e);
    expect(err).toMatchObject({ code: '42601' });
  });

  it('refuses COPY, which the HTTP protocol cannot carry, and keeps serving', async () => {
    const sql = neonVia(gw);
    for (const text of [`copy ${table} to stdout`, `copy ${table} from stdin`]) {
      expect(await sql.query(text).catch((e) => e)).toMatchObject({ code: '0A000' });
    }
    expect(await sql`select 1 as ok`).toEqual([{ ok: 1 }]);
  });

  it('converts values to JSON without Neon-Raw-Text-Output, and rows to objects without Neon-Array-Mode', async () => {
    const res = await postSql(
      gw,
      { query: "select 1 as i, 2.5::float8 as f, 'NaN'::float8 as nan, true as b, 10::int8 as big, '{\"k\":1}'::jsonb as j, array[1,null]::int[] as a, array['x,y']::text[] as t, $1::text as p", params: [{ k: 'v' }] },
      { 'Neon-Raw-Text-Output': 'false', 'Neon-Array-Mode': 'false' },
    );
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({
      command: 'SELECT',
      rowCount: 1,
      rowAsArray: false,
      rows: [{ i: 1, f: 2.5, nan: 'NaN', b: true, big: '10', j: { k: 1 }, a: [1, null], t: ['x,y'], p: '{"k":"v"}' }],
    });
    const perQuery = await postSql(gw, { query: 'select 1 as x', params: [], arrayMode: false });
    expect(perQuery.json().rows).toEqual([{ x: '1' }]);
  });

  it('answers malformed or misshapen bodies with 400', async () => {
    const notJson = await postSql(gw, '{"query": "select 1"');
    expect([notJson.status, notJson.json().message]).toEqual([400, 'request body is not valid JSON']);
    expect((await postSql(gw, { query: 1 })).status).toBe(400);
    expect((await postSql(gw, { query: 'select 1', params: 'x' })).status).toBe(400);
    expect((await postSql(gw, { nothing: true })).status).toBe(400);
    expect((await postSql(gw, { queries: [{ query: 'select 1' }, { params: [] }] })).status).toBe(400);
  });

  it('answers a parameter nested too deeply to convert with 400, never 502 (nothing was sent)', async () => {
    const depth = 100_000;
    const object = `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
    const array = `${'['.repeat(depth)}${']'.repeat(depth)}`;
    for (const [param, where] of [[object, 'params[0]'], [array, 'params[1]']]) {
      const params = where === 'params[0]' ? `[${param}]` : `["x", ${param}]`;
      const res = await postSql(gw, `{"query": "select $1::text is not null as ok", "params": ${params}}`);
      expect([res.status, res.json().code]).toEqual([400, '54001']);
      expect(res.json().message).toBe(`${where} is nested too deeply to convert to a Postgres value; send it as a JSON string instead`);
    }
    const batch = await postSql(gw, `{"queries": [{"query": "select 1", "params": []}, {"query": "select $1", "params": [${object}]}]}`);
    expect([batch.status, batch.json().message]).toEqual([400, 'queries[1].params[0] is nested too deeply to convert to a Postgres value; send it as a JSON string instead']);
    // Sent as a string, a nested value goes to Postgres as it is, and Postgres judges it.
    const asText = await postSql(gw, { query: 'select jsonb_typeof($1::jsonb) as t', params: [`${'['.repeat(1000)}${']'.repeat(1000)}`] });
    expect([asText.status, asText.json().rows]).toEqual([200, [['array']]]);
  });

  it('binds up to 65 533 parameters and answers more with 08P01, as Postgres does, before sending anything', async () => {
    const sql = neonVia(gw);
    const many = Array.from({ length: 65_533 }, (_, i) => String(i));
    const text = `select array_length(array[${many.map((_, i) => `$${i + 1}`).join(',')}]::text[], 1) as n`;
    expect(await sql.query(text, many)).toEqual([{ n: 65_533 }]);
    const err = (await sql.query('select $1::text as v', [...many, 'one more']).catch((e) => e)) as NeonDbError;
    expect(err).toMatchObject({ name: 'NeonDbError', code: '08P01' });
    expect(err.message).toBe('bind message supplies 65534 parameters, but at most 65533 are accepted');
  });

  it('answers 404, 405 and /health', async () => {
    expect((await rawRequest(gw, { method: 'GET', path: '/sql' })).status).toBe(405);
    expect((await rawRequest(gw, { method: 'GET', path: '/nope' })).status).toBe(404);
    const health = await rawRequest(gw, { method: 'GET', path: '/health' });
    expect([health.status, health.body]).toEqual([200, '{"ok":true}']);
  });

  it('leaves no session state behind for the next request (settings, open transactions)', async () => {
    const single = await startTestGateway({ maxConnections: 1 });
    try {
      const sql = neonVia(single);
      await sql`set search_path to pg_catalog`;
      const [{ pid, p }] = await sql`select pg_backend_pid() as pid, current_setting('search_path') as p`;
      expect(p).toBe('"$user", public');
      // A transaction left open by one request must not swallow the next: its connection is closed.
      await sql`begin`;
      await waitFor(async () => (await admin`select 1 from pg_stat_activity where pid = ${pid}`).length === 0, 3_000, 'the connection to close');
      const [next] = await sql`select pg_backend_pid() as pid`;
      expect(next.pid).not.toBe(pid);
    } finally {
      await single.close();
    }
  });

  it('reuses upstream connections across requests', async () => {
    const before = gw.stats().connections;
    const sql = neonVia(gw);
    for (let i = 0; i < 5; i++) await sql`select 1`;
    const after = gw.stats().connections;
    expect(after.reused - before.reused).toBeGreaterThanOrEqual(4);
    expect(after.open).toBeLessThanOrEqual(2);
    expect(databaseUrl()).toContain('@'); // the connection string carries the credentials
  });
});
