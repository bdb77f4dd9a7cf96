import type { EmbeddedServer } from '../../packages/cli/src/local-db/embedded-postgres.js';
import type { AdminSql } from '../support/db.js';
import type { FaultProxy } from '../support/fault-proxy.js';

/**
 * The soak's nemesis: at seeded intervals it picks a seeded fault and inflicts it for real. The
 * sequence of faults and their parameters comes from the seed; when each lands relative to the
 * workload depends on timing, so a replay repeats the plan, not every interleaving.
 */

export const FAULT_KINDS = [
  'kill-frozen-backend', 'kill-running-backend', 'restart-fast', 'restart-immediate', 'reset-flows',
  'blackhole', 'delay', 'refuse', 'idle-session-timeout', 'sigkill-container', 'combo',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** Relative weights; a combo runs two or three of the others at once. */
const WEIGHTS: Record<FaultKind, number> = {
  'kill-frozen-backend': 4, 'kill-running-backend': 4, 'restart-fast': 1, 'restart-immediate': 1, 'reset-flows': 3,
  blackhole: 2, delay: 3, refuse: 1, 'idle-session-timeout': 1, 'sigkill-container': 2, combo: 4,
};

/** What the nemesis sees of a container slot. */
export interface Target {
  readonly appPrefix: string;
  /** An invocation is running (the process is thawed). */
  readonly busy: boolean;
  readonly alive: boolean;
  /** SIGKILL, marking a running invocation as cut by the nemesis. */
  kill(): void;
}

export interface Stage {
  server: EmbeddedServer;
  admin: AdminSql;
  proxy: FaultProxy;
  targets: readonly Target[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class Nemesis {
  readonly counts = Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>;
  /** Faults that failed to apply (the admin link was down during a restart…), for the record. */
  readonly misfires: string[] = [];
  /** Each fault applied, from its start to its end (epoch ms): a blackhole, a delay or a refusal lasts. */
  readonly timeline: { kind: FaultKind; from: number; to: number }[] = [];
  #random: () => number;
  #stage: Stage;

  constructor(stage: Stage, random: () => number) {
    this.#stage = stage;
    this.#random = random;
  }

  get total(): number {
    return Object.values(this.counts).reduce((a, b) => a + b, 0);
  }

  /** Inflicts faults every 1–4 s until `until` (epoch ms). */
  async run(until: number): Promise<void> {
    while (Date.now() < until) {
      await sleep(this.#between(1_000, 4_000));
      if (Date.now() >= until) break;
      await this.inflict(this.#pick());
    }
  }

  async inflict(kind: FaultKind): Promise<void> {
    if (kind === 'combo') {
      const parts = new Set<FaultKind>();
      const size = 2 + Math.floor(this.#random() * 2);
      while (parts.size < size) {
        const part = this.#pick();
        if (part !== 'combo' && !(part.startsWith('restart') && [...parts].some((p) => p.startsWith('restart')))) parts.add(part);
      }
      this.counts.combo++;
      await Promise.all([...parts].map((part) => this.inflict(part)));
      return;
    }
    const from = Date.now();
    try {
      if (await this.#apply(kind)) {
        this.counts[kind]++;
        this.timeline.push({ kind, from, to: Date.now() });
      }
    } catch (err) {
      this.misfires.push(`${kind}: ${(err as Error).message}`);
    }
  }

  /** Back to a clean network and server settings. */
  async calm(): Promise<void> {
    const { proxy, admin } = this.#stage;
    proxy.clear();
    await proxy.refuse(false);
    await admin.unsafe('alter system reset idle_session_timeout').catch(() => {});
    await admin.unsafe('select pg_reload_conf()').catch(() => {});
  }

  /** Applies one fault; false when there was nothing to aim it at. */
  async #apply(kind: Exclude<FaultKind, 'combo'>): Promise<boolean> {
    const { server, admin, proxy } = this.#stage;
    switch (kind) {
      case 'kill-frozen-backend':
      case 'kill-running-backend': {
        const target = this.#target((t) => t.alive && t.busy === (kind === 'kill-running-backend'));
        if (!target) return false;
        const killed = await admin`select pg_terminate_backend(pid) as done from pg_stat_activity where application_name like ${target.appPrefix + '%'}`;
        return killed.length > 0;
      }
      case 'restart-fast':
      case 'restart-immediate':
        await server.restart(kind === 'restart-fast' ? 'fast' : 'immediate');
        return true;
      case 'reset-flows': {
        const flows = this.#flowsOf(1 + Math.floor(this.#random() * 3));
        for (const flow of flows) flow.reset();
        return flows.length > 0;
      }
      case 'blackhole': {
        const flows = this.#flowsOf(1 + Math.floor(this.#random() * 3));
        for (const flow of flows) flow.set({ stall: true });
        await sleep(this.#between(1_000, 3_000));
        // The flow never recovers: what was dropped is gone, so it ends in a reset.
        for (const flow of flows) flow.reset();
        return flows.length > 0;
      }
      case 'delay':
        proxy.set({ latencyMs: this.#between(100, 400) });
        await sleep(this.#between(2_000, 6_000));
        proxy.set({ latencyMs: 0 });
        return true;
      case 'refuse':
        await proxy.refuse(true);
        await sleep(this.#between(500, 2_500));
        await proxy.refuse(false);
        return true;
      case 'idle-session-timeout':
        await admin.unsafe(`alter system set idle_session_timeout = ${this.#between(800, 2_500)}`);
        await admin.unsafe('select pg_reload_conf()');
        await sleep(this.#between(4_000, 10_000));
        await admin.unsafe('alter system reset idle_session_timeout');
        await admin.unsafe('select pg_reload_conf()');
        return true;
      case 'sigkill-container': {
        const target = this.#target((t) => t.alive);
        target?.kill();
        return target !== undefined;
      }
    }
  }

  /** Open proxy flows of up to `n` seeded containers. */
  #flowsOf(n: number) {
    const prefixes = new Set<string>();
    for (let i = 0; i < n; i++) {
      const target = this.#target((t) => t.alive);
      if (target) prefixes.add(target.appPrefix);
    }
    return [...this.#stage.proxy.connections].filter((c) => c.kind === 'session' && [...prefixes].some((p) => c.app.startsWith(p)));
  }

  #target(accept: (t: Target) => boolean): Target | undefined {
    const { targets } = this.#stage;
    const start = Math.floor(this.#random() * targets.length);
    for (let i = 0; i < targets.length; i++) {
      const t = targets[(start + i) % targets.length];
      if (accept(t)) return t;
    }
    return undefined;
  }

  #pick(): FaultKind {
    const total = FAULT_KINDS.reduce((sum, k) => sum + WEIGHTS[k], 0);
    let r = this.#random() * total;
    for (const kind of FAULT_KINDS) {
      r -= WEIGHTS[kind];
      if (r < 0) return kind;
    }
    return 'delay';
  }

  #between(min: number, max: number): number {
    return Math.round(min + this.#random() * (max - min));
  }
}
