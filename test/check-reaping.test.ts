import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import postgres from 'postgres';
import { expect, it } from 'vitest';
import { databaseUrl } from './support/env.js';

// `warmpool check` reports the server's idle_session_timeout, not the one warmpool's own sessions
// set at startup (serverIdleSessionTimeoutMs), and says both.

const run = promisify(execFile);
const CLI = path.resolve(import.meta.dirname, '../packages/cli/src/cli.ts');
const TSX = path.resolve(import.meta.dirname, '../node_modules/.bin/tsx');

it("warmpool check prints the server's idle_session_timeout and, apart, what warmpool sends", async () => {
  // A plain session sends no idle_session_timeout: it sees the server's setting.
  const sql = postgres(databaseUrl(), { max: 1 });
  const [{ idle_session_timeout: server }] = await sql`show idle_session_timeout`;
  await sql.end();
  const { stdout } = await run(TSX, [CLI, 'check', databaseUrl()]);
  const line = stdout.split('\n').find((l) => l.startsWith('reaping'));
  const shown = server === '0' ? 'server idle_session_timeout 0 (off)' : `server idle_session_timeout ${server}`;
  expect(line).toBe(`reaping       ${shown}; warmpool's pools set 300000 ms on their own sessions (serverIdleSessionTimeoutMs)`);
});
