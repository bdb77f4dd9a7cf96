import { afterAll, describe, expect, it } from 'vitest';
import { createPool, type PoolEvent } from '../src/index.js';
import { resolveOptions } from '../src/options.js';
import { POOLER_PROFILES, detectPooler, pinningFeature } from '../src/poolers.js';
import { managedInstancesSizing } from '../src/concurrency.js';
import { databaseUrl } from './support/env.js';

const hints = (host: string, port = 5432) => ({ host, port, pgbouncerParam: undefined, hyperdrive: false });

describe('pooler detection from well-known host names', () => {
  const cases: [string, number, string][] = [
    ['aws-0-eu-central-1.pooler.supabase.com', 6543, 'supavisor'],
    ['aws-0-eu-central-1.pooler.supabase.com', 5432, 'none'],
    ['db.abcdefghij.supabase.co', 5432, 'none'],
    ['app.proxy-c1a2b3c4d5e6.us-east-1.rds.amazonaws.com', 5432, 'rds-proxy'],
    ['app.proxy-c1a2b3c4d5e6.cn-north-1.rds.amazonaws.com.cn', 5432, 'rds-proxy'],
    ['app.cluster-c1a2b3c4d5e6.us-east-1.rds.amazonaws.com', 5432, 'none'],
    ['ep-cool-darkness-123456-pooler.us-east-2.aws.neon.tech', 5432, 'neon'],
    ['ep-cool-darkness-123456.us-east-2.aws.neon.tech', 5432, 'none'],
    ['pgbouncer.internal', 6432, 'none'],
  ];
  for (const [host, port, pooler] of cases) {
    it(`${host}:${port} → ${pooler}`, () => expect(detectPooler(hints(host, port))).toBe(pooler));
  }

  it('?pgbouncer=true and a Hyperdrive binding name their pooler', () => {
    expect(detectPooler({ ...hints('db.example.com'), pgbouncerParam: true })).toBe('pgbouncer');
    expect(detectPooler({ ...hints('db.example.com'), hyperdrive: true })).toBe('hyperdrive');
  });
});

describe('the profile sets prepare and session timeouts; explicit options win', () => {
  const supavisor = 'postgres://app.ref:pw@aws-0-eu-west-1.pooler.supabase.com:6543/postgres';

  it('supavisor: prepare off, no startup timeouts', () => {
    expect(resolveOptions({ connectionString: supavisor })).toMatchObject({ pooler: 'supavisor', prepare: false, serverIdleSessionTimeoutMs: 0 });
  });

  it('a direct connection sends unnamed statements and the session timeouts', () => {
    expect(resolveOptions({ connectionString: 'postgres://app:pw@db.example.com/app' })).toMatchObject({ pooler: 'none', prepare: false, serverIdleSessionTimeoutMs: 300_000 });
    expect(resolveOptions({ connectionString: 'postgres://app:pw@db.example.com/app', prepare: true })).toMatchObject({ prepare: true, serverIdleSessionTimeoutMs: 300_000 });
  });

  it('rds-proxy, neon and hyperdrive send no session timeouts; only hyperdrive (its cache) prepares statements', () => {
    expect(resolveOptions({ connectionString: 'postgres://a:pw@x.proxy-abc123.eu-west-1.rds.amazonaws.com/db' })).toMatchObject({ pooler: 'rds-proxy', prepare: false, serverIdleSessionTimeoutMs: 0 });
    expect(resolveOptions({ connectionString: 'postgres://a:pw@ep-x-1-pooler.eu-central-1.aws.neon.tech/db' })).toMatchObject({ pooler: 'neon', prepare: false, serverIdleSessionTimeoutMs: 0 });
    expect(resolveOptions({ hyperdrive: { connectionString: 'postgres://a:pw@hyperdrive.local:5432/db' } })).toMatchObject({ pooler: 'hyperdrive', prepare: true, serverIdleSessionTimeoutMs: 0 });
  });

  it('pooler overrides detection, and prepare overrides the profile', () => {
    expect(resolveOptions({ connectionString: supavisor, pooler: 'none' })).toMatchObject({ pooler: 'none', prepare: false, serverIdleSessionTimeoutMs: 300_000 });
    expect(resolveOptions({ connectionString: 'postgres://a:pw@bouncer.internal:6432/db', pooler: 'pgbouncer' })).toMatchObject({ prepare: false, serverIdleSessionTimeoutMs: 0 });
    expect(resolveOptions({ connectionString: 'postgres://a:pw@bouncer.internal:6432/db', pooler: 'pgbouncer', prepare: true })).toMatchObject({ prepare: true, serverIdleSessionTimeoutMs: 0 });
  });

  it('an unknown pooler is a coded error listing the known ones', () => {
    expect(() => resolveOptions({ connectionString: supavisor, pooler: 'pgpool' as never })).toThrow(expect.objectContaining({ code: 'INVALID_OPTION', message: expect.stringContaining('none, pgbouncer, supavisor, rds-proxy, hyperdrive, neon') }));
  });

  it('every profile has a note', () => {
    for (const profile of Object.values(POOLER_PROFILES)) expect(profile.note.length).toBeGreaterThan(20);
  });
});

describe('statements that pin an RDS Proxy session', () => {
  const pinning: [string, string][] = [
    ['SET search_path TO app', 'SET (session setting)'],
    ['set session statement_timeout = 1000', 'SET (session setting)'],
    ['PREPARE q AS select 1', 'SQL-level PREPARE'],
    ['create temp table t (id int)', 'temporary table'],
    ['CREATE TEMPORARY TABLE t AS select 1', 'temporary table'],
    ['select pg_advisory_lock(42)', 'advisory lock'],
    ['select pg_try_advisory_xact_lock(1, 2)', 'advisory lock'],
    ['LISTEN jobs', 'LISTEN'],
    ["select set_config('app.user', '7', false)", 'set_config(…, false)'],
  ];
  for (const [text, feature] of pinning) it(`${text} → ${feature}`, () => expect(pinningFeature(text)).toBe(feature));

  for (const text of ['select 1', 'SET LOCAL statement_timeout = 100', "select set_config('app.user', '7', true)", 'update settings set v = 1', 'insert into t (set_x) values (1)']) {
    it(`${text} → none`, () => expect(pinningFeature(text)).toBeUndefined());
  }
});

describe("pooler 'rds-proxy' against a real server", () => {
  const events: PoolEvent[] = [];
  const db = createPool({ connectionString: databaseUrl(), applicationName: 'pinning', pooler: 'rds-proxy', onEvent: (e) => events.push(e) });
  afterAll(() => db.end());

  it('warns once through onEvent about a pinning statement and still runs it', async () => {
    await db.sql`select 1`;
    expect(events.filter((e) => e.type === 'pinning')).toEqual([]);
    await db.transaction(async (tx) => {
      await tx.query("select set_config('application_name', 'pinning-x', false)");
      await tx.query('select pg_advisory_xact_lock(7)');
    });
    const [row] = await db.query<{ ok: number }>('select pg_advisory_xact_lock(8), 1 as ok');
    expect(row.ok).toBe(1);
    await db.batch([db.query('select pg_advisory_xact_lock(9)')]);
    const pins = events.filter((e) => e.type === 'pinning');
    expect(pins).toEqual([{ type: 'pinning', reason: expect.stringContaining('set_config(…, false) pins this RDS Proxy session') }]);
  });
});

describe('Lambda Managed Instances sizing', () => {
  it('divides AWS_LAMBDA_MAX_CONCURRENCY over the worker threads, rounding up', () => {
    expect(managedInstancesSizing({ AWS_LAMBDA_MAX_CONCURRENCY: '128', AWS_LAMBDA_NODEJS_WORKER_COUNT: '2' })).toEqual({ maxConcurrency: 128, workers: 2, max: 64 });
    expect(managedInstancesSizing({ AWS_LAMBDA_MAX_CONCURRENCY: '10', AWS_LAMBDA_NODEJS_WORKER_COUNT: '4' })).toEqual({ maxConcurrency: 10, workers: 4, max: 3 });
  });

  it("counts the threads as AWS's runtime does: 8 per CPU unless set, never capped by the concurrency", () => {
    const twoCpus = { cpuMax: () => '200000 100000', hostCpus: () => 2 };
    expect(managedInstancesSizing({ AWS_LAMBDA_MAX_CONCURRENCY: '64' }, twoCpus)).toEqual({ maxConcurrency: 64, workers: 16, max: 4 });
    const unreadable = { cpuMax: () => undefined, hostCpus: () => 2 };
    expect(managedInstancesSizing({ AWS_LAMBDA_MAX_CONCURRENCY: '20' }, unreadable)).toEqual({ maxConcurrency: 20, workers: 8, max: 3 });
    // More threads than requests: one connection per thread, the least a pool can have.
    expect(managedInstancesSizing({ AWS_LAMBDA_MAX_CONCURRENCY: '2', AWS_LAMBDA_NODEJS_WORKER_COUNT: '8' })).toEqual({ maxConcurrency: 2, workers: 8, max: 1 });
    // A count that starts no thread leaves nothing to share: one pool takes the whole environment.
    expect(managedInstancesSizing({ AWS_LAMBDA_MAX_CONCURRENCY: '10', AWS_LAMBDA_NODEJS_WORKER_COUNT: '0' })).toEqual({ maxConcurrency: 10, workers: 1, max: 10 });
  });

  it('is off outside Managed Instances and for values that are not counts', () => {
    expect(managedInstancesSizing({})).toBeUndefined();
    expect(managedInstancesSizing({ AWS_LAMBDA_MAX_CONCURRENCY: 'lots' })).toBeUndefined();
  });

  it('sets max when the option is not given; an explicit max wins', () => {
    const saved = { ...process.env };
    try {
      process.env.AWS_LAMBDA_MAX_CONCURRENCY = '32';
      process.env.AWS_LAMBDA_NODEJS_WORKER_COUNT = '4';
      expect(resolveOptions({ connectionString: 'postgres://a:pw@db.example.com/db' }).max).toBe(8);
      expect(resolveOptions({ connectionString: 'postgres://a:pw@db.example.com/db', max: 2 }).max).toBe(2);
    } finally {
      process.env = saved;
    }
    expect(resolveOptions({ connectionString: 'postgres://a:pw@db.example.com/db' }).max).toBe(1);
  });
});
