import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createPool, type Pool, type PoolEvent, type PoolOptions } from '../src/index.js';
import { withPool } from '../src/lambda/index.js';
import { databaseUrl } from './support/env.js';
import { expectNoUnhandledErrors } from './support/process-errors.js';
import { ResumingFront } from './support/resuming-front.js';
import { passwordOf } from './support/secret-watch.js';

// A password function is bounded like the rest of a connect (connectTimeoutMs, the invocation
// deadline), is asked once for a fresh password when the server rejects one (28P01, or 28000 "PAM
// authentication failed", as RDS answers an expired IAM token), and a connect refused before login
// (DSQL's connection rate limit, 53400) is tried again. The front answers logins with a chosen FATAL.

expectNoUnhandledErrors();

const url = databaseUrl();
const realPassword = passwordOf(url)!;
const never = () => new Promise<string>(() => {});
const failure = (p: PromiseLike<unknown>) => Promise.resolve(p).then(() => null, (e) => e);
const PAM = 'PAM authentication failed for user "app_iam"';

let front: ResumingFront;
const pools: Pool[] = [];
beforeAll(async () => {
  front = await ResumingFront.start(Number(new URL(url).port));
});
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.end()));
  front.refuse(0);
  front.refused = 0;
});
afterAll(() => front?.close());

function pool(options: PoolOptions, events: PoolEvent[] = []): Pool {
  const db = createPool({ connectionString: front.urlFor(url), max: 1, onEvent: (e) => events.push(e), ...options });
  pools.push(db);
  return db;
}

/** A password function that records each call's `refresh` and answers from `answers` in turn (the last one repeats). */
function recorded(...answers: (() => string | Promise<string>)[]) {
  const refreshes: boolean[] = [];
  const password = ({ refresh }: { refresh: boolean }) => {
    refreshes.push(refresh);
    return answers[Math.min(refreshes.length, answers.length) - 1]();
  };
  return { refreshes, password };
}

describe('a password function that never answers', () => {
  it('is cut by connectTimeoutMs, and the connect slot is free for the next caller', async () => {
    const { refreshes, password } = recorded(never, () => realPassword);
    const db = pool({ password, connectTimeoutMs: 300, maxConnectAttempts: 1, applicationName: 'pw-hang' });
    const error = await failure(db.sql`select 1`);
    expect(error).toMatchObject({ code: 'CONNECT_FAILED', notApplied: true });
    expect(error.message).toMatch(/password function did not answer within connectTimeoutMs/);
    // max is 1: this waits for the slot the first connect held.
    expect(await db.sql`select 1 as one`).toEqual([{ one: 1 }]);
    expect(refreshes).toEqual([false, false]);
  });

  it('is tried again within maxConnectAttempts', async () => {
    const { refreshes, password } = recorded(never, () => realPassword);
    const events: PoolEvent[] = [];
    const db = pool({ password, connectTimeoutMs: 300, maxConnectAttempts: 2, applicationName: 'pw-hang-retry' }, events);
    expect(await db.sql`select 1 as one`).toEqual([{ one: 1 }]);
    expect(refreshes).toEqual([false, false]);
    expect(events.filter((e) => e.type === 'connect-retry')).toMatchObject([{ reason: 'CONNECT_FAILED' }]);
  });

  it('is cut by the invocation deadline, and the next invocation connects', async () => {
    const { password } = recorded(never, () => realPassword);
    const db = pool({ password, connectTimeoutMs: 60_000, applicationName: 'pw-hang-deadline' });
    const handler = withPool(db, async () => db.sql`select 1 as one`, { deadlineMarginMs: 300 });
    const error = await failure(handler({}, { getRemainingTimeInMillis: () => 800 }));
    expect(error).toMatchObject({ code: 'DEADLINE_EXCEEDED', notApplied: true });
    expect(await handler({}, { getRemainingTimeInMillis: () => 30_000 })).toEqual([{ one: 1 }]);
  });
});

describe('28000 "PAM authentication failed" (an expired or revoked IAM token on RDS)', () => {
  it('asks the password function once for a fresh password, and connects with it', async () => {
    front.refuse(1, '28000', PAM);
    const { refreshes, password } = recorded(() => 'stale-token', () => realPassword);
    const events: PoolEvent[] = [];
    const db = pool({ password, applicationName: 'pw-pam' }, events);
    expect(await db.sql`select 1 as one`).toEqual([{ one: 1 }]);
    expect(refreshes).toEqual([false, true]);
    expect(events.filter((e) => e.type === 'connect-retry')).toMatchObject([{ reason: '28000' }]);
  });

  it('fails after the fresh one is refused too, saying the token or the IAM policy is wrong', async () => {
    front.refuse(Infinity, '28000', PAM);
    const { refreshes, password } = recorded(() => realPassword);
    const db = pool({ password, applicationName: 'pw-pam-twice' });
    const error = await failure(db.sql`select 1`);
    expect(error).toMatchObject({ code: 'CONNECT_FAILED', sqlState: '28000', notApplied: true });
    expect(error.message).toMatch(/refused the fresh password too/);
    expect(error.message).toMatch(/rds-db:connect/);
    expect(error.message).toMatch(/rds_iam/);
    expect(refreshes).toEqual([false, true]);
    expect(front.refused).toBe(2);
  });

  it('is final at once for a string password, and for another 28000', async () => {
    front.refuse(Infinity, '28000', PAM);
    const db = pool({ password: realPassword, applicationName: 'pw-pam-string' });
    expect(await failure(db.sql`select 1`)).toMatchObject({ code: 'CONNECT_FAILED', sqlState: '28000' });
    expect(front.refused).toBe(1);

    front.refuse(Infinity, '28000', 'role "app" is not permitted to log in');
    const { refreshes, password } = recorded(() => realPassword);
    const other = pool({ password, applicationName: 'pw-28000-other' });
    expect(await failure(other.sql`select 1`)).toMatchObject({ code: 'CONNECT_FAILED', sqlState: '28000' });
    expect(refreshes).toEqual([false]);
  });
});

describe('53400 at connect (Aurora DSQL: more than 100 new connections per second)', () => {
  it('is tried again with backoff: nothing was sent', async () => {
    front.refuse(2, '53400', 'Unable to accept connection, rate exceeded.');
    const events: PoolEvent[] = [];
    const db = pool({ applicationName: 'pw-53400', maxConnectAttempts: 4 }, events);
    expect(await db.sql`select 1 as one`).toEqual([{ one: 1 }]);
    expect(events.filter((e) => e.type === 'connect-retry').map((e) => e.reason)).toEqual(['53400', '53400']);
  });

  it('gives up after maxConnectAttempts with CONNECT_FAILED, notApplied', async () => {
    front.refuse(Infinity, '53400', 'Unable to accept connection, rate exceeded.');
    const db = pool({ applicationName: 'pw-53400-full', maxConnectAttempts: 2 });
    expect(await failure(db.sql`select 1`)).toMatchObject({ code: 'CONNECT_FAILED', sqlState: '53400', notApplied: true });
    expect(front.refused).toBe(2);
  });
});
