/**
 * A strategy's Lambda handler in the emulator: one function whose reserved concurrency is the
 * run's container count, frozen between invocations, recycled after the idle TTL. Its writes go to
 * lt_ledger (no unique key, so a write that ran twice shows up twice).
 */
import { fileURLToPath } from 'node:url';
import type postgres from 'postgres';
import { LambdaEmulator } from '../../emulator/emulator.js';
import { httpEvent } from '../../emulator/events.js';
import { classifyError } from '../metrics.js';
import { type LoadTarget, type TargetResult, type Work, compareLedger, safeJson, trackRecycled } from './target.js';

export interface LambdaTargetOptions {
  name: string;
  /** Handler string relative to src/ (or dist/ when built). */
  handler: string;
  environment: Record<string, string>;
  containers: number;
  timeoutMs: number;
  idleTtlMs: number;
  recycleProbability: number;
  /** The server's idle_session_timeout, ms (0: off). */
  serverIdleTimeoutMs: number;
  bundle: boolean;
}

/** Handler paths are relative to the directory holding loadtest/ (src/, or dist/ when built). */
const codeRoot = fileURLToPath(new URL('../../', import.meta.url));

export async function lambdaTarget(options: LambdaTargetOptions): Promise<LoadTarget> {
  const { name } = options;
  const emulator = await LambdaEmulator.create({
    functions: [{ name, handler: options.handler, timeoutMs: options.timeoutMs, memoryMb: 1024, reservedConcurrency: options.containers, environment: options.environment }],
    root: codeRoot,
    bundle: options.bundle,
    onLimit: 'queue',
    idleTtlMs: options.idleTtlMs,
    recycleProbability: options.recycleProbability,
    // Recycled containers keep their sockets (no FIN) until the server would have ended those sessions.
    lingerMs: options.serverIdleTimeoutMs > 0 ? options.serverIdleTimeoutMs + 1_000 : 30_000,
    initTimeoutMs: 30_000,
    stdio: 'ignore',
  });
  const recycled = trackRecycled(emulator);
  return {
    recycled,
    get coldStarts() {
      return emulator.coldStarts;
    },
    async invoke(work: Work): Promise<TargetResult> {
      const event = httpEvent({ routeKey: 'POST /ledger', path: '/ledger', body: JSON.stringify(work) });
      const result = await emulator.invoke(name, event);
      const base = { latencyMs: result.latencyMs, cold: result.cold };
      const payload = result.payload as { statusCode?: number; body?: string } | undefined;
      if (result.ok && payload?.statusCode === 200 && safeJson(payload.body)?.writeId === work.writeId) return { ...base, ok: true };
      if (result.ok) return { ...base, ok: false, kind: 'other', error: `status ${payload?.statusCode}: ${String(payload?.body).slice(0, 160)}` };
      const e = result.error!;
      return { ...base, ok: false, kind: classifyError(e), error: `${e.errorType}${e.code && e.code !== e.errorType ? ` ${e.code}` : ''}: ${e.errorMessage}`.slice(0, 200) };
    },
    load() {
      const stats = emulator.stats();
      const fn = stats.functions[name] ?? { environments: 0, busy: 0 };
      return { containers: fn.environments, busy: fn.busy, lingering: stats.lingering };
    },
    close: () => emulator.close(),
    async verify(admin: postgres.Sql, acknowledged: Set<string>, run: string) {
      const rows = await admin<{ write_id: string; n: number }[]>`select write_id, count(*)::int as n from lt_ledger where strategy = ${name} and starts_with(write_id, ${run}) group by write_id`;
      return compareLedger(new Map(rows.map((r) => [r.write_id, r.n])), acknowledged);
    },
  };
}
