/**
 * Lambda Managed Instances run several requests at once in one execution environment: Node
 * handlers run in worker threads (the module, and so the pool, is initialised once per thread),
 * and each thread serves many requests concurrently. Lambda sets AWS_LAMBDA_MAX_CONCURRENCY (the
 * environment's maximum concurrent requests) there only; AWS_LAMBDA_NODEJS_WORKER_COUNT sets the
 * thread count, which defaults to the vCPU count.
 */

export interface ManagedInstancesSizing {
  /** Concurrent requests per execution environment (AWS_LAMBDA_MAX_CONCURRENCY). */
  maxConcurrency: number;
  /** Worker threads, each with its own pool. */
  workers: number;
  /** Connections per pool: ceil(maxConcurrency / workers), so no request waits for a connection. */
  max: number;
}

function positiveInteger(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+$/.test(value.trim())) return undefined;
  const n = Number(value);
  return n >= 1 ? n : undefined;
}

/** The vCPU count where the runtime says (navigator.hardwareConcurrency, Node >= 21). */
function vcpus(): number | undefined {
  const count = (globalThis as { navigator?: { hardwareConcurrency?: unknown } }).navigator?.hardwareConcurrency;
  return typeof count === 'number' && count >= 1 ? count : undefined;
}

/** The sizing on Lambda Managed Instances, or undefined elsewhere (one request per container). */
export function managedInstancesSizing(vars: Record<string, string | undefined>): ManagedInstancesSizing | undefined {
  const maxConcurrency = positiveInteger(vars.AWS_LAMBDA_MAX_CONCURRENCY);
  if (maxConcurrency === undefined) return undefined;
  // Unknown thread count: one, which sizes each pool for the whole environment (never too small).
  const workers = Math.min(maxConcurrency, positiveInteger(vars.AWS_LAMBDA_NODEJS_WORKER_COUNT) ?? vcpus() ?? 1);
  return { maxConcurrency, workers, max: Math.min(10_000, Math.ceil(maxConcurrency / workers)) };
}

/** Default `max` of a pool on Lambda Managed Instances; undefined elsewhere. */
export function managedInstancesMax(vars: Record<string, string | undefined>): number | undefined {
  return managedInstancesSizing(vars)?.max;
}
