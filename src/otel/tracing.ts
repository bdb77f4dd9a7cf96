import { type Attributes, type Histogram, type Span, SpanKind, SpanStatusCode, type Tracer, context, trace } from '@opentelemetry/api';
import { WarmpoolError } from '../errors.js';
import type { PoolEvent } from '../options.js';
import type { ObservedOperation, PoolObserver } from '../pool/observer.js';
import type { Statement, TransactionOptions } from '../transports/types.js';
import type { PoolInstruments } from './metrics.js';
import { type QuerySummary, summarize } from './summary.js';

/**
 * The observer `instrument` attaches: a CLIENT span per statement, batch and transaction with the
 * stable database attributes, the operation duration histogram, and the pool's events as span
 * events. Parameters are never read; error messages are never exported (a server message can
 * quote a value), only codes.
 */

const SUMMARY_CACHE_SIZE = 512;

export interface TracingSettings {
  tracer: Tracer;
  instruments: PoolInstruments;
  /** db.system.name, db.namespace, server.address, server.port. */
  base: Attributes;
  captureQueryText: boolean;
}

export class OtelObserver implements PoolObserver {
  readonly #settings: TracingSettings;
  /** Per SQL text: its summary and attributes, built once (statements made by templates repeat). */
  readonly #described = new Map<string, Described>();
  /** Operations waiting for a connection: a connect or a failed validation belongs to them. */
  readonly #waiting = new Set<Operation>();

  constructor(settings: TracingSettings) {
    this.#settings = settings;
  }

  statement(statement: Statement, parent?: ObservedOperation): ObservedOperation {
    const found = this.#describe(statement.text);
    return this.#start(found.name, found.attributes, found.metricAttributes, parent instanceof Operation ? parent.span : undefined);
  }

  batch(statements: readonly Statement[]): ObservedOperation {
    if (statements.length === 1) return this.statement(statements[0]);
    const found = statements.map((s) => this.#describe(s.text).summary);
    const same = <K extends keyof QuerySummary>(key: K) => (found.every((f) => f[key] === found[0][key]) ? found[0][key] : undefined);
    const summary = same('summary') === undefined ? 'BATCH' : `BATCH ${found[0].summary}`;
    const operation = same('operation') === undefined ? 'BATCH' : `BATCH ${found[0].operation}`;
    const texts = statements.map((s) => s.text);
    const text = texts.every((t) => t === texts[0]) ? texts[0] : texts.join('; ');
    const attributes = this.#attributes(summary, operation, same('collection'), text);
    attributes['db.operation.batch.size'] = statements.length;
    return this.#start(summary, attributes, withoutText(attributes), undefined);
  }

  transaction(options: TransactionOptions): ObservedOperation {
    const attributes: Attributes = { ...this.#settings.base };
    if (options.isolation) attributes['warmpool.transaction.isolation'] = options.isolation;
    if (options.readOnly) attributes['warmpool.transaction.read_only'] = true;
    return this.#start('TRANSACTION', attributes, undefined, undefined);
  }

  event(event: PoolEvent): void {
    const attributes: Attributes = { 'warmpool.event.type': event.type };
    if (event.reason !== undefined) attributes['warmpool.event.reason'] = event.reason;
    const { instruments } = this.#settings;
    instruments.events.add(1, { ...attributes, ...instruments.poolAttributes });
    if (event.type === 'connect' && event.durationMs !== undefined) instruments.createTime.record(event.durationMs / 1000, instruments.poolAttributes);
    // Only when one operation waits is it certainly the one this connect or discard served (always
    // so with max 1). A retry is on its own operation's span already (Operation.retry).
    if (this.#waiting.size !== 1 || event.type === 'retry') return;
    if (event.attempt !== undefined) attributes['warmpool.event.attempt'] = event.attempt;
    if (event.delayMs !== undefined) attributes['warmpool.event.delay_ms'] = event.delayMs;
    for (const operation of this.#waiting) operation.span.addEvent(`warmpool.${event.type}`, attributes);
  }

  #describe(text: string): Described {
    let found = this.#described.get(text);
    if (!found) {
      if (this.#described.size >= SUMMARY_CACHE_SIZE) this.#described.clear();
      const summary = summarize(text);
      const attributes = this.#attributes(summary.summary, summary.operation, summary.collection, text);
      found = { summary, name: summary.summary ?? 'postgresql', attributes, metricAttributes: withoutText(attributes) };
      this.#described.set(text, found);
    }
    return found;
  }

  #attributes(summary: string | undefined, operation: string | undefined, collection: string | undefined, text: string): Attributes {
    const attributes: Attributes = { ...this.#settings.base };
    if (summary !== undefined) attributes['db.query.summary'] = summary;
    if (operation !== undefined) attributes['db.operation.name'] = operation;
    if (collection !== undefined) attributes['db.collection.name'] = collection;
    if (this.#settings.captureQueryText) attributes['db.query.text'] = text;
    return attributes;
  }

  /** `metricAttributes`: for the duration histogram; undefined records none (a transaction). */
  #start(name: string, attributes: Attributes, metricAttributes: Attributes | undefined, parent: Span | undefined): Operation {
    const parentContext = parent ? trace.setSpan(context.active(), parent) : context.active();
    const span = this.#settings.tracer.startSpan(name, { kind: SpanKind.CLIENT, attributes }, parentContext);
    return new Operation(span, metricAttributes, this.#settings.instruments, parent ? undefined : this.#waiting);
  }
}

class Operation implements ObservedOperation {
  readonly span: Span;
  readonly #metricAttributes: Attributes | undefined;
  readonly #instruments: PoolInstruments;
  /** Where it waits for a connection; undefined for a statement on its transaction's connection. */
  readonly #waiting: Set<Operation> | undefined;
  readonly #started = performance.now();
  #phase: 'waiting' | 'using' = 'waiting';
  #since = this.#started;

  constructor(span: Span, metricAttributes: Attributes | undefined, instruments: PoolInstruments, waiting: Set<Operation> | undefined) {
    this.span = span;
    this.#metricAttributes = metricAttributes;
    this.#instruments = instruments;
    this.#waiting = waiting;
    waiting?.add(this);
  }

  acquired(): void {
    if (!this.#waiting || this.#phase === 'using') return;
    this.#waiting.delete(this);
    this.#since = this.#measure(this.#instruments.waitTime);
    this.#phase = 'using';
  }

  retry(reason: string, attempt: number): void {
    this.span.addEvent('warmpool.retry', { 'warmpool.retry.reason': reason, 'warmpool.retry.attempt': attempt });
    if (!this.#waiting || this.#phase === 'waiting') return;
    this.#since = this.#measure(this.#instruments.useTime);
    this.#phase = 'waiting';
    this.#waiting.add(this);
  }

  end(error?: unknown): void {
    this.#waiting?.delete(this);
    const now = this.#waiting && this.#phase === 'using' ? this.#measure(this.#instruments.useTime) : performance.now();
    let failure: Attributes | undefined;
    if (error !== undefined) {
      const { type, status } = classify(error);
      failure = status === undefined ? { 'error.type': type } : { 'error.type': type, 'db.response.status_code': status };
      this.span.setAttributes(failure);
      this.span.setStatus({ code: SpanStatusCode.ERROR, message: type });
    }
    this.span.end();
    if (!this.#metricAttributes) return;
    this.#instruments.operationDuration.record((now - this.#started) / 1000, failure ? { ...this.#metricAttributes, ...failure } : this.#metricAttributes);
  }

  /** Records the seconds since the phase began; returns now. */
  #measure(histogram: Histogram): number {
    const now = performance.now();
    histogram.record((now - this.#since) / 1000, this.#instruments.poolAttributes);
    return now;
  }
}

interface Described {
  summary: QuerySummary;
  name: string;
  attributes: Attributes;
  metricAttributes: Attributes;
}

/** The histogram's attributes: the span's without the query text (unbounded cardinality). */
function withoutText(attributes: Attributes): Attributes {
  const { 'db.query.text': _text, ...rest } = attributes;
  return rest;
}

/** error.type: warmpool's code (SQLSTATE for a server error); db.response.status_code: the SQLSTATE behind it. */
function classify(error: unknown): { type: string; status: string | undefined } {
  if (error instanceof WarmpoolError) return { type: error.code, status: error.sqlState };
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return { type: code, status: undefined };
  return { type: error instanceof Error ? error.name : '_OTHER', status: undefined };
}
