import { createPool, type Pool, type PoolOptions } from '../../src/index.js';
import { withPool } from '../../src/lambda/index.js';
import { seededRandom } from './fault-proxy.js';
import type { History } from './ledger.js';

/**
 * Lambda-style load in this process: `workers` pools (one per simulated container, cap `max`),
 * each invoked one event at a time through withPool with a deadline, doing a seeded mix of ledger
 * writes (plain insert, transaction, batch) and idempotent reads. Every outcome goes to `history`.
 */

export type LoadOp = 'insert' | 'tx' | 'batch' | 'read';

export interface LoadOptions {
  url: string;
  history: History;
  workers: number;
  /** application_name prefix; worker i is `${appPrefix}${i}`. */
  appPrefix: string;
  seed?: number;
  /** What each invocation does, picked at random (seeded) from this list. Default: all four. */
  mix?: LoadOp[];
  /** Lambda's remaining time handed to each invocation. Default 3000. */
  remainingMs?: number;
  deadlineMarginMs?: number;
  /** Pause between a worker's invocations: a random value in [min, max). Default [5, 25). */
  pauseMs?: [number, number];
  /** Stop each worker after this many invocations. Default: until stop(). */
  invocationsPerWorker?: number;
  poolOptions?: PoolOptions;
  onEvent?: PoolOptions['onEvent'];
}

export interface Load {
  pools: Pool[];
  readonly invocations: number;
  /** Invocations that took longer than Lambda's remaining time (would have been killed). */
  readonly overran: number;
  /** Highest `open` any pool reported after an invocation. */
  readonly peakOpen: number;
  /** Waits for every worker to finish its invocations. */
  done: Promise<void>;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function startLoad(options: LoadOptions): Load {
  const random = seededRandom(options.seed ?? 1);
  const mix = options.mix ?? ['insert', 'tx', 'batch', 'read'];
  const remainingMs = options.remainingMs ?? 3_000;
  const [pauseMin, pauseMax] = options.pauseMs ?? [5, 25];
  let stopped = false;
  let invocations = 0;
  let overran = 0;
  let peakOpen = 0;
  const pools: Pool[] = [];

  const worker = async (i: number) => {
    const db = createPool({ connectionString: options.url, applicationName: `${options.appPrefix}${i}`, max: 1, onEvent: options.onEvent, ...options.poolOptions });
    pools.push(db);
    const handler = withPool(db, async (event: { op: LoadOp; id: string }) => {
      switch (event.op) {
        case 'insert':
          return db.sql`insert into ledger (run_id) values (${event.id})`;
        case 'tx':
          return db.transaction(async (tx) => {
            await tx.sql`insert into ledger (run_id) values (${event.id})`;
          });
        case 'batch':
          return db.batch([db.sql`insert into ledger (run_id) values (${event.id})`, db.sql`select 1`]);
        case 'read':
          return db.sql`select count(*)::int as n from ledger where run_id = ${event.id}`.idempotent();
      }
    }, { deadlineMarginMs: options.deadlineMarginMs });
    for (let n = 0; !stopped && n < (options.invocationsPerWorker ?? Infinity); n++) {
      const op = mix[Math.floor(random() * mix.length)];
      const id = options.history.nextId();
      const started = Date.now();
      await options.history.run(id, () => handler({ op, id }, { getRemainingTimeInMillis: () => remainingMs - (Date.now() - started) } as never), op === 'read' ? 'read' : 'write');
      invocations++;
      if (Date.now() - started > remainingMs) overran++;
      peakOpen = Math.max(peakOpen, db.stats().open);
      await sleep(pauseMin + random() * (pauseMax - pauseMin));
    }
  };

  const done = Promise.all(Array.from({ length: options.workers }, (_, i) => worker(i))).then(() => {});
  return {
    pools,
    get invocations() {
      return invocations;
    },
    get overran() {
      return overran;
    },
    get peakOpen() {
      return peakOpen;
    },
    done,
    async stop() {
      stopped = true;
      await done;
      await Promise.all(pools.map((p) => p.end()));
    },
  };
}
