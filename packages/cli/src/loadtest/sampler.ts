/**
 * Samples the server's connections of one strategy (pg_stat_activity, by application_name) and the
 * target's containers, every `intervalMs`, through a superuser connection that uses one of the
 * server's reserved slots, so a full server never hides the numbers.
 */
import type postgres from 'postgres';
import type { LoadTarget } from './targets/target.js';

export interface Sample {
  /** ms since the strategy's scenario started. */
  t: number;
  /** Server connections of this strategy. */
  connections: number;
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
    private readonly intervalMs = 100,
  ) {}

  start(t0: number): void {
    const tick = async () => {
      const load = this.target.load();
      const [row] = await this.admin<{ connections: number; active: number; total: number }[]>`
        select count(*) filter (where application_name = ${`lt:${this.strategy}`} or application_name like ${`lt:${this.strategy}:%`})::int as connections,
               count(*) filter (where (application_name = ${`lt:${this.strategy}`} or application_name like ${`lt:${this.strategy}:%`}) and state = 'active')::int as active,
               count(*)::int as total
        from pg_stat_activity where backend_type = 'client backend' and pid <> pg_backend_pid()`;
      this.samples.push({ t: performance.now() - t0, ...row, ...load });
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
