import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type CpuSource, cgroupCpus, nodeCpuSource, workerThreads } from '../src/worker-threads.js';

// The worker thread count of AWS's Node.js runtime on Lambda Managed Instances, case by case as
// its runtime interface client computes it (src/utils/worker.ts and its tests).

const host = (cpuMax: string | undefined, hostCpus = 4): CpuSource => ({ cpuMax: () => cpuMax, hostCpus: () => hostCpus });

describe('worker threads on Lambda Managed Instances', () => {
  it('take AWS_LAMBDA_NODEJS_WORKER_COUNT as parseInt reads it, whatever the CPUs', () => {
    expect(workerThreads({ AWS_LAMBDA_NODEJS_WORKER_COUNT: '5' }, host('400000 100000'))).toBe(5);
    expect(workerThreads({ AWS_LAMBDA_NODEJS_WORKER_COUNT: '12 threads' }, host(undefined))).toBe(12);
    expect(workerThreads({ AWS_LAMBDA_NODEJS_WORKER_COUNT: '0' }, host(undefined))).toBe(0);
    expect(workerThreads({ AWS_LAMBDA_NODEJS_WORKER_COUNT: 'invalid' }, host(undefined))).toBeNaN();
  });

  it('are 8 per CPU otherwise, the CPUs being the cgroup quota rounded up', () => {
    expect(workerThreads({}, host('200000 100000\n'))).toBe(16);
    expect(workerThreads({ AWS_LAMBDA_NODEJS_WORKER_COUNT: '' }, host('150000 100000'))).toBe(16);
    expect(workerThreads({}, host('50000 100000'))).toBe(8);
  });

  it('count the host CPUs when the cgroup sets no quota ("max"), at least one', () => {
    expect(workerThreads({}, host('max 100000', 4))).toBe(32);
    expect(cgroupCpus('max 100000', () => 0)).toBe(1);
  });

  it('count one CPU when cpu.max is unreadable or invalid', () => {
    expect(workerThreads({}, host(undefined))).toBe(8);
    expect(cgroupCpus('0 100000', () => 4)).toBe(1);
    expect(cgroupCpus('100000 0', () => 4)).toBe(1);
    expect(cgroupCpus('', () => 4)).toBe(1);
  });

  it("read this machine's /sys/fs/cgroup/cpu.max through Node's built-ins", () => {
    let text: string | undefined;
    try {
      text = readFileSync('/sys/fs/cgroup/cpu.max', 'utf8');
    } catch {
      text = undefined;
    }
    expect(nodeCpuSource.cpuMax()).toBe(text);
    expect(nodeCpuSource.hostCpus()).toBeGreaterThanOrEqual(1);
  });
});
