import net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { createPool, isRetryableTransaction, isTransient } from '../src/index.js';
import { databaseUrl } from './support/env.js';

// isTransient and isRetryableTransaction on errors the real server and the real pool produce.

const db = createPool({ connectionString: databaseUrl(), applicationName: 'sqlstate', max: 2 });
afterAll(() => db.end());

const failure = (run: () => PromiseLike<unknown>) => Promise.resolve().then(run).then(() => { throw new Error('expected a failure'); }, (e: unknown) => e);
/** A server error with the given SQLSTATE, raised by the server itself. */
const raised = (state: string) => failure(() => db.query(`do $$ begin raise exception 'raised' using errcode = '${state}'; end $$`));

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('isTransient', () => {
  it('is true for serialization failures, deadlocks and too many clients, and says which may be run again whole', async () => {
    for (const state of ['40001', '40P01']) {
      const err = await raised(state);
      expect(err).toMatchObject({ code: state });
      expect([isTransient(err), isRetryableTransaction(err)]).toEqual([true, true]);
    }
    const full = await raised('53300');
    expect([isTransient(full), isRetryableTransaction(full)]).toEqual([true, false]);
  });

  it('is false for errors about the request itself', async () => {
    for (const err of [await failure(() => db.sql`select 1/0`), await raised('23505'), await failure(() => db.query('selec 1'))]) {
      expect(isTransient(err)).toBe(false);
      expect(isRetryableTransaction(err)).toBe(false);
    }
    expect(isTransient(new Error('not ours'))).toBe(false);
    expect(isTransient(undefined)).toBe(false);
  });

  it('is true for an unreachable server, false for a refused password', async () => {
    const url = new URL(databaseUrl());
    url.port = String(await closedPort());
    const unreachable = createPool({ connectionString: url.toString(), maxConnectAttempts: 1 });
    const refused = new URL(databaseUrl());
    refused.password = 'not-the-password';
    const wrong = createPool({ connectionString: refused.toString(), maxConnectAttempts: 1 });
    try {
      const down = await failure(() => unreachable.sql`select 1`);
      expect(down).toMatchObject({ code: 'CONNECT_FAILED', notApplied: true });
      expect(isTransient(down)).toBe(true);
      const denied = await failure(() => wrong.sql`select 1`);
      expect(denied).toMatchObject({ code: 'CONNECT_FAILED', sqlState: '28P01' });
      expect(isTransient(denied)).toBe(false);
    } finally {
      await Promise.all([unreachable.end(), wrong.end()]);
    }
  });

  it('is true for a write whose connection was terminated mid-flight (OUTCOME_UNKNOWN): transient, yet not known to be unapplied', async () => {
    // A DO block may commit inside, so its session ending before it completed leaves its outcome unknown.
    const err = await failure(() => db.query('do $$ begin perform pg_terminate_backend(pg_backend_pid()); end $$'));
    expect(err).toMatchObject({ code: 'OUTCOME_UNKNOWN', notApplied: false });
    expect(isTransient(err)).toBe(true);
  });

  it('finds warmpool\'s error inside an ORM\'s wrapper (the cause chain)', async () => {
    const wrapped = new Error('Failed query', { cause: await raised('40001') });
    expect([isTransient(wrapped), isRetryableTransaction(wrapped)]).toEqual([true, true]);
  });
});
