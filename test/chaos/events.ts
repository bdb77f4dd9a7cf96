/**
 * The soak's work, as the events a chaos container is invoked with, and what each one writes:
 * the ledger rows it owns (all or none), rows that must never be there (work a savepoint undid or
 * a refused savepoint never did), and the column values some rows must carry. Every row is named
 * after its operation id: `<op>` for one insert, `<op>.1` and `<op>.2` for two.
 */

/** A session change some invocations make; the next ones on the container must not see it. */
export const SESSION_CHANGES = ['tenant', 'statement-timeout', 'search-path', 'temp-table', 'advisory-lock', 'listen'] as const;
export type SessionChange = (typeof SESSION_CHANGES)[number];

export const TAGS = ['red', 'green', 'blue'] as const;
export type Tag = (typeof TAGS)[number];

/** Every tagged insert stores this instant, given with an offset the server must keep. */
export const STAMP = '2022-01-01 00:00:00-02';
export const STAMP_EPOCH_S = Date.UTC(2022, 0, 1, 2) / 1000;

type Work =
  | { op: 'read' }
  /** One insert of an enum value and a timestamptz (the schema changes under them). */
  | { op: 'insert'; tag: Tag }
  /** A read and an insert at once (`Promise.all`), taking turns on the one connection. */
  | { op: 'read-and-insert' }
  /** A `pg_sleep` past the deadline and an insert at once; whichever is first holds the connection. */
  | { op: 'pair-late'; first: 'sleep' | 'insert'; seconds: number }
  | { op: 'batch' }
  /**
   * Two inserts and a pause like an external call, between them or after both. The call has a
   * timeout of its own that ends it 250 ms before the function's, as a careful handler's would.
   */
  | { op: 'tx'; pauseMs: number; pauseAt: 'between' | 'after' }
  /** An insert, then a statement that runs for `seconds` (the deadline may cancel it). */
  | { op: 'tx-sleep'; seconds: number }
  /**
   * Two inserts (one tagged) and a `select *` at once with `Promise.all` inside a transaction,
   * with `retries: 1`, which reruns it when a schema change made a statement stale.
   */
  | { op: 'tx-all'; tag: Tag }
  /**
   * An insert, a savepoint that inserts and then fails (its row must be undone), and a sibling
   * awaited after it that inserts (its row must stay). `concurrent`: the sibling is started
   * together with a third one, which must be refused (CONCURRENT_SAVEPOINT) and never run.
   */
  | { op: 'savepoints'; concurrent: boolean }
  /** Changes the session through the pool, then inserts. */
  | { op: 'session'; change: SessionChange; lockKey: number }
  /**
   * `db.reserve()`: a tenant setting, a statement timeout, a temp table and an advisory lock,
   * an insert that reads the first and the third, then the unlock and `release()`. `cut`: before
   * the unlock the connection runs into the deadline, in a `pg_sleep` or in a pause.
   */
  | { op: 'reserve'; cut: 'none' | 'sleep' | 'pause'; lockKey: number }
  /**
   * A keyed transaction (`idempotencyKey: key`, `retries: 1`) that inserts the key's row, pauses
   * like an external call (one in five past the deadline) and returns the row's id. `redelivery`:
   * the key is one an earlier invocation was sent (by any container, maybe still running), as SQS
   * or an async retry delivers an event again; the work must apply once per key, whatever the
   * number of deliveries.
   */
  | { op: 'keyed'; key: string; redelivery: boolean; pauseMs: number };

/** `probe`: the invocation first reads its session and reports anything not at its default. */
export type ChaosEvent = Work & { opId: string; probe: boolean };
export type ChaosOp = ChaosEvent['op'];
export const CHAOS_OPS: readonly ChaosOp[] = ['read', 'insert', 'read-and-insert', 'pair-late', 'batch', 'tx', 'tx-sleep', 'tx-all', 'savepoints', 'session', 'reserve', 'keyed'];

/** The values a row must carry; a field left out is not checked. */
export interface RowValues {
  tag?: Tag | null;
  /** Epoch seconds. */
  stamp?: number | null;
  tenant?: string | null;
}

export interface Writes {
  /** The work, as violations name it: its op and variant. */
  what: string;
  /** Rows written together: all or none. */
  rows: string[];
  /** Rows that must never be there. */
  undone: string[];
  values: Map<string, RowValues>;
  /** A keyed operation's key: its row (named after the key) is owned by every delivery of the key, checked per key. */
  key?: string;
}

/** What a keyed invocation that succeeded returns: the id of the key's ledger row. */
export interface KeyedResult {
  id: string;
}

export function writesOf(event: ChaosEvent): Writes {
  const id = event.opId;
  const one = [id];
  const two = [`${id}.1`, `${id}.2`];
  const what = describeWork(event);
  const writes = (rows: string[], undone: string[] = [], values: [string, RowValues][] = []): Writes => ({ what, rows, undone, values: new Map(values) });
  switch (event.op) {
    case 'read':
      return writes([]);
    case 'insert':
      return writes(one, [], [[id, { tag: event.tag, stamp: STAMP_EPOCH_S, tenant: null }]]);
    case 'tx-all':
      return writes(two, [], [[`${id}.1`, { tag: event.tag, stamp: STAMP_EPOCH_S }]]);
    case 'savepoints':
      return writes(two, [`${id}.undone`, `${id}.refused`]);
    case 'session':
      return writes(one, [], event.change === 'tenant' ? [[id, { tenant: id }]] : []);
    case 'reserve':
      return writes(one, [], [[id, { tenant: id }]]);
    case 'read-and-insert':
    case 'pair-late':
    case 'tx-sleep':
      return writes(one);
    case 'batch':
    case 'tx':
      return writes(two);
    case 'keyed':
      return { ...writes([]), key: event.key };
  }
}

/** `op` and its variant: `session tenant`, `reserve cut=sleep`, `pair-late first=sleep`… */
export function describeWork(event: ChaosEvent): string {
  switch (event.op) {
    case 'session': return `session ${event.change}`;
    case 'reserve': return `reserve cut=${event.cut}`;
    case 'pair-late': return `pair-late first=${event.first}`;
    case 'savepoints': return event.concurrent ? 'savepoints concurrent' : 'savepoints';
    case 'tx': return `tx pause ${event.pauseMs} ms ${event.pauseAt}`;
    case 'keyed': return `keyed ${event.redelivery ? 'redelivery of' : 'first delivery of'} ${event.key} pause ${event.pauseMs} ms`;
    default: return event.op;
  }
}
