/**
 * `warmpool/otel`: OpenTelemetry for a warmpool pool, through `@opentelemetry/api` (an optional
 * peer dependency). `instrument(db)` gives a CLIENT span per statement, batch and transaction with
 * the stable database conventions (`db.query.summary` as the span name, `db.system.name`,
 * `db.namespace`, `db.operation.name`, `db.collection.name`, `db.response.status_code`,
 * `error.type`, `server.address`, `server.port`), the `db.client.operation.duration` histogram,
 * the connection pool metrics, and warmpool's retries, validation failures, drains and fallbacks.
 * Query text only with `captureQueryText`; parameter values never. `warmpool` itself does not
 * import OpenTelemetry: a pool that is not instrumented makes no OpenTelemetry calls.
 */
import { type MeterProvider, type TracerProvider, metrics, trace } from '@opentelemetry/api';
import { WarmpoolError } from '../errors.js';
import { type Pool, poolInternals } from '../pool/pool.js';
import { poolInstruments } from './metrics.js';
import { OtelObserver } from './tracing.js';

export interface InstrumentOptions {
  /** Where spans go. Default: the global provider (`trace.setGlobalTracerProvider`, a NodeSDK). */
  tracerProvider?: TracerProvider;
  /** Where metrics go. Default: the global provider (`metrics.setGlobalMeterProvider`). */
  meterProvider?: MeterProvider;
  /**
   * Adds the SQL text as `db.query.text` on spans. Values are bound parameters and never appear
   * in it; text spliced in with `unsafe()` does. Default false.
   */
  captureQueryText?: boolean;
  /** `db.client.connection.pool.name` on the pool metrics. Default `host:port/database`. */
  poolName?: string;
}

/** What `instrument` returns: call `detach()` to stop the spans and metrics of this pool. */
export interface Instrumentation {
  detach(): void;
}

const KNOWN = new Set(['tracerProvider', 'meterProvider', 'captureQueryText', 'poolName']);
const SCOPE = 'warmpool';
const attached = new WeakMap<Pool, Instrumentation>();

/** Instruments `pool`; instrumenting it again replaces the earlier instrumentation. */
export function instrument(pool: Pool, options: InstrumentOptions = {}): Instrumentation {
  checkOptions(options);
  const internals = poolInternals(pool);
  attached.get(pool)?.detach();
  const { host, port, database } = internals.options;
  const tracer = (options.tracerProvider ?? trace.getTracerProvider()).getTracer(SCOPE);
  const meter = (options.meterProvider ?? metrics.getMeterProvider()).getMeter(SCOPE);
  const instruments = poolInstruments(meter, pool, options.poolName ?? `${host}:${port}/${database}`);
  const base = { 'db.system.name': 'postgresql', 'db.namespace': database, 'server.address': host, 'server.port': port };
  internals.observe(new OtelObserver({ tracer, instruments, base, captureQueryText: options.captureQueryText === true }));
  const instrumentation: Instrumentation = {
    detach() {
      if (attached.get(pool) !== instrumentation) return;
      attached.delete(pool);
      internals.observe(undefined);
      instruments.detach();
    },
  };
  attached.set(pool, instrumentation);
  return instrumentation;
}

function checkOptions(options: InstrumentOptions): void {
  if (typeof options !== 'object' || options === null) {
    throw new WarmpoolError('INVALID_OPTION', 'instrument(pool, options) expects an options object, e.g. { captureQueryText: true }.');
  }
  for (const name of Object.keys(options)) {
    if (!KNOWN.has(name)) throw new WarmpoolError('INVALID_OPTION', `Unknown instrument option "${name}"; known: ${[...KNOWN].join(', ')}.`);
  }
  const { tracerProvider, meterProvider, captureQueryText, poolName } = options;
  if (tracerProvider !== undefined && typeof tracerProvider?.getTracer !== 'function') {
    throw new WarmpoolError('INVALID_OPTION', 'Option "tracerProvider" must be an OpenTelemetry TracerProvider (with getTracer).');
  }
  if (meterProvider !== undefined && typeof meterProvider?.getMeter !== 'function') {
    throw new WarmpoolError('INVALID_OPTION', 'Option "meterProvider" must be an OpenTelemetry MeterProvider (with getMeter).');
  }
  if (captureQueryText !== undefined && typeof captureQueryText !== 'boolean') {
    throw new WarmpoolError('INVALID_OPTION', `Option "captureQueryText" must be true or false, got ${typeof captureQueryText}.`);
  }
  if (poolName !== undefined && (typeof poolName !== 'string' || poolName === '')) {
    throw new WarmpoolError('INVALID_OPTION', 'Option "poolName" must be a non-empty string.');
  }
}
