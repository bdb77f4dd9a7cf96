/**
 * Samples the server's connections of one strategy (pg_stat_activity, by application_name) and the
 * target's containers, every `intervalMs`, through a superuser connection that uses one of the
 * server's reserved slots, so a full server never hides the numbers. Sessions whose
 * application_name names a recycled container (`lt:<strategy>:<container>`) are counted apart: the
 * container is gone, the server has not ended its session yet.
 */
import type postgres from 'postgres';
import type { LoadTarget } from './targets/target.js';

export interface Sample {
  /** ms since the strategy's scenario started. */
  t: number;
  /** Server connections of this strategy's live containers (all of them, where containers are not told apart). */
  connections: number;
  /** Server connections of containers already recycled, which the server has not ended yet. */
  recycled: number;
  /** …of which running a statement. */
  active: number;
  /** All client connections to the server. */
  total: number;
  /** Live containers, busy ones, and recycled ones whose processes still hold their sockets. */
  containers: number;
  busy: number;
  lingering: number;
}

export class Sampler {
  readonly samples: Sample[] = [];
  #timer?: NodeJS.Timeout;
  #running?: Promise<void>;
  #stopped = false;

  constructor(
    private readonly admin: postgres.Sql,
    private readonly strategy: string,
    private readonly target: LoadTarget,
    /** Tags of recycled containers (target.recycled); absent: every session counts as live. */
    private readonly recycled?: ReadonlySet<string>,
    private readonly intervalMs = 100,
  ) {}

  start(t0: number): void {
    const tick = async () => {
      const load = this.target.load();
      const prefix = `lt:${this.strategy}`;
      const rows = await this.admin<{ name: string; state: string | null }[]>`
        select application_name as name, state from pg_stat_activity where backend_type = 'client backend' and pid <> pg_backend_pid()`;
      let connections = 0;
      let recycled = 0;
      let active = 0;
      for (const row of rows) {
        if (row.name !== prefix && !row.name.startsWith(`${prefix}:`)) continue;
        const tag = row.name.slice(prefix.length + 1).split(':')[0];
        if (this.recycled?.has(tag)) recycled++;
        else connections++;
        if (row.state === 'active') active++;
      }
      this.samples.push({ t: performance.now() - t0, connections, recycled, active, total: rows.length, ...load });
    };
    const loop = () => {
      if (this.#stopped) return;
      this.#running = tick().catch(() => {});
      this.#timer = setTimeout(() => void this.#running!.then(loop), this.intervalMs);
    };
    loop();
  }

  async stop(): Promise<Sample[]> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
    return this.samples;
  }
}
