/**
 * Drives one strategy's target (Lambda functions in the emulator, or the Worker in workerd) through
 * a scenario's phases with closed-loop clients, and records every invocation: when it was sent, its
 * latency, cold or warm, and whether its write was acknowledged.
 */
import type { ErrorKind } from './metrics.js';
import type { Phase } from './scenarios.js';
import type { LoadTarget } from './targets/target.js';

export interface InvocationRecord {
  /** ms since the scenario started, when the invocation was sent. */
  t: number;
  latencyMs: number;
  ok: boolean;
  cold: boolean;
  writeId: string;
  kind?: ErrorKind;
  /** 'errorType code: message', shortened. */
  error?: string;
}

export interface PhaseTiming {
  label: string;
  kind: Phase['kind'];
  startMs: number;
  endMs: number;
}

export interface DriveOptions {
  /** Names the writes: `<name>:<sequence>`; unique to the run, so earlier runs' writes are not taken for this one's. */
  name: string;
  target: LoadTarget;
  phases: Phase[];
  /** performance.now() the scenario's times count from. */
  t0: number;
  onInvocation?(record: InvocationRecord): void;
  onPhase?(phase: Phase, index: number): void;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

export async function drive(options: DriveOptions): Promise<{ records: InvocationRecord[]; phases: PhaseTiming[] }> {
  const { target, name, t0 } = options;
  const records: InvocationRecord[] = [];
  const timings: PhaseTiming[] = [];
  let seq = 0;

  const invokeOnce = async () => {
    const n = seq++;
    const writeId = `${name}:${n}`;
    const sent = performance.now();
    const result = await target.invoke({ writeId, itemId: 1 + (n % 100) });
    const record: InvocationRecord = { t: sent - t0, writeId, ...result };
    records.push(record);
    options.onInvocation?.(record);
  };

  for (const [index, phase] of options.phases.entries()) {
    const start = performance.now();
    const end = start + phase.durationMs;
    options.onPhase?.(phase, index);
    if (phase.kind === 'idle') {
      await sleep(end - performance.now());
    } else {
      const clients = phase.clients ?? 1;
      await Promise.all(
        Array.from({ length: clients }, async (_, i) => {
          if (phase.ramp) await sleep(start + (phase.durationMs * i) / clients - performance.now());
          while (performance.now() < end) {
            await invokeOnce();
            if (phase.thinkMs) await sleep(phase.thinkMs);
          }
        }),
      );
    }
    // A phase ends when its last invocation has answered, so a gap is a real gap.
    timings.push({ label: phase.label, kind: phase.kind, startMs: start - t0, endMs: performance.now() - t0 });
  }
  return { records, phases: timings };
}
