import { Client, Pool } from '@neondatabase/serverless';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../packages/gateway/src/index.js';
import { adminClient, uniqueName, type AdminSql } from './support/db.js';
import { adminUrl, databaseUrl } from './support/env.js';
import { startTestGateway, tcpTrap, useWebSocketsVia, waitFor, withUrl } from './gateway-support.js';

// The driver's WebSocket mode (Pool, Client: interactive transactions) through the gateway's
// WebSocket→TCP proxy, which only ever dials the configured upstream.

let gw: Gateway;
let admin: AdminSql;
const table = uniqueName('gw_ws');

beforeAll(async () => {
  gw = await startTestGateway();
  admin = adminClient(adminUrl());
  await admin.unsafe(`create table ${table} (id int primary key)`);
  await admin.unsafe(`alter table ${table} owner to ${new URL(databaseUrl()).username}`);
  useWebSocketsVia(gw);
});

afterAll(async () => {
  await admin.unsafe(`drop table if exists ${table}`);
  await gw.close();
  await admin.end();
});

/** connect() without pipelining, so that it is connect() that rejects with the server's error. */
async function failedConnect(url: string): Promise<{ code?: string; message?: string }> {
  const client = new Client(url);
  client.neonConfig.pipelineConnect = false;
  client.on('error', () => {});
  return client.connect().then(
    () => ({ code: 'connected' }),
    (e: { code?: string; message?: string }) => e,
  );
}

describe('gateway WebSocket proxy with the Neon driver', () => {
  it('carries an interactive transaction (Pool): commit and rollback', async () => {
    const pool = new Pool({ connectionString: databaseUrl() });
    try {
      const client = await pool.connect();
      try {
        await client.query('begin');
        await client.query(`insert into ${table} values ($1)`, [1]);
        const inside = await client.query(`select count(*)::int as n from ${table}`);
        expect(inside.rows).toEqual([{ n: 1 }]);
        await client.query('commit');
        await client.query('begin');
        await client.query(`insert into ${table} values ($1)`, [2]);
        await client.query('rollback');
        const { rows } = await client.query(`select id from ${table} order by id`);
        expect(rows).toEqual([{ id: 1 }]);
        const typed = await client.query('select $1::int as n, $2::jsonb as j, now() as t, $3::bytea as b', [5, { a: 1 }, Buffer.from('hi')]);
        expect(typed.rows[0]).toMatchObject({ n: 5, j: { a: 1 }, t: expect.any(Date), b: Buffer.from('hi') });
        const err = await client.query(`insert into ${table} values (1)`).catch((e) => e);
        expect(err).toMatchObject({ code: '23505' });
      } finally {
        client.release();
      }
    } finally {
      await pool.end();
    }
    await waitFor(() => gw.stats().webSockets.open === 0, 3_000, 'the tunnels to close');
  });

  it('authenticates for the client, with or without pipelined connect, in a few milliseconds', async () => {
    for (const pipelineConnect of ['password', false] as const) {
      const client = new Client(databaseUrl());
      client.neonConfig.pipelineConnect = pipelineConnect;
      const started = performance.now();
      await client.connect();
      expect((await client.query('select current_user as u')).rows).toEqual([{ u: new URL(databaseUrl()).username }]);
      // The gateway runs SCRAM natively; the driver would spend ~300 ms on it in JavaScript.
      expect(performance.now() - started).toBeLessThan(250);
      await client.end();
    }
  });

  it("makes the gateway's statement timeout the session default", async () => {
    const client = new Client(databaseUrl());
    await client.connect();
    expect((await client.query(`select current_setting('statement_timeout') as t`)).rows).toEqual([{ t: '30s' }]);
    await client.end();
  });

  it('works with a single Client and reports server errors', async () => {
    const client = new Client(databaseUrl());
    await client.connect();
    expect((await client.query('select current_database() as d')).rows).toEqual([{ d: 'warmpool' }]);
    await client.end();
    const wrongPassword = await failedConnect(withUrl(databaseUrl(), (u) => (u.password = 'wrong')));
    const unknownUser = await failedConnect(withUrl(databaseUrl(), (u) => (u.username = uniqueName('nobody'))));
    expect(wrongPassword).toMatchObject({ code: '28P01', message: 'password authentication failed' });
    expect([unknownUser.code, unknownUser.message]).toEqual([wrongPassword.code, wrongPassword.message]);
    // With the default pipelined connect, connect() resolves at once and the first query fails.
    const pipelined = new Client(withUrl(databaseUrl(), (u) => (u.password = 'wrong')));
    pipelined.on('error', () => {});
    await pipelined.connect().catch(() => {});
    expect(await pipelined.query('select 1').catch((e) => e)).toMatchObject({ code: '28P01' });
  });

  it('refuses an address other than the upstream and never dials it', async () => {
    const trap = await tcpTrap();
    try {
      const client = new Client(withUrl(databaseUrl(), (u) => (u.port = String(trap.port))));
      const err = await client.connect().then(() => 'connected', (e: { message?: string }) => e.message);
      expect(err).toContain('403'); // the upgrade is refused before anything is dialled
      expect(trap.connections()).toBe(0);
      expect(gw.stats().webSockets.refused).toBeGreaterThan(0);
    } finally {
      await trap.close();
    }
  });

  it('refuses another database in the startup message with a Postgres error', async () => {
    const err = await failedConnect(withUrl(databaseUrl(), (u) => (u.pathname = '/postgres')));
    expect(err).toMatchObject({ code: '3D000', message: 'this gateway connects only to its configured database' });
    await waitFor(() => gw.stats().webSockets.open === 0, 3_000, 'the refused tunnel to close');
  });

  it('requires the token on the upgrade when one is configured', async () => {
    const token = 'ws-token-0123456789abcdef';
    const g = await startTestGateway({ token });
    try {
      useWebSocketsVia(g);
      const refused = await new Client(databaseUrl()).connect().then(() => 'connected', (e: { message?: string }) => e.message);
      expect(refused).toContain('401');
      useWebSocketsVia(g, token);
      const client = new Client(databaseUrl());
      await client.connect();
      expect((await client.query('select 1 as ok')).rows).toEqual([{ ok: 1 }]);
      await client.end();
    } finally {
      useWebSocketsVia(gw);
      await g.close();
    }
  });
});
