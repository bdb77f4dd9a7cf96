import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmulatedContainer } from './support/emulated-container.js';
import { createPool, type Pool, type PoolEvent } from '../src/index.js';
import { withPool } from '../src/lambda/index.js';
import { ledgerContainer } from './support/container.js';
import { adminUrl, databaseUrl, isEmbeddedServer } from './support/env.js';
import { FaultProxy } from './support/fault-proxy.js';
import { startGateway } from '../packages/gateway/src/index.js';
import { postSql, rawRequest, upstreamOf } from './gateway-support.js';
import { registerSecret } from './support/secret-watch.js';

// The password of a real role goes through every failure we can provoke — wrong password,
// refused, reset, stalled, timed out, cancelled, server errors, bad options, a password function,
// an emulated container — and everything observable is captured: messages, stacks,
// JSON.stringify(err), util.inspect(err / pool, showHidden), causes, onEvent payloads, invocation
// reports, stats, container replies. The password must appear in none of it.

const ROLE = 'secret_probe';
const PASSWORD = `wpSecret-${randomBytes(9).toString('hex')}-probe`;
registerSecret(PASSWORD);

const captured: { where: string; text: string }[] = [];
const events: PoolEvent[] = [];
const reports: unknown[] = [];
const pools: Pool[] = [];
let proxy: FaultProxy;
let roleUrl: string;
let container: EmulatedContainer | undefined;

function render(value: unknown): string {
  const e = value as { cause?: unknown; stack?: unknown; message?: unknown };
  const parts = [String(value), inspect(value, { depth: 10, showHidden: true })];
  try {
    parts.push(JSON.stringify(value) ?? '');
  } catch {
    parts.push('(not JSON-serialisable)');
  }
  if (value && typeof value === 'object') parts.push(String(e.message), String(e.stack), inspect(e.cause, { depth: 10, showHidden: true }));
  return parts.join('\n');
}

function capture(where: string, value: unknown): void {
  captured.push({ where, text: render(value) });
}

/** Runs `fn` and captures whatever it throws (or returns). */
async function provoke(where: string, fn: () => unknown): Promise<unknown> {
  try {
    const result = await fn();
    capture(`${where} (result)`, result);
    return result;
  } catch (err) {
    capture(where, err);
    return err;
  }
}

function pool(url: string, options: Record<string, unknown> = {}): Pool {
  const db = createPool({ connectionString: url, onEvent: (e) => events.push(e), ...options });
  pools.push(db);
  return db;
}

describe.skipIf(!isEmbeddedServer())('the password never appears', () => {
  beforeAll(async () => {
    const admin = postgres(adminUrl(), { max: 1, onnotice: () => {} });
    await admin.unsafe(`drop role if exists ${ROLE}`);
    await admin.unsafe(`create role ${ROLE} login password '${PASSWORD}'`);
    await admin.end();
    const url = new URL(databaseUrl());
    url.username = ROLE;
    url.password = PASSWORD;
    roleUrl = url.toString();
    proxy = await FaultProxy.start({ upstreamPort: Number(url.port) });
  });

  afterAll(async () => {
    container?.kill();
    await Promise.all(pools.map((p) => p.end()));
    await proxy?.close();
    const admin = postgres(adminUrl(), { max: 1, onnotice: () => {} });
    await admin.unsafe(`drop role if exists ${ROLE}`);
    await admin.end();
  });

  it('through a gauntlet of failures', async () => {
    const proxied = proxy.urlFor(roleUrl);
    const wrong = new URL(roleUrl);
    wrong.password = `${PASSWORD}-not`;

    // Connects that fail.
    await provoke('wrong password', () => pool(wrong.toString(), { applicationName: 'sec-wrong' }).sql`select 1`);
    await provoke('refused', () => pool(roleUrl.replace(/:\d+\//, ':1/'), { applicationName: 'sec-refused', maxConnectAttempts: 2 }).sql`select 1`);
    await provoke('unknown database', () => pool(roleUrl.replace(/\/[^/?]+$/, '/no_such_db'), { applicationName: 'sec-nodb' }).sql`select 1`);
    proxy.set({ stall: true }, { existing: false });
    await provoke('connect timeout', () => pool(proxied, { applicationName: 'sec-stall', connectTimeoutMs: 300, maxConnectAttempts: 1 }).sql`select 1`);
    proxy.set({ stall: false }, { existing: false });

    // A working pool, then everything that can go wrong on it.
    const db = pool(proxied, { applicationName: 'sec-main', validateAfterIdleMs: 50, pingTimeoutMs: 200 });
    await provoke('ok', () => db.sql`select current_user as u`);
    await provoke('server error with the password as a parameter', () => db.sql`select 1 / 0, ${PASSWORD}::text`);
    await provoke('syntax error', () => db.query('selec 1'));
    proxy.addRule({ match: (s) => s.params.includes(`op-${PASSWORD.length}`), action: 'reset-after' });
    await provoke('reset after a write', () => db.sql`select ${`op-${PASSWORD.length}`}::text`);
    proxy.addRule({ match: (s) => /^\s*commit/i.test(s.text), action: 'reset-after' });
    await provoke('ambiguous commit', () => db.transaction((tx) => tx.sql`select 1`));
    await provoke('idempotent retry', () => db.sql`select 2`.idempotent());
    proxy.set({ stall: true }, { future: false });
    await new Promise((r) => setTimeout(r, 100));
    await provoke('ping into a blackhole', () => db.sql`select 3`);
    proxy.set({ stall: false });
    const handler = withPool(db, async () => db.sql`select pg_sleep(2)`, { deadlineMarginMs: 100, onInvocationEnd: (r) => reports.push(r) });
    await provoke('deadline', () => handler({}, { getRemainingTimeInMillis: () => 400 }));
    await provoke('query timeout', () => pool(proxied, { applicationName: 'sec-qt', queryTimeoutMs: 100 }).sql`select pg_sleep(2)`);
    await provoke('bad parameter', () => db.sql`select ${'x\u0000'}::text`);

    // Options and connection strings that hold the password.
    await provoke('malformed URL', () => createPool({ connectionString: roleUrl.replace(/:\d+\//, ':port/') }));
    await provoke('password as a URL parameter', () => createPool({ connectionString: `${databaseUrl()}?password=${PASSWORD}` }));
    await provoke('libpq string', () => createPool({ connectionString: `host=localhost password=${PASSWORD}` }));
    await provoke('unknown option', () => createPool({ connectionString: roleUrl, passwrod: PASSWORD } as never));

    // A password function (an IAM token provider) that works, and one that returns garbage.
    const fromFunction = pool(databaseUrl().replace(/\/\/[^@]+@/, `//${ROLE}@`), { applicationName: 'sec-fn', password: () => PASSWORD });
    await provoke('password function', () => fromFunction.sql`select 1`);
    await provoke('password function returning a number', () => pool(roleUrl, { applicationName: 'sec-fn-bad', password: () => 42 }).sql`select 1`);

    // The pools themselves, after all of that.
    for (const p of pools) {
      capture('pool', p);
      capture('pool (JSON)', JSON.stringify(p));
      capture('pool stats', p.stats());
    }
    capture('onEvent payloads', events);
    capture('invocation reports', reports);

    // An emulated Lambda container whose DATABASE_URL holds the password, failing at its deadline.
    container = await ledgerContainer(proxied, { applicationName: 'sec-container' });
    capture('container reply (deadline)', await container.invoke({ op: 'sleep', seconds: 3 }, 800));
    capture('container reply (stats)', await container.invoke({ op: 'stats' }, 2_000));

    expect(captured.length).toBeGreaterThan(30);
    expect(events.length).toBeGreaterThan(5);
    const leaks = captured.filter((c) => c.text.includes(PASSWORD)).map((c) => `${c.where}: ${c.text.split(PASSWORD).join('<THE PASSWORD>').slice(0, 200)}`);
    expect(leaks).toEqual([]);
    // The checks saw real failures, not a run where nothing went wrong.
    const codes = new Set(captured.map((c) => /code: '([A-Z0-9_]+)'/.exec(c.text)?.[1]).filter(Boolean));
    for (const code of ['CONNECT_FAILED', 'CONNECT_TIMEOUT', 'OUTCOME_UNKNOWN', 'DEADLINE_EXCEEDED', 'QUERY_TIMEOUT', 'INVALID_PARAMETER', 'INVALID_CONNECTION_STRING', 'INVALID_OPTION', '22012', '42601']) {
      expect(codes).toContain(code);
    }
  });

  it("in the gateway's JSON logs and answers", async () => {
    // The token holds the password too: a token leak shows as a password leak.
    const token = `tok-${PASSWORD}`;
    const lines: string[] = [];
    const gw = await startGateway({ upstream: upstreamOf(databaseUrl()), port: 0, token, logFormat: 'json', log: (line) => lines.push(line) });
    const wrong = new URL(roleUrl);
    wrong.password = `${PASSWORD}-not`;
    const auth = { Authorization: `Bearer ${token}` };
    try {
      capture('gateway ok', (await postSql(gw, { query: 'select current_user as u', params: [] }, auth, roleUrl)).body);
      capture('gateway wrong password', (await postSql(gw, { query: 'select 1', params: [] }, auth, wrong.toString())).body);
      capture('gateway password as a parameter', (await postSql(gw, { query: 'select 1/0, $1::text', params: [PASSWORD] }, auth, roleUrl)).body);
      capture('gateway wrong token', (await postSql(gw, { query: 'select 1', params: [] }, { Authorization: `Bearer ${token}x` }, roleUrl)).body);
      capture('gateway secret path', (await rawRequest(gw, { method: 'GET', path: `/${PASSWORD}?token=${token}`, headers: auth })).body);
      capture('gateway WebSocket token in the URL', (await rawRequest(gw, { method: 'GET', path: `/v2?token=${token}x&address=x:1`, headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==' } })).body);
      capture('gateway unreachable upstream', (await postSql(gw, { query: 'select 1', params: [] }, auth, roleUrl.replace(/:\d+\//, ':1/'))).body);
    } finally {
      await gw.close();
    }
    for (const line of lines) capture('gateway log line', line);
    const events = lines.map((l) => JSON.parse(l) as { event: string; route?: string });
    expect(events.filter((e) => e.event === 'request').map((e) => e.route)).toEqual(['/sql', '/sql', '/sql', '/sql', 'other', '/v2', '/sql']);
    const leaks = captured.filter((c) => c.text.includes(PASSWORD)).map((c) => `${c.where}: ${c.text.split(PASSWORD).join('<THE PASSWORD>').slice(0, 200)}`);
    expect(leaks).toEqual([]);
  });
});
