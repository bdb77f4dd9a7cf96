import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { computeBudget } from '../src/index.js';
import { databaseUrl } from './support/env.js';

const run = promisify(execFile);
const CLI = path.resolve(import.meta.dirname, '../packages/cli/src/cli.ts');
const TSX = path.resolve(import.meta.dirname, '../node_modules/.bin/tsx');

async function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> {
  try {
    const { stdout, stderr } = await run(TSX, [CLI, 'budget', ...args], { env: { ...process.env, ...env } });
    return { code: 0, out: stdout, err: stderr };
  } catch (e) {
    const failed = e as { code: number; stdout: string; stderr: string };
    return { code: failed.code, out: failed.stdout, err: failed.stderr };
  }
}

describe('computeBudget', () => {
  it('a fleet that fits keeps its max and gets its concurrency as reserved concurrency', () => {
    const b = computeBudget({ maxConnections: 100, reservedConnections: 3, headroom: 7, functions: [{ name: 'api', concurrency: 50 }, { name: 'jobs', concurrency: 10, max: 2 }] });
    expect(b).toMatchObject({ usable: 90, demand: 70, fits: true });
    expect(b.functions).toEqual([
      { name: 'api', concurrency: 50, max: 1, demand: 50, share: 50, reservedConcurrency: 50, safeMax: 1 },
      { name: 'jobs', concurrency: 10, max: 2, demand: 20, share: 20, reservedConcurrency: 10, safeMax: 2 },
    ]);
    expect(b.explanation[0]).toBe('usable = max_connections 100 − reserved 3 − headroom 7 = 90');
  });

  it('a fleet that does not fit is shared in proportion to demand, rounded down, never over', () => {
    const b = computeBudget({ maxConnections: 100, reservedConnections: 3, functions: [{ name: 'api', concurrency: 200 }, { name: 'jobs', concurrency: 50, max: 2 }] });
    expect(b).toMatchObject({ usable: 97, demand: 300, fits: false });
    // api: 97 × 200 / 300 = 64.67 → 64; jobs: 97 × 100 / 300 = 32.33 → 32.
    expect(b.functions.map((f) => [f.share, f.reservedConcurrency, f.safeMax])).toEqual([[64, 64, 0], [32, 16, 0]]);
    const held = b.functions.reduce((sum, f) => sum + f.reservedConcurrency * f.max, 0);
    expect(held).toBeLessThanOrEqual(b.usable);
  });

  it('refuses input it cannot budget, with a coded error', () => {
    expect(() => computeBudget({ maxConnections: 10, reservedConnections: 10, functions: [{ name: 'a', concurrency: 1 }] })).toThrow(expect.objectContaining({ code: 'INVALID_OPTION', message: expect.stringContaining('No connections are left') }));
    expect(() => computeBudget({ maxConnections: 10, reservedConnections: 0, functions: [] })).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }));
    expect(() => computeBudget({ maxConnections: 10, reservedConnections: 0, functions: [{ name: 'a', concurrency: 1.5 }] })).toThrow(expect.objectContaining({ message: expect.stringContaining('Concurrency of "a"') }));
  });
});

describe('warmpool budget', () => {
  it('prints the arithmetic and exits 0 when the fleet fits', async () => {
    const { code, out } = await cli(['--max-connections', '100', '--reserved', '3', '--function', 'api=40', '--function', 'jobs=10:2']);
    expect(code).toBe(0);
    expect(out).toContain('demand = api 40 × 1 + jobs 10 × 2 = 60');
    expect(out).toMatch(/jobs +10 +2 +20 +10 +2/);
  });

  it('exits 3 when it does not fit', async () => {
    const { code, out } = await cli(['--max-connections', '20', '--function', 'api=40']);
    expect(code).toBe(3);
    expect(out).toContain('40 > 20: the fleet does not fit');
  });

  it('reads max_connections and the reserved slots from a live server, without printing the password', async () => {
    const { code, out } = await cli(['--from-server', '--function', 'api=10'], { DATABASE_URL: databaseUrl() });
    expect(code).toBe(0);
    expect(out).toMatch(/max_connections \d+, reserved \d+/);
    expect(out).not.toContain(decodeURIComponent(new URL(databaseUrl()).password));
  });

  it('says what is wrong with bad arguments', async () => {
    const { code, err } = await cli(['--function', 'api']);
    expect(code).toBe(2);
    expect(err).toContain('INVALID_OPTION: --function needs name=concurrency[:max]');
  });
});
