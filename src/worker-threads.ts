/**
 * How many worker threads AWS's Node.js runtime starts on Lambda Managed Instances, by the rule of
 * its runtime interface client (src/utils/worker.ts): AWS_LAMBDA_NODEJS_WORKER_COUNT when set
 * (parseInt, as it does), else 8 per CPU. The CPUs come from the cgroup v2 quota in
 * /sys/fs/cgroup/cpu.max, ⌈quota ÷ period⌉; "max" (no quota) means the host's CPUs; an unreadable or
 * invalid file means 1. The count is not capped by AWS_LAMBDA_MAX_CONCURRENCY.
 *
 * The library sizes each thread's pool with it; the emulator starts that many threads.
 */

/** Where the CPU count comes from; replaceable in tests. */
export interface CpuSource {
  /** The text of /sys/fs/cgroup/cpu.max, or undefined when it cannot be read. */
  cpuMax(): string | undefined;
  /** The host's CPUs (os.cpus().length); 0 when unknown. */
  hostCpus(): number;
}

type NodeBuiltins = { readFileSync?(path: string, encoding: 'utf8'): string; cpus?(): unknown[] };

/** A Node built-in looked up without an import, so edge bundles never reach for node:fs or node:os. */
function builtin(id: 'node:fs' | 'node:os'): NodeBuiltins | undefined {
  const process = (globalThis as { process?: { getBuiltinModule?: (id: string) => NodeBuiltins | undefined } }).process;
  return process?.getBuiltinModule?.(id);
}

/** This machine, through Node's built-ins; without them (edge, Node < 20.16) the file counts as unreadable. */
export const nodeCpuSource: CpuSource = {
  cpuMax() {
    try {
      return builtin('node:fs')?.readFileSync?.('/sys/fs/cgroup/cpu.max', 'utf8');
    } catch {
      return undefined;
    }
  },
  hostCpus() {
    try {
      return builtin('node:os')?.cpus?.().length ?? 0;
    } catch {
      return 0;
    }
  },
};

/** CPUs from the text of cgroup v2 cpu.max ("<quota> <period>", or "max <period>" for no quota). */
export function cgroupCpus(cpuMax: string | undefined, hostCpus: () => number): number {
  if (cpuMax === undefined) return 1;
  const [quotaText = '', periodText = ''] = cpuMax.trim().split(/\s+/);
  if (quotaText === 'max') return Math.max(1, hostCpus());
  const quota = parseInt(quotaText, 10);
  const period = parseInt(periodText, 10);
  return quota > 0 && period > 0 ? Math.ceil(quota / period) : 1;
}

/**
 * The runtime's worker thread count. As there, a variable that parses to 0 or NaN gives 0 or NaN
 * (the runtime then starts no thread); callers decide what that means for them.
 */
export function workerThreads(vars: Record<string, string | undefined>, source: CpuSource = nodeCpuSource): number {
  const count = vars.AWS_LAMBDA_NODEJS_WORKER_COUNT;
  if (count) return parseInt(count, 10);
  return 8 * cgroupCpus(source.cpuMax(), () => source.hostCpus());
}
