import { afterAll, describe, expect, it } from 'vitest';
import { createPool } from '../src/index.js';
import { databaseUrl } from './support/env.js';

const db = createPool({ connectionString: databaseUrl(), applicationName: 'queries' });
afterAll(() => db.end());

describe('sql and query', () => {
  it('bind template values as parameters, never as text', async () => {
    const hostile = "'); drop table users; --";
    const [row] = await db.sql`select ${hostile}::text as v, ${42}::int as n`;
    expect(row).toEqual({ v: hostile, n: 42 });
  });

  it('are lazy: nothing is sent until awaited', async () => {
    const before = db.stats().reused + db.stats().created;
    const q = db.sql`select 1`;
    await new Promise((r) => setTimeout(r, 20));
    expect(db.stats().reused + db.stats().created).toBe(before);
    await q;
    expect(db.stats().reused + db.stats().created).toBe(before + 1);
  });

  it('nest fragments and unsafe identifiers', async () => {
    const where = db.sql`where n > ${1}`;
    const rows = await db.sql`select n from generate_series(1, ${3}) as ${db.unsafe('t(n)')} ${where} order by n`;
    expect(rows).toEqual([{ n: 2 }, { n: 3 }]);
  });

  it('refuse sql() called without a template', () => {
    expect(() => (db.sql as unknown as (s: string) => unknown)('select 1')).toThrow(expect.objectContaining({ code: 'INVALID_QUERY' }));
  });

  it('refuse undefined parameters before sending anything', async () => {
    expect(() => db.query('select $1', [undefined])).toThrow(expect.objectContaining({ code: 'INVALID_PARAMETER' }));
    expect(() => db.sql`select ${undefined}`).toThrow(expect.objectContaining({ code: 'INVALID_PARAMETER' }));
  });

  it('refuse more than 65 535 parameters', () => {
    expect(() => db.query('select 1', new Array(65_536).fill(1))).toThrow(expect.objectContaining({ code: 'INVALID_PARAMETER' }));
  });

  it('return rows as arrays of objects, whose own keys are the rows only; map and filter give plain arrays', async () => {
    const rows = await db.query('select $1::int as n', [1]);
    expect(Array.isArray(rows)).toBe(true);
    expect(rows).toBeInstanceOf(Array);
    expect(Reflect.ownKeys(rows)).toEqual(['0', 'length']);
    expect(Object.getPrototypeOf(rows.map((r) => r))).toBe(Array.prototype);
    expect(Object.getPrototypeOf(rows.filter(() => true))).toBe(Array.prototype);
    expect(Object.getPrototypeOf(rows.slice())).toBe(Array.prototype);
    expect(rows.concat([])).toEqual([{ n: 1 }]);
  });
});
