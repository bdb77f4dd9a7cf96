/**
 * Kysely's own PostgreSQL suite (test/peers/kysely) on WarmpoolDialect: every test passes but those
 * test/peers/kysely/expected-differences.json lists, and those fail. The comparison with Kysely's
 * PostgresDialect on the same suite is `npm run test:peers -- kysely`.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { adminUrl } from './support/env.js';

const root = fileURLToPath(new URL('..', import.meta.url));
/**
 * The suite drops and creates its tables and schemas: it gets a database of its own, and runs as
 * a superuser, as upstream's does (a few tests create base types).
 */
const name = `kysely_suite_${process.pid}`;
let url = '';

async function admin<T>(work: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(adminUrl(), { max: 1, onnotice: () => {} });
  try {
    return await work(sql);
  } finally {
    await sql.end();
  }
}

beforeAll(async () => {
  await admin(async (sql) => {
    await sql.unsafe(`drop database if exists ${name}`);
    await sql.unsafe(`create database ${name}`);
  });
  const target = new URL(adminUrl());
  target.pathname = `/${name}`;
  url = target.toString();
});

afterAll(async () => {
  await admin((sql) => sql.unsafe(`drop database if exists ${name} with (force)`));
});

it("passes Kysely's PostgreSQL suite on WarmpoolDialect but the listed differences", async () => {
  const tsx = path.join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs');
  const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [tsx, 'test/peers/run.mjs', 'kysely', '--dialect', 'warmpool'], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: url },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d));
    child.stderr.on('data', (d: Buffer) => (output += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
  // The runner's summary says which tests broke.
  expect(code, output.slice(output.indexOf("Kysely's PostgreSQL suite (test/peers/kysely)"))).toBe(0);
}, 600_000);
