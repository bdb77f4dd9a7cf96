import middy from '@middy/core';
import { afterAll, describe, expect, it } from 'vitest';
import { createPool } from '../src/index.js';
import { warmpool } from '../src/lambda/middy.js';
import { databaseUrl } from './support/env.js';

const db = createPool({ connectionString: databaseUrl(), applicationName: 'middy' });
afterAll(() => db.end());

const context = (remainingMs: number) => ({ getRemainingTimeInMillis: () => remainingMs, callbackWaitsForEmptyEventLoop: true }) as never;

describe('the middy middleware', () => {
  it('runs the handler with warm reuse and reports per-invocation metrics', async () => {
    const reports: { cold: boolean; queries: number }[] = [];
    const handler = middy(async () => (await db.sql`select pg_backend_pid() as pid`)[0].pid).use(warmpool(db, { onInvocationEnd: (r) => reports.push(r) }));
    const first = await handler({}, context(5_000));
    const second = await handler({}, context(5_000));
    expect(second).toBe(first);
    expect(reports).toMatchObject([{ cold: true, queries: 1 }, { cold: false, queries: 1 }]);
  });

  it('applies the invocation deadline to statements', async () => {
    const handler = middy(async () => db.sql`select pg_sleep(3)`).use(warmpool(db, { deadlineMarginMs: 100 }));
    const error = await handler({}, context(600)).then(() => null, (e) => e);
    expect(error).toMatchObject({ code: 'DEADLINE_EXCEEDED' });
  });
});
