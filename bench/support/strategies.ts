// The ways of answering a warm Lambda invocation that bench/warm-invocation.ts compares (warmpool
// with and without tracing, and the usual alternatives). Each `setup` plays the module scope of
// its own container; `invoke` is one invocation.
import { AggregationTemporality, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import pg from 'pg';
import postgres from 'postgres';
import postgres4 from 'postgres-4';
import ServerlessClient from 'serverless-postgres';
import { createPool } from '../../src/index.js';
import { poolInternals } from '../../src/pool/pool.js';
import type { Lease } from '../../src/pool/connections.js';
import { withPool } from '../../src/lambda/index.js';
import { instrument } from '../../src/otel/index.js';
import { ReferenceConnection } from './pg-protocol-reference.js';

export interface FakeContext {
  getRemainingTimeInMillis(): number;
  callbackWaitsForEmptyEventLoop: boolean;
}

export type Handler = (event: unknown, context: FakeContext) => Promise<unknown>;

export interface Strategy {
  name: string;
  /** Invocations per round as a fraction of the bench's N, so slow strategies do not dominate the run time. */
  share: number;
  handler: Handler;
  teardown(): Promise<void>;
}

export type StrategyFactory = { name: string; share: number; setup(url: string): Strategy };

const ok = { statusCode: 200 };

export const STRATEGIES: StrategyFactory[] = [
  {
    name: 'warmpool',
    share: 1,
    setup(url) {
      const db = createPool({ connectionString: url, max: 1 });
      const handler = withPool(db, async () => {
        await db.sql`select 1`;
        return ok;
      });
      return { name: this.name, share: this.share, handler, teardown: () => db.end() };
    },
  },
  {
    name: 'warmpool + OTel',
    share: 1,
    setup(url) {
      const db = createPool({ connectionString: url, max: 1, applicationName: 'warmpool-otel' });
      const tracerProvider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(DISCARDING_EXPORTER)] });
      const meterProvider = new MeterProvider({ readers: [new UncollectedReader()] });
      instrument(db, { tracerProvider, meterProvider });
      const handler = withPool(db, async () => {
        await db.sql`select 1`;
        return ok;
      });
      const teardown = async () => {
        await db.end();
        await Promise.all([tracerProvider.shutdown(), meterProvider.shutdown()]);
      };
      return { name: this.name, share: this.share, handler, teardown };
    },
  },
  {
    name: 'postgres.js',
    share: 1,
    setup(url) {
      const sql = postgres(url, { max: 1 });
      const handler: Handler = async () => {
        await sql`select 1`;
        return ok;
      };
      return { name: this.name, share: this.share, handler, teardown: () => sql.end({ timeout: 1 }) };
    },
  },
  {
    name: 'pg.Pool',
    share: 1,
    setup(url) {
      const pool = new pg.Pool({ connectionString: url });
      const handler: Handler = async () => {
        await pool.query('select 1');
        return ok;
      };
      return { name: this.name, share: this.share, handler, teardown: () => pool.end() };
    },
  },
  {
    name: 'serverless-postgres',
    share: 1 / 4,
    setup(url) {
      const client = new ServerlessClient({ connectionString: url });
      const handler: Handler = async () => {
        await client.connect();
        await client.query('select 1');
        await client.clean();
        return ok;
      };
      return { name: this.name, share: this.share, handler, teardown: () => client.end() };
    },
  },
  {
    name: 'connect-per-invocation',
    share: 1 / 100,
    setup(url) {
      const handler: Handler = async () => {
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        try {
          await client.query('select 1');
        } finally {
          await client.end();
        }
        return ok;
      };
      return { name: this.name, share: this.share, handler, teardown: async () => {} };
    },
  },
];

/**
 * More baselines for bench/instructions.ts, the same statement: postgres.js 4.2, and a thin
 * connection on pg-protocol (./pg-protocol-reference.ts), the floor of what the wire costs.
 */
export const REFERENCES: StrategyFactory[] = [
  {
    name: 'postgres.js 4.2',
    share: 1,
    setup(url) {
      const sql = postgres4(url, { max: 1 });
      const handler: Handler = async () => {
        await sql`select 1`;
        return ok;
      };
      return { name: this.name, share: this.share, handler, teardown: () => sql.end({ timeout: 1 }) };
    },
  },
  {
    name: 'pg-protocol ref',
    share: 1,
    setup(url) {
      const db = new ReferenceConnection(url);
      const handler: Handler = async () => {
        await db.query('select 1');
        return ok;
      };
      return { name: this.name, share: this.share, handler, teardown: () => db.end() };
    },
  },
];

/** The connection's run alone, on one lease kept for the whole run. */
function connectionRun(name: string, prepare: boolean): StrategyFactory {
  return {
    name,
    share: 1,
    setup(url) {
      const db = createPool({ connectionString: url, max: 1, prepare });
      const { set } = poolInternals(db);
      let lease: Lease | undefined;
      const handler: Handler = async () => {
        lease ??= await set.acquire(Infinity);
        await lease.connection.run({ text: 'select 1', params: [] });
        return ok;
      };
      const teardown = async () => {
        if (lease) set.release(lease);
        await db.end();
      };
      return { name, share: 1, handler, teardown };
    },
  };
}

/** postgres.js driven as warmpool drives it: one reserved connection, `unsafe`, named or unnamed. */
function reservedUnsafe(name: string, prepare: boolean): StrategyFactory {
  return {
    name,
    share: 1,
    setup(url) {
      const sql = postgres(url, { max: 1 });
      let reserved: postgres.ReservedSql | undefined;
      const handler: Handler = async () => {
        reserved ??= await sql.reserve();
        await reserved.unsafe('select 1', [], { prepare });
        return ok;
      };
      const teardown = async () => {
        reserved?.release();
        await sql.end({ timeout: 1 });
      };
      return { name, share: 1, handler, teardown };
    },
  };
}

/**
 * warmpool with its layers taken off one at a time, for `bench/instructions.ts --layers`: where
 * its instructions over raw postgres.js go. Each runs the same `select 1`; the last two
 * are postgres.js driven the way warmpool's TCP transport drives it (a reserved connection,
 * `unsafe`), named and unnamed.
 */
export const LAYERS: StrategyFactory[] = [
  {
    name: 'warmpool, withPool, no deadline',
    share: 1,
    setup(url) {
      const db = createPool({ connectionString: url, max: 1 });
      const wrapped = withPool(db, async () => {
        await db.sql`select 1`;
        return ok;
      });
      // A context without getRemainingTimeInMillis: no deadline, so no limits and no alarm per statement.
      const handler: Handler = (event) => wrapped(event, { callbackWaitsForEmptyEventLoop: true } as FakeContext);
      return { name: this.name, share: this.share, handler, teardown: () => db.end() };
    },
  },
  {
    name: 'warmpool, withPool, no deadline, prepare: true',
    share: 1,
    setup(url) {
      const db = createPool({ connectionString: url, max: 1, prepare: true });
      const wrapped = withPool(db, async () => {
        await db.sql`select 1`;
        return ok;
      });
      const handler: Handler = (event) => wrapped(event, { callbackWaitsForEmptyEventLoop: true } as FakeContext);
      return { name: this.name, share: this.share, handler, teardown: () => db.end() };
    },
  },
  {
    name: 'warmpool, no withPool',
    share: 1,
    setup(url) {
      const db = createPool({ connectionString: url, max: 1 });
      const handler: Handler = async () => {
        await db.sql`select 1`;
        return ok;
      };
      return { name: this.name, share: this.share, handler, teardown: () => db.end() };
    },
  },
  {
    name: 'warmpool, acquire + run + release',
    share: 1,
    setup(url) {
      const db = createPool({ connectionString: url, max: 1 });
      const { set } = poolInternals(db);
      const handler: Handler = async () => {
        const acquired = set.acquire(Infinity);
        const lease = acquired instanceof Promise ? await acquired : acquired;
        try {
          await lease.connection.run({ text: 'select 1', params: [] });
        } finally {
          set.release(lease);
        }
        return ok;
      };
      return { name: this.name, share: this.share, handler, teardown: () => db.end() };
    },
  },
  connectionRun('warmpool, connection.run', false),
  connectionRun('warmpool, connection.run, prepare: true', true),
  reservedUnsafe('postgres.js, reserved unsafe', true),
  reservedUnsafe('postgres.js, reserved unsafe, unnamed', false),
];

/** An SDK exporter that drops what it is given: the cost measured is the SDK's, not a network's. */
const DISCARDING_EXPORTER: SpanExporter = {
  export: (_spans, done) => done({ code: 0 }),
  shutdown: async () => {},
};

/** Metrics are recorded into the SDK's storage, as with a real reader, and never exported. */
class UncollectedReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

/** A fresh context per invocation, as Lambda gives. */
export function fakeContext(): FakeContext {
  return { getRemainingTimeInMillis: () => 30_000, callbackWaitsForEmptyEventLoop: true };
}
