/**
 * The upstream check of `GET /ready`, as `pg_isready` does it: the gateway holds no credentials
 * (each request brings its own), so it cannot run `select 1`. It dials the upstream (TCP, then TLS
 * as the upstream URL says), sends a StartupMessage for a user that need not exist, and reads the
 * server's first answer. An authentication request, or a refusal of that user, means the server
 * accepts connections; "starting up", "shutting down", "too many clients" or an unknown database
 * mean it does not. It never authenticates: nothing runs on the server, and the connection is
 * dropped at once.
 *
 * Checks are coalesced and their result kept for CACHE_MS, so a flood of probes dials the
 * upstream at most once per CACHE_MS.
 */
import { errorFields, readMessage } from './pg-auth.js';
import { startupMessage } from './pg-startup.js';
import type { UpstreamTarget } from './options.js';
import { dialUpstream } from './upstream-socket.js';

export interface ProbeResult {
  ok: boolean;
  /** Where it failed: `connect` (TCP or timeout), `tls`, or `startup` (the server's answer). */
  step?: 'connect' | 'tls' | 'startup';
  /** A system error code (`ECONNREFUSED`, `CONNECT_TIMEOUT`…) or the server's SQLSTATE. */
  code?: string;
  ms: number;
}

const CACHE_MS = 1_000;
const PROBE_USER = 'warmpool_gateway_probe';

export class UpstreamProbe {
  readonly #target: UpstreamTarget;
  readonly #timeoutMs: number;
  #last: { at: number; result: Promise<ProbeResult> } | undefined;

  constructor(target: UpstreamTarget, timeoutMs: number) {
    this.#target = target;
    this.#timeoutMs = timeoutMs;
  }

  check(): Promise<ProbeResult> {
    const now = performance.now();
    if (this.#last && now - this.#last.at < CACHE_MS) return this.#last.result;
    const result = probe(this.#target, this.#timeoutMs);
    this.#last = { at: now, result };
    return result;
  }
}

async function probe(target: UpstreamTarget, timeoutMs: number): Promise<ProbeResult> {
  const start = performance.now();
  const ms = () => Math.round(performance.now() - start);
  const deadline = start + timeoutMs;
  let socket;
  try {
    socket = await dialUpstream(target, timeoutMs);
  } catch (err) {
    const code = String((err as { code?: unknown }).code ?? '');
    const tls = /TLS|SSL|CERT|SELF_SIGNED|UNABLE_TO/i.test(code) || /TLS/.test((err as Error).message);
    return { ok: false, step: tls ? 'tls' : 'connect', code: code || (tls ? 'TLS_REFUSED' : 'CONNECT_FAILED'), ms: ms() };
  }
  const s = socket;
  return new Promise<ProbeResult>((resolve) => {
    let buffered = Buffer.alloc(0);
    const finish = (result: Omit<ProbeResult, 'ms'>) => {
      clearTimeout(timer);
      s.removeAllListeners('data');
      s.destroy();
      resolve({ ...result, ms: ms() });
    };
    const timer = setTimeout(() => finish({ ok: false, step: 'startup', code: 'CONNECT_TIMEOUT' }), Math.max(1, deadline - performance.now()));
    s.on('error', () => finish({ ok: false, step: 'startup', code: 'CONNECTION_LOST' }));
    s.on('close', () => finish({ ok: false, step: 'startup', code: 'CONNECTION_LOST' }));
    s.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      let read;
      try {
        read = readMessage(buffered, 64 * 1024);
      } catch {
        return finish({ ok: false, step: 'startup', code: 'PROTOCOL_VIOLATION' });
      }
      if (!read) return;
      if (read.type === 'R') return finish({ ok: true });
      if (read.type === 'E') {
        const code = errorFields(read.body).C ?? '';
        // 28000/28P01: the made-up user is refused (trust or reject in pg_hba): the server is up.
        return finish(code.startsWith('28') ? { ok: true } : { ok: false, step: 'startup', code });
      }
      finish({ ok: false, step: 'startup', code: 'PROTOCOL_VIOLATION' });
    });
    s.write(startupMessage(196608, { user: PROBE_USER, database: target.database, application_name: 'warmpool-gateway-probe' }));
  });
}
