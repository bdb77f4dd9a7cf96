/**
 * Lambda Managed Instances run several requests at once in one execution environment: Node
 * handlers run in worker threads (the module, and so the pool, is initialised once per thread),
 * and each thread serves many requests concurrently. Lambda sets AWS_LAMBDA_MAX_CONCURRENCY (the
 * environment's maximum concurrent requests) there only. The thread count follows the runtime's
 * rule (worker-threads.ts): AWS_LAMBDA_NODEJS_WORKER_COUNT, else 8 per CPU.
 */
import { type CpuSource, nodeCpuSource, workerThreads } from './worker-threads.js';

export interface ManagedInstancesSizing {
  /** Concurrent requests per execution environment (AWS_LAMBDA_MAX_CONCURRENCY). */
  maxConcurrency: number;
  /** Worker threads, each with its own pool: the runtime's count, which may exceed maxConcurrency. */
  workers: number;
  /**
   * Connections per pool: ceil(maxConcurrency / workers), at least 1. The environment then holds
   * up to max × workers connections: about maxConcurrency, or one per thread when threads outnumber it.
   */
  max: number;
}

function positiveInteger(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+$/.test(value.trim())) return undefined;
  const n = Number(value);
  return n >= 1 ? n : undefined;
}

/**
 * The sizing on Lambda Managed Instances, or undefined elsewhere (one request per container).
 * `cpus` replaces this machine's cgroup and CPU count (e.g. to size for another host).
 */
export function managedInstancesSizing(vars: Record<string, string | undefined>, cpus: CpuSource = nodeCpuSource): ManagedInstancesSizing | undefined {
  const maxConcurrency = positiveInteger(vars.AWS_LAMBDA_MAX_CONCURRENCY);
  if (maxConcurrency === undefined) return undefined;
  const threads = workerThreads(vars, cpus);
  // A count that starts no thread leaves no pool to size; one thread then takes the whole environment.
  const workers = threads >= 1 ? threads : 1;
  return { maxConcurrency, workers, max: Math.min(10_000, Math.ceil(maxConcurrency / workers)) };
}

/** Default `max` of a pool on Lambda Managed Instances; undefined elsewhere. */
export function managedInstancesMax(vars: Record<string, string | undefined>): number | undefined {
  return managedInstancesSizing(vars)?.max;
}
