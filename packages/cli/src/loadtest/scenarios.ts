/**
 * Load scenarios: a list of phases with traffic (closed-loop clients: invoke, wait for the answer,
 * think, invoke again) or without (every container freezes). Time is compressed: the server's
 * idle_session_timeout and the emulator's idle TTL are seconds here where production has minutes,
 * and the gaps are placed relative to them:
 *
 * - a short gap outlasts the server's idle_session_timeout but not the idle TTL: containers thaw
 *   with sessions the server ended while they were frozen;
 * - a long gap outlasts the idle TTL: containers are recycled (SIGKILL, no FIN) and the next
 *   traffic cold-starts new ones.
 */

export interface Phase {
  kind: 'load' | 'idle';
  label: string;
  durationMs: number;
  /** Concurrent clients at the end of the phase. */
  clients?: number;
  /** Clients join one by one over the phase instead of all at its start. */
  ramp?: boolean;
  /** Pause between a client's answer and its next invocation. */
  thinkMs?: number;
}

export interface ScenarioInput {
  clients: number;
  /** Traffic time; idle gaps come on top. */
  durationMs: number;
  serverIdleTimeoutMs: number;
  idleTtlMs: number;
}

export interface Scenario {
  name: string;
  summary: string;
  phases(input: ScenarioInput): Phase[];
  /** The idle TTL this scenario needs, if it overrides the setting. */
  idleTtlMs?(input: ScenarioInput): number;
}

/** Outlasts the server's idle timeout, not the idle TTL (when the TTL is the longer). */
function shortGap({ serverIdleTimeoutMs, idleTtlMs }: ScenarioInput): number {
  if (serverIdleTimeoutMs <= 0) return Math.round(idleTtlMs / 2);
  return Math.round(serverIdleTimeoutMs < idleTtlMs ? (serverIdleTimeoutMs + idleTtlMs) / 2 : serverIdleTimeoutMs * 1.5);
}

function longGap({ serverIdleTimeoutMs, idleTtlMs }: ScenarioInput): number {
  return Math.round(Math.max(idleTtlMs, serverIdleTimeoutMs) + Math.min(1_000, idleTtlMs / 2));
}

const half = (n: number) => Math.max(1, Math.ceil(n / 2));
const load = (label: string, durationMs: number, clients: number, extra: Partial<Phase> = {}): Phase => ({ kind: 'load', label, durationMs: Math.round(durationMs), clients, ...extra });
const idle = (label: string, durationMs: number): Phase => ({ kind: 'idle', label, durationMs });

export const SCENARIOS: Scenario[] = [
  {
    name: 'mixed',
    summary: 'burst 0→N, short freeze, steady N/2, long freeze (recycling), burst again',
    phases: (s) => [
      load('burst', s.durationMs * 0.3, s.clients),
      idle('freeze > server idle timeout', shortGap(s)),
      load('steady', s.durationMs * 0.3, half(s.clients), { thinkMs: 20 }),
      idle('freeze > idle TTL', longGap(s)),
      load('burst after recycling', s.durationMs * 0.4, s.clients),
    ],
  },
  {
    name: 'steady',
    summary: 'N/2 clients with 20 ms think time, no gaps',
    phases: (s) => [load('steady', s.durationMs, half(s.clients), { thinkMs: 20 })],
  },
  {
    name: 'burst',
    summary: '0→N clients at once, held',
    phases: (s) => [load('burst', s.durationMs, s.clients)],
  },
  {
    name: 'sawtooth',
    summary: 'three ramps 1→N, each followed by a gap (short, then long, then short)',
    phases: (s) => {
      const tooth = s.durationMs / 3;
      return [
        load('ramp 1', tooth, s.clients, { ramp: true }),
        idle('freeze > server idle timeout', shortGap(s)),
        load('ramp 2', tooth, s.clients, { ramp: true }),
        idle('freeze > idle TTL', longGap(s)),
        load('ramp 3', tooth, s.clients, { ramp: true }),
      ];
    },
  },
  {
    name: 'long-freeze',
    summary: 'N clients, one freeze far past the server idle timeout (containers kept), N clients',
    idleTtlMs: (s) => Math.max(s.idleTtlMs, 4 * Math.max(s.serverIdleTimeoutMs, 1_000) + 2_000),
    phases: (s) => [
      load('warm up', s.durationMs / 2, s.clients),
      idle('long freeze', 3 * Math.max(s.serverIdleTimeoutMs, 1_000)),
      load('thaw', s.durationMs / 2, s.clients),
    ],
  },
];

export function scenarioNamed(name: string): Scenario | undefined {
  return SCENARIOS.find((s) => s.name === name);
}

export function totalMs(phases: Phase[]): number {
  return phases.reduce((sum, p) => sum + p.durationMs, 0);
}
