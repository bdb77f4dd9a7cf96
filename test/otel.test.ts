import { fileURLToPath } from 'node:url';
import { type MeterProvider as ApiMeterProvider, type TracerProvider, SpanKind, SpanStatusCode, metrics, trace } from '@opentelemetry/api';
import { AggregationTemporality, MeterProvider, MetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, type Pool } from '../src/index.js';
import { instrument } from '../src/otel/index.js';
import { adminClient, terminateBackend, uniqueName } from './support/db.js';
import { adminUrl, databaseUrl } from './support/env.js';

// warmpool/otel against the real server, exported through the SDK's in-memory exporter and a
// metric reader collected on demand.

class CollectingReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

interface Telemetry {
  spans: InMemorySpanExporter;
  tracerProvider: BasicTracerProvider;
  reader: CollectingReader;
  meterProvider: MeterProvider;
}

function telemetry(): Telemetry {
  const spans = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
  const reader = new CollectingReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  return { spans, tracerProvider, reader, meterProvider };
}

async function collect(t: Telemetry): Promise<ResourceMetrics> {
  const { resourceMetrics, errors } = await t.reader.collect();
  expect(errors).toEqual([]);
  return resourceMetrics;
}

function metric(resource: ResourceMetrics, name: string) {
  return resource.scopeMetrics.flatMap((s) => s.metrics).find((m) => m.descriptor.name === name);
}

const admin = adminClient(adminUrl());
const table = uniqueName('otel_users');
const SECRET = 'secret-value-7f3a9';
const { hostname, port, pathname } = new URL(databaseUrl());
const database = decodeURIComponent(pathname.slice(1));
const BASE = { 'db.system.name': 'postgresql', 'db.namespace': database, 'server.address': hostname, 'server.port': Number(port) };

function instrumented(app: string, extra: Parameters<typeof instrument>[1] = {}): { db: Pool; t: Telemetry } {
  const t = telemetry();
  const db = createPool({ connectionString: databaseUrl(), applicationName: app, ...(app.startsWith('otel-idle') ? { validateAfterIdleMs: 0 } : {}) });
  instrument(db, { tracerProvider: t.tracerProvider, meterProvider: t.meterProvider, ...extra });
  return { db, t };
}

const named = (t: Telemetry, name: string): ReadableSpan[] => t.spans.getFinishedSpans().filter((s) => s.name === name);

beforeAll(async () => {
  const db = createPool({ connectionString: databaseUrl(), applicationName: 'otel-setup' });
  await db.query(`create table ${table} (id serial primary key, name text not null)`);
  await db.end();
});
afterAll(() => admin.end());

describe('spans', () => {
  it('a select is a CLIENT span named by its summary, with the stable database attributes', async () => {
    const { db, t } = instrumented('otel-select');
    await db.sql`select id, name from ${db.unsafe(table)} where name = ${SECRET}`;
    const [span] = named(t, `SELECT ${table}`);
    expect(span.kind).toBe(SpanKind.CLIENT);
    expect(span.attributes).toEqual({
      ...BASE, 'db.query.summary': `SELECT ${table}`, 'db.operation.name': 'SELECT', 'db.collection.name': table,
    });
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    expect(span.instrumentationScope.name).toBe('warmpool');
    await db.end();
  });

  it('an insert is INSERT <table>', async () => {
    const { db, t } = instrumented('otel-insert');
    await db.query(`insert into ${table} (name) values ($1)`, [SECRET]);
    const [span] = named(t, `INSERT ${table}`);
    expect(span.attributes).toMatchObject({ 'db.operation.name': 'INSERT', 'db.collection.name': table });
    await db.end();
  });

  it('a server error sets the SQLSTATE as db.response.status_code and error.type, and exports no message', async () => {
    const { db, t } = instrumented('otel-error');
    const error = await db.query('select $1::int as n', [SECRET]).then(() => null, (e) => e);
    expect(error).toMatchObject({ code: '22P02' });
    expect(error.message).toContain(SECRET); // the server quotes the value: it must not reach the span
    const [span] = named(t, 'SELECT');
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: '22P02' });
    expect(span.attributes).toMatchObject({ 'db.response.status_code': '22P02', 'error.type': '22P02' });
    expect(span.events.map((e) => e.name)).toEqual(['warmpool.connect']);
    await db.end();
  });

  it('a transaction is a span whose statements are its children', async () => {
    const { db, t } = instrumented('otel-tx');
    await db.transaction(async (tx) => {
      await tx.query(`insert into ${table} (name) values ($1)`, [SECRET]);
      await tx.sql`select count(*) from ${tx.unsafe(table)}`;
    }, { isolation: 'serializable' });
    const [txSpan] = named(t, 'TRANSACTION');
    expect(txSpan.attributes).toEqual({ ...BASE, 'warmpool.transaction.isolation': 'serializable' });
    const children = t.spans.getFinishedSpans().filter((s) => s.parentSpanContext?.spanId === txSpan.spanContext().spanId);
    expect(children.map((s) => s.name)).toEqual([`INSERT ${table}`, `SELECT ${table}`]);
    for (const child of children) expect(child.spanContext().traceId).toBe(txSpan.spanContext().traceId);
    await db.end();
  });

  it('a batch is one span: BATCH <summary> when its statements share it, with db.operation.batch.size', async () => {
    const { db, t } = instrumented('otel-batch');
    const insert = (name: string) => db.query(`insert into ${table} (name) values ($1)`, [name]);
    await db.batch([insert(SECRET), insert(SECRET)]);
    await db.batch([insert(SECRET), db.sql`select 1`]);
    const [same] = named(t, `BATCH INSERT ${table}`);
    expect(same.attributes).toMatchObject({ 'db.operation.name': 'BATCH INSERT', 'db.collection.name': table, 'db.operation.batch.size': 2 });
    const [mixed] = named(t, 'BATCH');
    expect(mixed.attributes).toMatchObject({ 'db.operation.name': 'BATCH', 'db.operation.batch.size': 2 });
    expect(mixed.attributes['db.collection.name']).toBeUndefined();
    await db.end();
  });

  it('query text is exported only with captureQueryText, and parameter values never are', async () => {
    const off = instrumented('otel-text-off');
    const on = instrumented('otel-text-on', { captureQueryText: true });
    const text = `select id from ${table} where name = $1`;
    for (const { db } of [off, on]) await db.query(text, [SECRET]);
    expect(named(off.t, `SELECT ${table}`)[0].attributes['db.query.text']).toBeUndefined();
    expect(named(on.t, `SELECT ${table}`)[0].attributes['db.query.text']).toBe(text);
    const duration = metric(await collect(on.t), 'db.client.operation.duration')!;
    for (const point of duration.dataPoints) expect(point.attributes['db.query.text']).toBeUndefined();
    for (const { db } of [off, on]) await db.end();
  });
});

describe("warmpool's events", () => {
  it('a statement retried after its backend was killed carries a retry event with the reason', async () => {
    const { db, t } = instrumented('otel-retry');
    const read = db.sql`select 42 as answer, pg_sleep(0.3)`.idempotent().then((rows) => rows);
    await killWhenActive('otel-retry');
    expect((await read)[0].answer).toBe(42);
    const [span] = t.spans.getFinishedSpans();
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    const retries = span.events.filter((e) => e.name === 'warmpool.retry');
    expect(retries).toHaveLength(1);
    expect(retries[0].attributes).toMatchObject({ 'warmpool.retry.attempt': 1 });
    expect(retries[0].attributes!['warmpool.retry.reason']).toMatch(/^(57P01|CONNECTION_LOST)$/);
    const resource = await collect(t);
    expect(metric(resource, 'warmpool.client.operation.retries')!.dataPoints[0].value).toBe(1);
    expect(metric(resource, 'warmpool.client.events')!.dataPoints.find((p) => p.attributes['warmpool.event.type'] === 'retry')?.value).toBe(1);
    await db.end();
  });

  it('a connection that died while idle (frozen) is replaced, and the span says so', async () => {
    const { db, t } = instrumented('otel-idle-death');
    const [{ pid }] = await db.sql`select pg_backend_pid() as pid`;
    await terminateBackend(admin, pid as number);
    const [row] = await db.sql`select pg_backend_pid() as pid`;
    expect(row.pid).not.toBe(pid);
    const span = t.spans.getFinishedSpans()[1];
    const discard = span.events.find((e) => e.name === 'warmpool.discard');
    expect(discard?.attributes!['warmpool.event.reason']).toMatch(/^(validation failed|dead)$/);
    expect(span.events.some((e) => e.name === 'warmpool.connect')).toBe(true);
    const stats = db.stats();
    const resource = await collect(t);
    expect(metric(resource, 'warmpool.client.connection.validation_failures')!.dataPoints[0].value).toBe(stats.validationFailures);
    expect(metric(resource, 'warmpool.client.connection.created')!.dataPoints[0].value).toBe(2);
    await db.end();
  });
});

describe('metrics', () => {
  it('records the operation duration and the connection pool metrics', async () => {
    const { db, t } = instrumented('otel-metrics');
    await db.sql`select 1`;
    await db.query(`select name from ${table} where id = $1`, [1]);
    const resource = await collect(t);
    const duration = metric(resource, 'db.client.operation.duration')!;
    expect(duration.descriptor.unit).toBe('s');
    const select = duration.dataPoints.find((p) => p.attributes['db.collection.name'] === table)!;
    expect(select.attributes).toEqual({ ...BASE, 'db.query.summary': `SELECT ${table}`, 'db.operation.name': 'SELECT', 'db.collection.name': table });
    expect((select.value as { count: number }).count).toBe(1);
    const pool = { 'db.client.connection.pool.name': `${hostname}:${port}/${database}` };
    const count = metric(resource, 'db.client.connection.count')!;
    expect(count.dataPoints.map((p) => [p.attributes['db.client.connection.state'], p.value])).toEqual([['idle', 1], ['used', 0]]);
    expect(metric(resource, 'db.client.connection.max')!.dataPoints).toMatchObject([{ value: 1, attributes: pool }]);
    expect(metric(resource, 'db.client.connection.pending_requests')!.dataPoints).toMatchObject([{ value: 0 }]);
    expect(metric(resource, 'db.client.connection.timeouts')!.dataPoints).toMatchObject([{ value: 0 }]);
    for (const name of ['create_time', 'wait_time', 'use_time']) {
      const points = metric(resource, `db.client.connection.${name}`)!.dataPoints;
      expect(points).toHaveLength(1);
      expect(points[0].attributes).toEqual(pool);
    }
    expect((metric(resource, 'db.client.connection.create_time')!.dataPoints[0].value as { count: number }).count).toBe(1);
    expect((metric(resource, 'db.client.connection.wait_time')!.dataPoints[0].value as { count: number }).count).toBe(2);
    await db.end();
  });

  it('no parameter value appears anywhere in the exported spans or metrics', async () => {
    const { db, t } = instrumented('otel-secrets', { captureQueryText: true });
    await db.query(`insert into ${table} (name) values ($1)`, [SECRET]);
    await db.query('select $1::int', [SECRET]).catch(() => {});
    await db.batch([db.query(`select id from ${table} where name = $1`, [SECRET]), db.query('select $1::text', [SECRET])]);
    await db.transaction(async (tx) => {
      await tx.query(`update ${table} set name = $1 where name = $1`, [SECRET]);
    });
    const exported = JSON.stringify({ spans: t.spans.getFinishedSpans().map(spanData), metrics: await collect(t) });
    expect(exported).toContain(`INSERT ${table}`);
    expect(exported).not.toContain(SECRET);
    await db.end();
  });
});

describe('without instrumentation', () => {
  it('a pool makes no OpenTelemetry calls, even with global providers registered', async () => {
    const t = telemetry();
    const calls: string[] = [];
    const tracerProvider: TracerProvider = { getTracer: (...args) => (calls.push('getTracer'), t.tracerProvider.getTracer(...args)) };
    const meterProvider: ApiMeterProvider = { getMeter: (...args) => (calls.push('getMeter'), t.meterProvider.getMeter(...args)) };
    expect(trace.setGlobalTracerProvider(tracerProvider)).toBe(true);
    expect(metrics.setGlobalMeterProvider(meterProvider)).toBe(true);
    try {
      const db = createPool({ connectionString: databaseUrl(), applicationName: 'otel-none' });
      await db.sql`select 1`;
      await db.batch([db.sql`select 1`, db.sql`select 2`]);
      await db.transaction(async (tx) => tx.sql`select 1`);
      await db.end();
      expect(calls).toEqual([]);
      expect(t.spans.getFinishedSpans()).toEqual([]);
      expect((await collect(t)).scopeMetrics).toEqual([]);
    } finally {
      trace.disable();
      metrics.disable();
    }
  });

  it('after detach() a pool records nothing more', async () => {
    const t = telemetry();
    const db = createPool({ connectionString: databaseUrl(), applicationName: 'otel-detach' });
    const instrumentation = instrument(db, { tracerProvider: t.tracerProvider, meterProvider: t.meterProvider });
    await db.sql`select 1`;
    instrumentation.detach();
    await db.sql`select 2`;
    expect(t.spans.getFinishedSpans()).toHaveLength(1);
    expect(metric(await collect(t), 'db.client.connection.count')).toBeUndefined();
    await db.end();
  });

  it('the warmpool and warmpool/lambda bundles do not contain @opentelemetry/api', async () => {
    for (const entry of ['../src/index.ts', '../src/lambda/index.ts']) {
      const result = await build({ entryPoints: [fileURLToPath(new URL(entry, import.meta.url))], bundle: true, platform: 'node', format: 'esm', write: false, metafile: true, logLevel: 'silent' });
      expect(Object.keys(result.metafile.inputs).filter((f) => f.includes('@opentelemetry'))).toEqual([]);
    }
  });

  it('refuses unknown or mistyped options with INVALID_OPTION', () => {
    const db = createPool({ connectionString: databaseUrl(), applicationName: 'otel-options' });
    expect(() => instrument(db, { captureQueryTxt: true } as never)).toThrow(/Unknown instrument option "captureQueryTxt"/);
    expect(() => instrument(db, { captureQueryText: 'yes' } as never)).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }));
    expect(() => instrument(db, { tracerProvider: {} } as never)).toThrow(/TracerProvider/);
  });
});

function spanData(span: ReadableSpan) {
  return { name: span.name, attributes: span.attributes, events: span.events, status: span.status, links: span.links };
}

/** Kills the backend running a statement of `appName` once it is active (a state poll). */
async function killWhenActive(appName: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const rows = await admin`select pid from pg_stat_activity where application_name like ${appName + ':%'} and state = 'active' and query like '%pg_sleep%'`;
    if (rows.length > 0) {
      await admin`select pg_terminate_backend(${rows[0].pid})`;
      return;
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error('statement never became active');
}
