/**
 * The soak's seeded mix of work: which event a container is invoked with next. Shares (of 100):
 *
 *   read 10 · insert 10 · read-and-insert 6 · pair-late 4 · batch 8 · tx 12 · tx-sleep 4
 *   tx-all 7 · savepoints 7 · session 12 · reserve 8 · keyed 12
 *
 * Half the invocations probe their session first (the handler also probes after every session
 * or reserve invocation). Two in five keyed invocations are redeliveries: they repeat one of the
 * keys most recently sent by any container (`Deliveries`), so which key a redelivery repeats
 * depends on timing, not on the seed alone.
 */
import { type ChaosEvent, type ChaosOp, SESSION_CHANGES, TAGS } from './events.js';

const SHARES: [ChaosOp, number][] = [
  ['read', 10], ['insert', 10], ['read-and-insert', 6], ['pair-late', 4], ['batch', 8], ['tx', 12], ['tx-sleep', 4],
  ['tx-all', 7], ['savepoints', 7], ['session', 12], ['reserve', 8], ['keyed', 12],
];
const TOTAL = SHARES.reduce((sum, [, n]) => sum + n, 0);

/** Advisory lock keys, shared by all containers so that a lock left held makes others wait. */
const LOCK_KEYS = 6;
const REDELIVERY_SHARE = 0.4;

/** The idempotency keys sent lately by every container, which a redelivery picks from. */
export class Deliveries {
  readonly recent: string[] = [];
  static readonly KEPT = 16;

  add(key: string): void {
    this.recent.push(key);
    if (this.recent.length > Deliveries.KEPT) this.recent.shift();
  }
}

export function nextEvent(opId: string, random: () => number, deliveries = new Deliveries()): ChaosEvent {
  const op = pick(random);
  const x = random();
  const probe = random() < 0.5;
  const of = <T>(list: readonly T[]) => list[Math.floor(x * list.length)];
  const lockKey = 1 + Math.floor(random() * LOCK_KEYS);
  switch (op) {
    case 'read':
    case 'read-and-insert':
    case 'batch':
      return { op, opId, probe };
    case 'insert':
    case 'tx-all':
      return { op, opId, probe, tag: of(TAGS) };
    case 'pair-late':
      // Past the deadline (3 s timeout, 0.5 s margin) by up to a second.
      return { op, opId, probe, first: x < 0.5 ? 'sleep' : 'insert', seconds: 2.6 + x };
    case 'tx': {
      // Most pauses are short; one in four runs past the deadline.
      const pauseMs = x < 0.75 ? Math.floor(x * 1_000) : 2_300 + Math.floor((x - 0.75) * 2_000);
      return { op, opId, probe, pauseMs, pauseAt: random() < 0.5 ? 'between' : 'after' };
    }
    case 'tx-sleep':
      return { op, opId, probe, seconds: Math.round(x * 40) / 10 };
    case 'savepoints':
      return { op, opId, probe, concurrent: x < 0.5 };
    case 'session':
      return { op, opId, probe, change: of(SESSION_CHANGES), lockKey };
    case 'reserve':
      return { op, opId, probe, cut: x < 0.6 ? 'none' : x < 0.8 ? 'sleep' : 'pause', lockKey };
    case 'keyed': {
      const [pick, again] = [random(), random()];
      const redelivery = deliveries.recent.length > 0 && again < REDELIVERY_SHARE;
      // The key's row is named after it, so it starts with the run's prefix like every ledger row.
      const key = redelivery ? deliveries.recent[Math.floor(pick * deliveries.recent.length)]! : `${opId}.key`;
      deliveries.add(key);
      // Most pauses are short; one in five runs past the deadline (the transaction rolls back, notApplied).
      const pauseMs = x < 0.8 ? Math.floor(x * 1_000) : 2_300 + Math.floor((x - 0.8) * 2_500);
      return { op, opId, probe, key, redelivery, pauseMs };
    }
  }
}

function pick(random: () => number): ChaosOp {
  let r = random() * TOTAL;
  for (const [op, share] of SHARES) {
    r -= share;
    if (r < 0) return op;
  }
  return 'read';
}
