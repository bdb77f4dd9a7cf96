import { isDeepStrictEqual } from 'node:util';
import net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type Gateway } from '../packages/gateway/src/index.js';
import { createPool, type Pool, type PoolEvent } from '../src/index.http.js';
import { withPool } from '../src/lambda/index.js';
import { upstreamOf } from './gateway-support.js';
import { type FaultServer, sleep, startFaultServer } from './support/fault-server.js';
import { History, checkLedger, reportScenario, rowFrom } from './support/ledger.js';
import { expectNoUnhandledErrors } from './support/process-errors.js';

// Network faults between warmpool's HTTP transport and the gateway: a real TCP proxy in front of
// the gateway's HTTP port refuses connects, resets the client right after a whole request was
// forwarded, or blackholes the flow; the gateway itself refuses an oversized result with 507.
// Every write goes to the ledger, which must agree with what the client was told.
//
// test/support/fault-proxy.ts reads the PostgreSQL protocol (an HTTP request looks to it like a
// startup message of ~1.3 GB that never completes), so this file has its own small HTTP-aware
// proxy with the same fault semantics.

expectNoUnhandledErrors();

/** Forwarded to the gateway; `match` sees each complete request's body. */
type HttpRuleAction = 'reset-after';
interface HttpRule {
  match: (body: string) => boolean;
  action: HttpRuleAction;
  fired: number;
}

class HttpFaultProxy {
  /** Complete requests forwarded to the gateway, by op id found in their body. */
  readonly forwarded = new Map<string, number>();
  readonly counters = { accepted: 0, requests: 0, resets: 0 };
  /** Blackhole: nothing is forwarded in either direction, sockets stay open. */
  stall = false;
  #server!: net.Server;
  #port = 0;
  #refusing = false;
  #rules: HttpRule[] = [];
  #sockets = new Set<net.Socket>();

  private constructor(private readonly upstreamPort: number, private readonly graceMs: number) {}

  static async start(upstreamPort: number, graceMs = 300): Promise<HttpFaultProxy> {
    const proxy = new HttpFaultProxy(upstreamPort, graceMs);
    await proxy.#listen(0);
    return proxy;
  }

  get port(): number {
    return this.#port;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.#port}/sql`;
  }

  sends(opId: string): number {
    return this.forwarded.get(opId) ?? 0;
  }

  addRule(match: (body: string) => boolean, action: HttpRuleAction): HttpRule {
    const rule = { match, action, fired: 0 };
    this.#rules.push(rule);
    return rule;
  }

  /** Refuse new connections for real (listener closed: ECONNREFUSED), or accept again. */
  async refuse(on: boolean): Promise<void> {
    if (on === this.#refusing) return;
    this.#refusing = on;
    if (on) this.#server.close();
    else await this.#listen(this.#port);
  }

  async close(): Promise<void> {
    if (!this.#refusing) this.#server.close();
    this.#refusing = true;
    for (const s of this.#sockets) s.destroy();
  }

  #listen(port: number): Promise<void> {
    this.#server = net.createServer((client) => this.#accept(client));
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, '127.0.0.1', () => {
        this.#port = (this.#server.address() as net.AddressInfo).port;
        resolve();
      });
    });
  }

  #accept(client: net.Socket): void {
    this.counters.accepted++;
    const upstream = net.connect({ host: '127.0.0.1', port: this.upstreamPort });
    for (const s of [client, upstream]) {
      s.setNoDelay(true);
      this.#sockets.add(s);
      s.on('close', () => this.#sockets.delete(s));
      s.on('error', () => {});
    }
    let pending = Buffer.alloc(0);
    let swallow = false;
    let clientOpen = true;
    client.on('data', (chunk: Buffer) => {
      if (this.stall || swallow) return;
      pending = Buffer.concat([pending, chunk]);
      for (;;) {
        const request = nextRequest(pending);
        if (!request) break;
        pending = pending.subarray(request.length);
        const body = request.bytes.toString('utf8', request.bodyStart);
        this.counters.requests++;
        for (const id of body.match(/op-[A-Za-z0-9_-]+/g) ?? []) this.forwarded.set(id, (this.forwarded.get(id) ?? 0) + 1);
        const rule = this.#rules.find((r) => r.fired === 0 && r.match(body));
        if (rule) rule.fired++;
        upstream.write(request.bytes, () => {
          if (rule?.action !== 'reset-after' || !clientOpen) return;
          // The whole request reached the gateway: reset the client, swallow the reply, and
          // close the upstream a moment later, after the gateway has run the statement.
          swallow = true;
          this.counters.resets++;
          client.resetAndDestroy();
          setTimeout(() => upstream.destroy(), this.graceMs).unref();
        });
        if (rule) break;
      }
    });
    upstream.on('data', (chunk: Buffer) => {
      if (this.stall || swallow || !clientOpen) return;
      client.write(chunk);
    });
    client.on('close', () => {
      clientOpen = false;
      if (!swallow) upstream.destroy();
    });
    upstream.on('close', () => {
      if (clientOpen && !swallow) client.end();
    });
  }
}

/** One complete HTTP/1.1 request at the start of `buf` (Content-Length bodies only), or undefined. */
function nextRequest(buf: Buffer): { bytes: Buffer; bodyStart: number; length: number } | undefined {
  const headerEnd = buf.indexOf('\r\n\r\n');
  if (headerEnd < 0) return undefined;
  const head = buf.toString('latin1', 0, headerEnd);
  if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) throw new Error('the HTTP fault proxy does not parse chunked request bodies');
  const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
  const total = headerEnd + 4 + length;
  if (buf.length < total) return undefined;
  return { bytes: buf.subarray(0, total), bodyStart: headerEnd + 4, length: total };
}

const MAX_RESPONSE_BYTES = 1024 * 1024;
let f: FaultServer;
let gw: Gateway;
const pools: Pool[] = [];
const proxies: HttpFaultProxy[] = [];

beforeAll(async () => {
  f = await startFaultServer();
  gw = await startGateway({ upstream: upstreamOf(f.server.url), host: '127.0.0.1', port: 0, maxResponseBytes: MAX_RESPONSE_BYTES });
});
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.end()));
  await Promise.all(proxies.splice(0).map((p) => p.close()));
});
afterAll(async () => {
  await gw?.close();
  await f?.stop();
});

async function proxy(): Promise<HttpFaultProxy> {
  const p = await HttpFaultProxy.start(gw.port);
  proxies.push(p);
  return p;
}

function httpPool(endpoint: string, options: Record<string, unknown> = {}): Pool {
  const db = createPool({ connectionString: f.server.url, transport: 'http', httpEndpoint: endpoint, ...options });
  pools.push(db);
  return db;
}

const lambda = (remainingMs: number) => ({ getRemainingTimeInMillis: () => remainingMs });
const insert = (db: Pool, id: string) => db.sql`insert into ledger (run_id) values (${id})`;
/** A deterministic read; the op id only filters, so every run returns the same rows. */
const read = (db: Pool, opId: string) =>
  db.sql`select i, md5(i::text) as h from generate_series(1, 500) i where ${opId}::text is not null order by i`;

describe('HTTP transport via the gateway', () => {
  it('refused endpoint: CONNECT_FAILED, notApplied, retried with jittered backoff, nothing written', async () => {
    const p = await proxy();
    const events: PoolEvent[] = [];
    const db = httpPool(p.endpoint, { applicationName: 'http-refused', maxConnectAttempts: 4, onEvent: (e: PoolEvent) => events.push(e) });
    const handler = withPool(db, async (id: string) => insert(db, id));
    const history = new History('http refused');
    await p.refuse(true);
    for (let i = 0; i < 3; i++) {
      const id = history.nextId();
      await history.run(id, () => handler(id, lambda(5_000)));
    }
    expect(history.ops.map((op) => op.code)).toEqual(['CONNECT_FAILED', 'CONNECT_FAILED', 'CONNECT_FAILED']);
    expect(history.count('failed')).toBe(3); // notApplied
    const retries = events.filter((e) => e.type === 'connect-retry');
    expect(retries).toHaveLength(3 * 3); // 4 attempts per invocation
    expect(new Set(retries.map((e) => e.delayMs)).size).toBeGreaterThan(1); // jittered
    expect(retries.every((e) => e.delayMs! < 2_000)).toBe(true); // capped
    expect(p.counters.accepted).toBe(0);
    // Counted in stats() as a TCP connect's attempts are: 4 failed attempts each, 3 tried again.
    expect(db.stats()).toMatchObject({ connectFailures: 3 * 4, connectRetries: 3 * 3 });
    await p.refuse(false);
    const id = history.nextId();
    await history.run(id, () => handler(id, lambda(5_000)));
    // A statement the database refuses reached it: not a failed connect.
    await expect(db.sql`select 1 / 0`).rejects.toMatchObject({ code: '22012' });
    expect(db.stats()).toMatchObject({ connectFailures: 3 * 4, connectRetries: 3 * 3 });
    const check = await checkLedger(f.admin, history);
    expect(check.violations).toEqual([]);
    expect(check).toMatchObject({ ok: 1, failed: 3, duplicates: 0, lost: 0 });
    reportScenario(rowFrom('HTTP: refused endpoint', check, null, null, `${retries.length} jittered retries, CONNECT_FAILED notApplied`));
  });

  it('reset after the request body: an idempotent read is retried with the same rows, a write is OUTCOME_UNKNOWN and never doubled', async () => {
    const p = await proxy();
    const direct = await read(httpPool(gw.fetchEndpoint, { applicationName: 'http-reset-direct' }), 'op-baseline');
    const db = httpPool(p.endpoint, { applicationName: 'http-reset' });
    const history = new History('http reset after request');
    const reads = 4;
    for (let i = 0; i < reads; i++) {
      const opId = history.nextId();
      p.addRule((body) => body.includes(opId), 'reset-after');
      await history.run(opId, async () => {
        const rows = await read(db, opId).idempotent();
        expect(isDeepStrictEqual(rows, direct)).toBe(true);
        expect(p.sends(opId)).toBe(2); // the cut request and the retry
      }, 'read');
    }
    expect(history.notOk()).toEqual([]);
    expect(db.stats()).toMatchObject({ retries: reads, outcomeUnknown: 0 });

    const writes = 6;
    for (let i = 0; i < writes; i++) {
      const id = history.nextId();
      p.addRule((body) => body.includes(id), 'reset-after');
      const outcome = await history.run(id, () => insert(db, id));
      expect({ id, outcome, code: history.ops.at(-1)!.code }).toEqual({ id, outcome: 'outcome-unknown', code: 'OUTCOME_UNKNOWN' });
      expect({ id, sends: p.sends(id) }).toEqual({ id, sends: 1 }); // never sent again
    }
    // A plain write after the faults goes through once.
    const after = history.nextId();
    await history.run(after, () => insert(db, after));
    expect(history.ops.at(-1)!.outcome).toBe('ok');
    await sleep(600); // the gateway finishes the last cut request (proxy grace 300 ms)
    expect(p.counters.resets).toBe(reads + writes);
    const check = await checkLedger(f.admin, history);
    expect(check.violations).toEqual([]);
    expect(check).toMatchObject({ duplicates: 0, lost: 0, unknown: writes });
    reportScenario(rowFrom('HTTP: reset after the request body', check, null, null, `${reads} idempotent reads retried, identical rows; ${check.unknownApplied}/${check.unknown} unknown writes applied`));
  });

  it('a result over maxResponseBytes: 507 → RESULT_TOO_LARGE, memory stays bounded', async () => {
    const p = await proxy();
    const db = httpPool(p.endpoint, { applicationName: 'http-507' });
    const history = new History('http result too large');
    // ~1 GB if it were all produced; the gateway stops at 1 MiB.
    const huge = (opId: string) => db.sql`select i, repeat('x', 1000) as pad from generate_series(1, 1000000) i where ${opId}::text is not null`;
    const warm = history.nextId();
    await history.run(warm, () => huge(warm), 'read');
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
    const errors: unknown[] = [];
    try {
      for (let i = 0; i < 5; i++) {
        const id = history.nextId();
        // Back to back: the stopped upstream connection must not be handed to the next request.
        await history.run(id, () => huge(id).catch((e) => (errors.push(e), Promise.reject(e))), 'read');
      }
    } finally {
      clearInterval(sampler);
    }
    const growthMb = (peak - before) / 2 ** 20;
    for (const e of errors) {
      expect(e).toMatchObject({ name: 'WarmpoolError', code: 'RESULT_TOO_LARGE', message: expect.stringContaining('507') });
    }
    expect(history.ops.map((op) => op.code)).toEqual(Array(6).fill('RESULT_TOO_LARGE'));
    expect(growthMb).toBeLessThan(150); // each full result would be ~1 GB of JSON
    expect(errors).toHaveLength(5);
    // The gateway and the pool still serve.
    const ok = history.nextId();
    await history.run(ok, () => insert(db, ok));
    const check = await checkLedger(f.admin, history);
    expect(check.violations).toEqual([]);
    expect(check).toMatchObject({ ok: 1, unknown: 0 });
    reportScenario(rowFrom('HTTP: result over maxResponseBytes (507)', check, null, null, `RESULT_TOO_LARGE ×6; rss +${growthMb.toFixed(0)} MB peak over 5 × ~1 GB results`));
  });

  it('a stalled connection: the statement fails at its deadline with a coded error instead of hanging', async () => {
    const p = await proxy();
    const db = httpPool(p.endpoint, { applicationName: 'http-stall' });
    const handler = withPool(db, async (id: string) => insert(db, id));
    const history = new History('http stall');
    const warm = history.nextId();
    await history.run(warm, () => handler(warm, lambda(5_000))); // keep-alive socket open before the stall
    p.stall = true;
    const durations: number[] = [];
    for (let i = 0; i < 3; i++) {
      const id = history.nextId();
      // Lambda gives 1.5 s; warmpool's deadline is 1 s (500 ms margin).
      const started = performance.now();
      await history.run(id, () => handler(id, lambda(1_500)));
      durations.push(performance.now() - started);
    }
    // queryTimeoutMs without a Lambda context.
    const timed = httpPool(p.endpoint, { applicationName: 'http-stall-qt', queryTimeoutMs: 800 });
    const read = history.nextId();
    const timedStart = performance.now();
    await history.run(read, () => timed.sql`select ${read}::text as id`.idempotent(), 'read');
    durations.push(performance.now() - timedStart);
    const codes = history.ops.slice(1).map((op) => op.code);
    expect(codes.every((c) => c === 'OUTCOME_UNKNOWN' || c === 'DEADLINE_EXCEEDED' || c === 'QUERY_TIMEOUT')).toBe(true);
    for (const d of durations.slice(0, 3)) {
      expect(d).toBeGreaterThanOrEqual(900);
      expect(d).toBeLessThan(1_500); // before Lambda's own timeout
    }
    expect(durations[3]).toBeGreaterThanOrEqual(700);
    expect(durations[3]).toBeLessThan(1_500);
    // The flow recovers once the network does.
    p.stall = false;
    const next = history.nextId();
    await history.run(next, () => handler(next, lambda(5_000)));
    expect(history.ops.at(-1)!.outcome).toBe('ok');
    const check = await checkLedger(f.admin, history);
    expect(check.violations).toEqual([]);
    // Nothing passed the blackhole: none of the stalled writes reached the gateway.
    expect(check).toMatchObject({ ok: 2, unknown: 4, unknownApplied: 0, duplicates: 0, lost: 0 });
    reportScenario(rowFrom('HTTP: stalled connection', check, null, null, `aborted at ${durations.map((d) => Math.round(d)).join('/')} ms (${[...new Set(codes)].join(', ')})`));
  });
});
