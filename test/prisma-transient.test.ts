/**
 * `isTransient` and `isRetryableTransaction` on the errors a real Prisma client raises through
 * warmpool/prisma against the real server. Prisma rethrows warmpool's errors as
 * PrismaClientKnownRequestErrors with warmpool's `code` and `meta` (notApplied, sqlState) and no
 * `cause`, and server errors as P2010/P2034 with the SQLSTATE in `meta.driverAdapterError`.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { PrismaWarmpool } from '../src/adapters/prisma/index.js';
import { createPool, isRetryableTransaction, isTransient, type Pool } from '../src/index.js';
import { withPool } from '../src/lambda/index.js';
import { type AdminSql, adminClient } from './support/db.js';
import { databaseUrl } from './support/env.js';
import { type GeneratedClient, type PrismaModule, SCHEMA_DDL, generateClient } from './prisma/setup.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
let generated: GeneratedClient;
let prisma: PrismaModule;
let other: AdminSql;
const pools: Pool[] = [];

beforeAll(async () => {
  generated = await generateClient();
  prisma = await generated.load();
  other = adminClient(databaseUrl());
  for (const statement of SCHEMA_DDL.split(';').filter((s) => s.trim())) await other.unsafe(statement);
});

afterAll(async () => {
  await other?.end();
  await Promise.all(pools.map((p) => p.end()));
  await generated?.remove();
});

function clientOn(applicationName: string, url = databaseUrl()): any {
  const pool = createPool({ connectionString: url, applicationName, max: 2, maxConnectAttempts: 1 });
  pools.push(pool);
  return { pool, client: new prisma.PrismaClient({ adapter: new PrismaWarmpool(pool) }) };
}

const failure = (work: () => PromiseLike<unknown>) => Promise.resolve().then(work).then(() => { throw new Error('expected a failure'); }, (e: any) => e);
const verdict = (err: unknown) => ({ transient: isTransient(err), retryableTransaction: isRetryableTransaction(err) });

describe('through Prisma\'s errors', () => {
  it('a statement cancelled at the invocation deadline is transient', async () => {
    const { pool, client } = clientOn('pz-transient-deadline');
    const handler = withPool(pool, async () => client.$queryRaw`select pg_sleep(30)`);
    const err = await failure(() => handler({}, { getRemainingTimeInMillis: () => 1_000 } as never));
    expect({ name: err.name, code: err.code, cause: err.cause }).toEqual({ name: 'PrismaClientKnownRequestError', code: 'DEADLINE_EXCEEDED', cause: undefined });
    expect(verdict(err)).toEqual({ transient: true, retryableTransaction: false });
  });

  it('a statement whose backend was terminated mid-statement (OUTCOME_UNKNOWN, 57P01) is transient', async () => {
    const { client } = clientOn('pz-transient-killed');
    // A DO block may commit inside, so its session ending before it completed leaves its outcome unknown.
    const pending = failure(() => client.$executeRawUnsafe("/* pz-transient-victim */ do $$ begin perform pg_sleep(30); end $$"));
    await vi.waitFor(async () => {
      const [row] = await other`select pid from pg_stat_activity where application_name like 'pz-transient-killed%' and state = 'active' and query like '%pz-transient-victim%'`;
      expect(row).toBeDefined();
      await other`select pg_terminate_backend(${row.pid})`;
    }, { timeout: 10_000, interval: 20 });
    const err = await pending;
    expect({ code: err.code, meta: err.meta }).toEqual({ code: 'OUTCOME_UNKNOWN', meta: { notApplied: false, sqlState: '57P01' } });
    expect(verdict(err)).toEqual({ transient: true, retryableTransaction: false });
  });

  it('a serialization failure in $transaction (P2034 from a model, P2010 from raw SQL) may be run again whole', async () => {
    const { client } = clientOn('pz-transient-conflict');
    const email = `conflict-${Math.random().toString(36).slice(2)}@example.com`;
    await client.user.create({ data: { email, balance: '1', uuid: crypto.randomUUID() } });
    // The transaction's snapshot is taken by its first read; a commit after it makes its update fail.
    const conflict = (update: (tx: any) => Promise<unknown>) => failure(() => client.$transaction(async (tx: any) => {
      await tx.user.findUnique({ where: { email } });
      await other`update prisma_users set name = ${Math.random().toString()} where email = ${email}`;
      await update(tx);
    }, { isolationLevel: 'Serializable' }));
    const fromModel = await conflict((tx) => tx.user.update({ where: { email }, data: { name: 'mine' } }));
    const fromRaw = await conflict((tx) => tx.$executeRaw`update prisma_users set name = 'mine' where email = ${email}`);
    expect([fromModel.code, fromRaw.code]).toEqual(['P2034', 'P2010']);
    expect([verdict(fromModel), verdict(fromRaw)]).toEqual([{ transient: true, retryableTransaction: true }, { transient: true, retryableTransaction: true }]);
  });

  it('is false for errors about the request itself: a unique violation, a refused password', async () => {
    const { client } = clientOn('pz-transient-permanent');
    const email = `twice-${Math.random().toString(36).slice(2)}@example.com`;
    await client.user.create({ data: { email, balance: '1', uuid: crypto.randomUUID() } });
    const duplicate = await failure(() => client.user.create({ data: { email, balance: '1', uuid: crypto.randomUUID() } }));
    expect(duplicate.code).toBe('P2002');
    const wrong = new URL(databaseUrl());
    wrong.password = 'not-the-password';
    const refused = await failure(() => clientOn('pz-transient-refused', wrong.toString()).client.user.findFirst());
    expect({ code: refused.code, sqlState: refused.meta?.sqlState }).toEqual({ code: 'CONNECT_FAILED', sqlState: '28P01' });
    expect([verdict(duplicate), verdict(refused)]).toEqual([{ transient: false, retryableTransaction: false }, { transient: false, retryableTransaction: false }]);
  });
});
