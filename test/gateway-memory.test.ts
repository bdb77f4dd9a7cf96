import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { neon, neonConfig, Pool } from '@neondatabase/serverless';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ws from 'ws';
import { databaseUrl } from './support/env.js';
import { upstreamOf } from './gateway-support.js';

// The gateway's memory is bounded by its limits: rows far larger than --max-response-bytes are
// refused as their header arrives, never buffered. The gateway runs as a child process so its
// peak RSS (VmHWM, reset before each case) is its own. Big values are built as repeat(repeat(…))
// because Postgres builds repeat('x', n) one byte at a time.

const root = fileURLToPath(new URL('..', import.meta.url));
const MiB = 1024 * 1024;
const LIMIT = 10 * MiB;
const CONCURRENCY = 5;

let child: ChildProcess;
let url: string;

function statusKb(field: 'VmHWM' | 'VmRSS'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
  return Number(match![1]);
}

/** Runs `work` and returns how far the gateway's peak RSS rose above its RSS before it, in bytes. */
async function peakGrowth(work: () => Promise<unknown>): Promise<number> {
  // "5" resets the peak resident set size of the process (proc(5), clear_refs).
  writeFileSync(`/proc/${child.pid}/clear_refs`, '5');
  const before = statusKb('VmRSS');
  await work();
  return (statusKb('VmHWM') - before) * 1024;
}

beforeAll(async () => {
  child = spawn(
    process.execPath,
    ['--import', 'tsx', 'packages/cli/src/cli.ts', 'gateway', '--port', '0', '--max-response-bytes', String(LIMIT), '--upstream', upstreamOf(databaseUrl())],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d));
  url = await new Promise<string>((resolve, reject) => {
    let stdout = '';
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d;
      const match = /listening on (http:\/\/\S+)\n/.exec(stdout);
      if (match) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`gateway exited with ${code}: ${stderr}`)));
  });
  neonConfig.fetchEndpoint = `${url}/sql`;
  // Warm up the code paths so their first use is not counted.
  const sql = neon(databaseUrl());
  await sql`select repeat('w', 1000000) as warm`;
  await Promise.all(Array.from({ length: CONCURRENCY }, () => sql`select 1 as ok`));
});

afterAll(() => {
  child?.kill('SIGTERM');
});

describe('gateway memory under oversized results', () => {
  it(`keeps peak RSS within a small multiple of --max-response-bytes × ${CONCURRENCY} for ${CONCURRENCY} concurrent 100 MB rows`, async () => {
    const sql = neon(databaseUrl());
    let errors: string[] = [];
    const growth = await peakGrowth(async () => {
      errors = await Promise.all(
        Array.from({ length: CONCURRENCY }, () => sql`select repeat(repeat('x', 10000), 10000) as big`.then(() => 'ok', (e: Error) => String(e))),
      );
    });
    console.log(`gateway peak RSS growth, ${CONCURRENCY} × 100 MB rows: ${(growth / MiB).toFixed(1)} MiB`);
    for (const e of errors) expect(e).toContain('HTTP status 507');
    expect(growth).toBeLessThan(2 * LIMIT * CONCURRENCY);
    expect(await sql`select 1 as ok`).toEqual([{ ok: 1 }]);
  });

  it('answers 507, not 502, for a row too large to hold as one string (600 MB)', async () => {
    const sql = neon(databaseUrl());
    let error = '';
    const growth = await peakGrowth(async () => {
      error = await sql`select repeat(repeat('y', 10000), 60000) as huge`.then(() => 'ok', (e: Error) => String(e));
    });
    console.log(`gateway peak RSS growth, one 600 MB row: ${(growth / MiB).toFixed(1)} MiB`);
    expect(error).toContain('HTTP status 507');
    expect(error).toContain(`response is too large (max is ${LIMIT} bytes)`);
    expect(growth).toBeLessThan(2 * LIMIT);
  });

  it('answers 507 for an error message larger than the limit, without holding it', async () => {
    const sql = neon(databaseUrl());
    let error = '';
    const growth = await peakGrowth(async () => {
      // "invalid input syntax for type integer" quotes the whole 100 MB input.
      error = await sql`select repeat(repeat('e', 10000), 10000)::int as n`.then(() => 'ok', (e: Error) => String(e));
    });
    console.log(`gateway peak RSS growth, one 100 MB error message: ${(growth / MiB).toFixed(1)} MiB`);
    expect(error).toContain('HTTP status 507');
    expect(growth).toBeLessThan(2 * LIMIT);
  });

  it('streams a 100 MB row through a WebSocket tunnel with bounded gateway memory (backpressure, no size limit)', async () => {
    neonConfig.webSocketConstructor = ws;
    neonConfig.wsProxy = (host, port) => `${new URL(url).host}/v2?address=${host}:${port}`;
    neonConfig.useSecureWebSocket = false;
    const pool = new Pool({ connectionString: databaseUrl() });
    // The gateway is stopped (SIGTERM) right after this test: its drain ends a tunnel still
    // closing with FATAL 57P01, which a client without a listener would throw as uncaught.
    pool.on('connect', (client: { on(event: 'error', listener: () => void): unknown }) => client.on('error', () => {}));
    pool.on('error', () => {});
    let length = 0;
    const growth = await peakGrowth(async () => {
      const { rows } = await pool.query<{ big: string }>(`select repeat(repeat('z', 10000), 10000) as big`);
      length = rows[0].big.length;
    });
    await pool.end();
    console.log(`gateway peak RSS growth, one 100 MB row through a tunnel: ${(growth / MiB).toFixed(1)} MiB`);
    expect(length).toBe(100_000_000);
    // The tunnel pauses the upstream socket while the WebSocket has 1 MiB unsent; what remains is
    // the garbage of the chunks passed through, far below the row's size.
    expect(growth).toBeLessThan(50 * MiB);
  });
});
