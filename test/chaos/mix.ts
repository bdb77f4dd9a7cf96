/**
 * The soak's seeded mix of work: which event a container is invoked with next. Shares (of 100):
 *
 *   read 12 · insert 14 · read-and-insert 6 · pair-late 4 · batch 8 · tx 14 · tx-sleep 4
 *   tx-all 7 · savepoints 7 · session 14 · reserve 10
 *
 * Half the invocations probe their session first (the handler also probes after every session
 * or reserve invocation).
 */
import { type ChaosEvent, type ChaosOp, SESSION_CHANGES, TAGS } from './events.js';

const SHARES: [ChaosOp, number][] = [
  ['read', 12], ['insert', 14], ['read-and-insert', 6], ['pair-late', 4], ['batch', 8], ['tx', 14], ['tx-sleep', 4],
  ['tx-all', 7], ['savepoints', 7], ['session', 14], ['reserve', 10],
];
const TOTAL = SHARES.reduce((sum, [, n]) => sum + n, 0);

/** Advisory lock keys, shared by all containers so that a lock left held makes others wait. */
const LOCK_KEYS = 6;

export function nextEvent(opId: string, random: () => number): ChaosEvent {
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
