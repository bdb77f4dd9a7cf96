import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createPool } from '../src/index.js';
import { databaseUrl } from './support/env.js';

const PASSWORD = 'Very$ecret-Pa55word';

function everything(value: unknown): string {
  const err = value as Error & { cause?: unknown };
  return [String(err), err?.message, err?.stack, JSON.stringify(err), inspect(err, { depth: 10 }), inspect(err?.cause, { depth: 10 })].join('\n');
}

describe('the password never appears', () => {
  it('in errors from a refused connect', async () => {
    const db = createPool({ connectionString: `postgres://app:${encodeURIComponent(PASSWORD)}@127.0.0.1:1/db`, maxConnectAttempts: 1 });
    const error = await db.sql`select 1`.then(() => null, (e) => e);
    expect(error).toMatchObject({ code: 'CONNECT_FAILED' });
    expect(everything(error)).not.toContain(PASSWORD);
    await db.end();
  });

  it('in errors from a rejected password', async () => {
    const url = new URL(databaseUrl());
    url.password = PASSWORD;
    const db = createPool({ connectionString: url.toString() });
    const error = await db.sql`select 1`.then(() => null, (e) => e);
    expect(error).toMatchObject({ code: 'CONNECT_FAILED', sqlState: '28P01' });
    expect(everything(error)).not.toContain(PASSWORD);
    await db.end();
  });

  it('in errors about a malformed connection string', () => {
    let error: unknown;
    try {
      createPool({ connectionString: `postgres://app:${PASSWORD}@host:notaport/db` });
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'INVALID_CONNECTION_STRING' });
    expect(everything(error)).not.toContain(PASSWORD);
  });

  it('in util.inspect, JSON and string forms of a pool', async () => {
    const url = new URL(databaseUrl());
    const db = createPool({ connectionString: url.toString(), applicationName: 'redact' });
    await db.sql`select 1`;
    const realPassword = decodeURIComponent(url.password);
    for (const text of [inspect(db, { depth: 10, showHidden: true }), JSON.stringify(db), String(db)]) {
      expect(text).not.toContain(realPassword);
    }
    expect(inspect(db)).toContain('stats');
    await db.end();
  });

  it('nor do statement parameters ride along on errors', async () => {
    const db = createPool({ connectionString: databaseUrl(), applicationName: 'redact2' });
    const error = await db.sql`select 1/0 as boom, ${'param-token-123'}::text as t`.then(() => null, (e) => e);
    expect(error).toMatchObject({ code: '22012' });
    expect(inspect(error, { showHidden: true, depth: 10 }) + inspect(error.cause, { showHidden: true, depth: 10 })).not.toContain('param-token-123');
    await db.end();
  });
});
