import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { neon, neonConfig } from '@neondatabase/serverless';
import { describe, expect, it } from 'vitest';
import { GATEWAY_DEFAULTS } from '../packages/gateway/src/index.js';
import { databaseUrl } from './support/env.js';
import { upstreamOf } from './gateway-support.js';

// `warmpool gateway`: ready when it prints its URL, every limit documented in --help.

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  spawn(process.execPath, ['--import', 'tsx', 'packages/cli/src/cli.ts', 'gateway', ...args], { cwd: root, env: { ...process.env, ...env } });

describe('warmpool gateway (command line)', () => {
  it('prints its URL when ready, serves the Neon driver, and stops on SIGTERM', async () => {
    const child = cli(['--port', '0', '--max-connections', '2'], { WARMPOOL_UPSTREAM: upstreamOf(databaseUrl()) });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        stdout += d;
        const match = /warmpool gateway listening on (http:\/\/127\.0\.0\.1:\d+)\n/.exec(stdout);
        if (match) resolve(match[1]);
      });
      child.on('exit', (code) => reject(new Error(`exited with ${code}: ${stderr}`)));
    });
    neonConfig.fetchEndpoint = `${url}/sql`;
    expect(await neon(databaseUrl())`select 41 + 1 as answer`).toEqual([{ answer: 42 }]);
    const exit = new Promise<number | null>((resolve) => child.on('exit', resolve));
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
    expect(stdout + stderr).not.toContain(new URL(databaseUrl()).password);
  });

  it('lists every limit with its default in --help', () => {
    const { stdout, status } = spawnSync(process.execPath, ['--import', 'tsx', 'packages/cli/src/cli.ts', 'gateway', '--help'], { cwd: root, encoding: 'utf8' });
    expect(status).toBe(0);
    const flags: Record<string, number> = {
      '--max-body-bytes': GATEWAY_DEFAULTS.maxBodyBytes,
      '--max-response-bytes': GATEWAY_DEFAULTS.maxResponseBytes,
      '--statement-timeout-ms': GATEWAY_DEFAULTS.statementTimeoutMs,
      '--max-connections': GATEWAY_DEFAULTS.maxConnections,
      '--max-queue': GATEWAY_DEFAULTS.maxQueue,
      '--queue-timeout-ms': GATEWAY_DEFAULTS.queueTimeoutMs,
      '--max-websockets': GATEWAY_DEFAULTS.maxWebSockets,
      '--connect-timeout-ms': GATEWAY_DEFAULTS.connectTimeoutMs,
      '--idle-timeout-ms': GATEWAY_DEFAULTS.idleTimeoutMs,
      '--credential-ttl-ms': GATEWAY_DEFAULTS.credentialTtlMs,
      '--request-timeout-ms': GATEWAY_DEFAULTS.requestTimeoutMs,
      '--headers-timeout-ms': GATEWAY_DEFAULTS.headersTimeoutMs,
      '--max-client-connections': GATEWAY_DEFAULTS.maxClientConnections,
      '--max-client-connections-per-address': GATEWAY_DEFAULTS.maxClientConnectionsPerAddress,
      '--port': GATEWAY_DEFAULTS.port,
      '--drain-delay-ms': GATEWAY_DEFAULTS.drainDelayMs,
      '--drain-timeout-ms': GATEWAY_DEFAULTS.drainTimeoutMs,
      '--ready-timeout-ms': GATEWAY_DEFAULTS.readyTimeoutMs,
    };
    for (const [flag, value] of Object.entries(flags)) {
      const line = stdout.split('\n').findIndex((l) => l.trimStart().startsWith(flag));
      expect(line, flag).toBeGreaterThanOrEqual(0);
      // The default is on the flag's line or the continuation lines below it.
      const text = stdout.split('\n').slice(line, line + 3).join(' ');
      expect(text, flag).toContain(String(value));
    }
    for (const flag of ['--upstream', '--host', '--token', '--allow-host', '--allow-origin', 'WARMPOOL_UPSTREAM', 'WARMPOOL_GATEWAY_TOKEN', '--log-format', '/health', '/ready']) {
      expect(stdout).toContain(flag);
    }
  });

  it('refuses to start without an upstream, or with an unknown option', () => {
    const env = { ...process.env, WARMPOOL_UPSTREAM: '' };
    const none = spawnSync(process.execPath, ['--import', 'tsx', 'packages/cli/src/cli.ts', 'gateway', '--port', '0'], { cwd: root, encoding: 'utf8', env });
    expect(none.status).toBe(2);
    expect(none.stderr).toContain('--upstream');
    const typo = spawnSync(process.execPath, ['--import', 'tsx', 'packages/cli/src/cli.ts', 'gateway', '--max-conections', '3'], { cwd: root, encoding: 'utf8', env });
    expect(typo.status).toBe(2);
    expect(typo.stderr).toContain('Unknown option --max-conections');
  });
});
