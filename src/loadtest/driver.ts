/**
 * Drives one strategy's function in the emulator through a scenario's phases with closed-loop
 * clients, and records every invocation: when it was sent, its latency, cold or warm, and whether
 * its write was acknowledged.
 */
import type { LambdaEmulator } from '../emulator/emulator.js';
import { httpEvent } from '../emulator/events.js';
import { type ErrorKind, classifyError } from './metrics.js';
import type { Phase } from './scenarios.js';

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
  functionName: string;
  emulator: LambdaEmulator;
  phases: Phase[];
  /** performance.now() the scenario's times count from. */
  t0: number;
  onInvocation?(record: InvocationRecord): void;
  onPhase?(phase: Phase, index: number): void;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

export async function drive(options: DriveOptions): Promise<{ records: InvocationRecord[]; phases: PhaseTiming[] }> {
  const { emulator, functionName, t0 } = options;
  const records: InvocationRecord[] = [];
  const timings: PhaseTiming[] = [];
  let seq = 0;

  const invokeOnce = async () => {
    const n = seq++;
    const writeId = `${functionName}:${n}`;
    const sent = performance.now();
    const event = httpEvent({ routeKey: 'POST /ledger', path: '/ledger', body: JSON.stringify({ writeId, itemId: 1 + (n % 100) }) });
    const result = await emulator.invoke(functionName, event);
    const record: InvocationRecord = { t: sent - t0, latencyMs: result.latencyMs, ok: false, cold: result.cold, writeId };
    const payload = result.payload as { statusCode?: number; body?: string } | undefined;
    if (result.ok && payload?.statusCode === 200 && safeJson(payload.body)?.writeId === writeId) {
      record.ok = true;
    } else if (result.ok) {
      record.kind = 'other';
      record.error = `status ${payload?.statusCode}: ${String(payload?.body).slice(0, 160)}`;
    } else {
      const e = result.error!;
      record.kind = classifyError(e);
      record.error = `${e.errorType}${e.code && e.code !== e.errorType ? ` ${e.code}` : ''}: ${e.errorMessage}`.slice(0, 200);
    }
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

function safeJson(text: string | undefined): Record<string, unknown> | undefined {
  try {
    return text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
