import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, type Pool } from '../src/index.js';
import { FaultProxy } from './support/fault-proxy.js';
import { databaseUrl } from './support/env.js';

// Bad input, table-driven: every case must give a coded error before anything is sent (the pool
// talks to the server through a counting proxy), or a documented conversion that is tested here;
// never a crash, a hang, or a secret in the error.

const SECRET = 'Bad1nput-S3cret-pw';
const url = `postgres://app:${SECRET}@db.example.com:5432/shop`;

type Attempt = { code?: string; message?: string } | 'ok';

/** Runs `fn`, catching synchronous throws and rejections alike, bounded by 5 s (a hang fails). */
async function attempt(fn: () => unknown): Promise<Attempt> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      Promise.resolve().then(fn),
      new Promise((_, reject) => (timer = setTimeout(() => reject(Object.assign(new Error('hung for 5 s'), { code: 'HANG' })), 5_000))),
    ]);
    return 'ok';
  } catch (err) {
    const e = err as Error & { cause?: unknown };
    const rendered = [String(e), e.message, e.stack, JSON.stringify(e), inspect(e, { depth: 5, showHidden: true }), inspect(e.cause, { depth: 5 })].join('\n');
    expect(rendered).not.toContain(SECRET);
    return e as { code?: string; message?: string };
  } finally {
    clearTimeout(timer);
  }
}

describe('invalid options', () => {
  const cases: [string, () => unknown, string, RegExp][] = [
    ['a port that is not a number', () => createPool({ connectionString: `postgres://app:${SECRET}@host:notaport/db` }), 'INVALID_CONNECTION_STRING', /not a valid URL/],
    ['an unclosed IPv6 bracket', () => createPool({ connectionString: `postgres://app:${SECRET}@[::1/db` }), 'INVALID_CONNECTION_STRING', /valid URL/],
    ['a bad percent-encoding in the password', () => createPool({ connectionString: `postgres://app:%zz${SECRET}@host/db` }), 'INVALID_CONNECTION_STRING', /percent-encoding/],
    ['another scheme', () => createPool({ connectionString: `mysql://app:${SECRET}@host/db` }), 'INVALID_CONNECTION_STRING', /scheme "mysql:"/],
    ['a libpq key=value string', () => createPool({ connectionString: `host=db user=app password=${SECRET}` }), 'INVALID_CONNECTION_STRING', /postgres:\/\//],
    ['connect_timeout=abc', () => createPool({ connectionString: `${url}?connect_timeout=abc` }), 'INVALID_CONNECTION_STRING', /connect_timeout/],
    ['connect_timeout=-1', () => createPool({ connectionString: `${url}?connect_timeout=-1` }), 'INVALID_CONNECTION_STRING', /connect_timeout/],
    ['pgbouncer=yes', () => createPool({ connectionString: `${url}?pgbouncer=yes` }), 'INVALID_CONNECTION_STRING', /pgbouncer/],
    ['an unknown URL parameter', () => createPool({ connectionString: `${url}?sslmdoe=require` }), 'INVALID_CONNECTION_STRING', /sslmdoe/],
    ["max: '5'", () => createPool({ connectionString: url, max: '5' as never }), 'INVALID_OPTION', /"max" must be a whole number/],
    ['max: 0', () => createPool({ connectionString: url, max: 0 }), 'INVALID_OPTION', /"max" must be between/],
    ['max: 1.5', () => createPool({ connectionString: url, max: 1.5 }), 'INVALID_OPTION', /"max"/],
    ['max: Infinity', () => createPool({ connectionString: url, max: Infinity }), 'INVALID_OPTION', /"max"/],
    ['a negative timeout', () => createPool({ connectionString: url, acquireTimeoutMs: -1 }), 'INVALID_OPTION', /acquireTimeoutMs/],
    ['a NaN timeout', () => createPool({ connectionString: url, connectTimeoutMs: Number.NaN }), 'INVALID_OPTION', /connectTimeoutMs/],
    ['a zero ping timeout', () => createPool({ connectionString: url, pingTimeoutMs: 0 }), 'INVALID_OPTION', /pingTimeoutMs/],
    ['a timeout as a string', () => createPool({ connectionString: url, queryTimeoutMs: '100' as never }), 'INVALID_OPTION', /queryTimeoutMs/],
    ['an unknown key', () => createPool({ connectionString: url, maxConnections: 5 } as never), 'INVALID_OPTION', /Unknown option "maxConnections"/],
    ["pg-pool's option name", () => createPool({ connectionString: url, connectionTimeoutMillis: 100 } as never), 'INVALID_OPTION', /connectionTimeoutMillis/],
    ['a password that is a number', () => createPool({ connectionString: url, password: 42 as never }), 'INVALID_OPTION', /password/],
    ['ssl: maybe', () => createPool({ connectionString: url, ssl: 'maybe' as never }), 'INVALID_OPTION', /ssl/],
    ['onEvent that is not a function', () => createPool({ connectionString: url, onEvent: 'log' as never }), 'INVALID_OPTION', /onEvent/],
    ['a URL instead of options', () => createPool(url as never), 'INVALID_OPTION', /options object/],
    ['null instead of options', () => createPool(null as never), 'INVALID_OPTION', /options object/],
  ];
  for (const [name, fn, code, message] of cases) {
    it(name, async () => {
      const result = await attempt(fn);
      expect(result).toMatchObject({ code });
      expect((result as { message: string }).message).toMatch(message);
    });
  }
});

describe('invalid parameters and queries', () => {
  let proxy: FaultProxy;
  let db: Pool;
  beforeAll(async () => {
    proxy = await FaultProxy.start({ upstreamPort: Number(new URL(databaseUrl()).port) });
    db = createPool({ connectionString: proxy.urlFor(databaseUrl()), applicationName: 'bad-input' });
  });
  afterAll(async () => {
    await db.end();
    await proxy.close();
  });

  const circular: Record<string, unknown> = { a: 1 };
  circular.self = circular;
  const nestedCircular: unknown[] = [{ list: [] as unknown[] }];
  (nestedCircular[0] as { list: unknown[] }).list.push(nestedCircular[0]);
  const shared = { x: 1 };
  const nest = (levels: number, wrap: (inner: unknown) => unknown) => {
    let value: unknown = 1;
    for (let i = 0; i < levels; i++) value = wrap(value);
    return value;
  };
  const deepObject = nest(100_000, (a) => ({ a }));
  const deepArray = nest(100_000, (a) => [a]);

  const cases: [string, (db: Pool) => unknown, string][] = [
    ['undefined', (db) => db.sql`select ${undefined}`, 'INVALID_PARAMETER'],
    ['undefined inside an array', (db) => db.sql`select ${[1, undefined]}::int[]`, 'INVALID_PARAMETER'],
    ['a Symbol', (db) => db.sql`select ${Symbol('s')}`, 'INVALID_PARAMETER'],
    ['a function', (db) => db.sql`select ${() => 1}`, 'INVALID_PARAMETER'],
    ['an invalid Date', (db) => db.sql`select ${new Date('nope')}::timestamptz`, 'INVALID_PARAMETER'],
    ['an invalid Date in an array', (db) => db.sql`select ${[new Date(0), new Date(Number.NaN)]}::timestamptz[]`, 'INVALID_PARAMETER'],
    ['a string with NUL', (db) => db.sql`select ${'a\u0000b'}::text`, 'INVALID_PARAMETER'],
    ['a NUL inside an array', (db) => db.query('select $1::text[]', [['ok', 'x\u0000']]), 'INVALID_PARAMETER'],
    ['a lone high surrogate', (db) => db.sql`select ${'a\uD800b'}::text`, 'INVALID_PARAMETER'],
    ['a lone low surrogate', (db) => db.sql`select ${'\uDC00'}::text`, 'INVALID_PARAMETER'],
    ['a circular object', (db) => db.sql`select ${circular}::jsonb`, 'INVALID_PARAMETER'],
    ['a circular object inside an array', (db) => db.sql`select ${nestedCircular}::jsonb[]`, 'INVALID_PARAMETER'],
    ['a BigInt inside an object', (db) => db.sql`select ${{ n: 1n }}::jsonb`, 'INVALID_PARAMETER'],
    ['an object nested 100 000 levels deep', (db) => db.sql`select ${deepObject}::jsonb`, 'INVALID_PARAMETER'],
    ['an array nested 100 000 levels deep', (db) => db.sql`select ${deepArray}::int[]`, 'INVALID_PARAMETER'],
    ['an object nested 100 000 levels deep inside an array', (db) => db.sql`select ${[deepObject]}::jsonb[]`, 'INVALID_PARAMETER'],
    ['65 534 parameters', (db) => db.query('select 1', Array.from({ length: 65_534 }, () => 1)), 'INVALID_PARAMETER'],
    ['65 534 parameters in a template', (db) => manyParams(db, 65_534), 'INVALID_PARAMETER'],
    ['65 533 + 1 parameters through a nested template', (db) => db.sql`select ${1}, ${manyParams(db, 65_533)}`, 'INVALID_PARAMETER'],
    ['parameters that are not an array', (db) => db.query('select $1', 'x' as never), 'INVALID_PARAMETER'],
    ['a bytea of 300 MiB (its hex form exceeds the longest string)', (db) => db.sql`select ${Buffer.allocUnsafe(300 * 1_048_576)}::bytea`, 'PAYLOAD_TOO_LARGE'],
    ['1.2 GiB of parameters in one statement', (db) => { const chunk = Buffer.allocUnsafe(120 * 1_048_576); return db.query('select $1, $2, $3, $4, $5', [chunk, chunk, chunk, chunk, chunk]); }, 'PAYLOAD_TOO_LARGE'],
    ['sql called as a function', (db) => (db.sql as unknown as (s: string) => unknown)('select 1'), 'INVALID_QUERY'],
    ['an empty query', (db) => db.query('  '), 'INVALID_QUERY'],
    ['a query text with NUL', (db) => db.query('select 1\u0000; drop table ledger'), 'INVALID_QUERY'],
    ['a query that is not a string', (db) => db.query(42 as never), 'INVALID_QUERY'],
    ['batch of something else', (db) => db.batch('select 1' as never), 'INVALID_QUERY'],
    ['batch of awaited rows', (db) => db.batch([[{ a: 1 }]] as never), 'INVALID_QUERY'],
    ['transaction without a function', (db) => db.transaction('select 1' as never), 'INVALID_QUERY'],
  ];
  for (const [name, fn, code] of cases) {
    it(`${name} → ${code}, nothing sent`, async () => {
      const before = { accepted: proxy.counters.accepted, bytesUp: proxy.counters.bytesUp };
      const result = await attempt(() => fn(db));
      expect(result).toMatchObject({ code });
      expect({ accepted: proxy.counters.accepted, bytesUp: proxy.counters.bytesUp }).toEqual(before);
    });
  }

  it('a shared (not circular) object is fine', async () => {
    expect(await db.sql`select ${{ a: shared, b: shared }}::jsonb as j`).toEqual([{ j: { a: { x: 1 }, b: { x: 1 } } }]);
  });

  // Documented conversions: what these values become, on purpose.
  const conversions: [string, (db: Pool) => PromiseLike<unknown[]>, unknown][] = [
    ['BigInt → int8, read back as a string', (db) => db.sql`select ${2n ** 62n}::int8 as v`, [{ v: '4611686018427387904' }]],
    ['Uint8Array → bytea, read back as a Buffer', (db) => db.sql`select ${new Uint8Array([0, 1, 255])}::bytea as v`, [{ v: Buffer.from([0, 1, 255]) }]],
    ['Date → timestamptz', (db) => db.sql`select ${new Date(Date.UTC(2024, 1, 29, 12))}::timestamptz as v`, [{ v: new Date(Date.UTC(2024, 1, 29, 12)) }]],
    ['NaN and Infinity → float8', (db) => db.sql`select ${Number.NaN}::float8 as n, ${-Infinity}::float8 as i`, [{ n: Number.NaN, i: -Infinity }]],
    ['a plain object → JSON where the type is json/jsonb', (db) => db.sql`select ${{ a: [1, 'x'], b: null }}::jsonb as v`, [{ v: { a: [1, 'x'], b: null } }]],
    ['an array → a Postgres array', (db) => db.sql`select ${['a', 'b"c', 'd,e']}::text[] as v`, [{ v: ['a', 'b"c', 'd,e'] }]],
    ['an object nested 1 000 levels deep → JSON', (db) => db.sql`select ${nest(1000, (a) => ({ a }))}::jsonb as v`, [{ v: nest(1000, (a) => ({ a })) }]],
    ['astral characters round-trip', (db) => db.sql`select ${'🐘 ✓ é'}::text as v`, [{ v: '🐘 ✓ é' }]],
    ['two statements in one call → 42601 from the server', (db) => db.query('select 1; select 2'), '42601'],
  ];
  for (const [name, fn, expected] of conversions) {
    it(name, async () => {
      if (typeof expected === 'string') {
        expect(await attempt(() => fn(db))).toMatchObject({ code: expected });
        return;
      }
      expect(await fn(db)).toEqual(expected);
    });
  }

  it('values never become SQL text: on the wire the statement holds $n and the value travels as a parameter', async () => {
    const hostile = "x'); drop table ledger; --";
    const seen: { text: string; params: (string | null)[] }[] = [];
    const stop = proxy.observe((s) => seen.push({ text: s.text, params: s.params }));
    expect(await db.sql`select ${hostile}::text as v`).toEqual([{ v: hostile }]);
    expect(await db.query('select $1::text as v', [hostile])).toEqual([{ v: hostile }]);
    // Nested fragments are renumbered, not spliced.
    expect(await db.sql`select ${1}::int as a, ${db.sql`${hostile}::text`} as v`).toEqual([{ a: 1, v: hostile }]);
    stop();
    expect(seen.length).toBeGreaterThanOrEqual(3);
    for (const { text, params } of seen) {
      expect(text).not.toContain('drop table');
      expect(params).toContain(hostile);
    }
    expect(seen.map((s) => s.text)).toContain('select $1::int as a, $2::text as v');
  });

  it('a transaction and a reserved connection refuse bad input as the pool does, with the same errors', async () => {
    type Api = Pick<Pool, 'sql' | 'query' | 'unsafe'>;
    const bad: [string, (api: Api) => unknown][] = [
      ['sql called as a function', (api) => (api.sql as unknown as (s: string) => unknown)('select 1')],
      ['undefined', (api) => api.sql`select ${undefined}`],
      ['an empty query', (api) => api.query('  ')],
      ['a query text with NUL', (api) => api.query('select 1\u0000')],
      ['parameters that are not an array', (api) => api.query('select $1', 'x' as never)],
      ['textTypes that are not OIDs', (api) => api.query('select 1', [], { textTypes: ['int'] as never })],
      ['unsafe text that is not a string', (api) => api.unsafe(42 as never)],
      ['unsafe text with NUL', (api) => api.unsafe('t\u0000')],
    ];
    const errorsOf = async (api: Api) => {
      const seen: Record<string, unknown> = {};
      for (const [name, fn] of bad) {
        const result = await attempt(() => fn(api));
        seen[name] = result === 'ok' ? 'ok' : { code: result.code, message: result.message };
      }
      return seen;
    };
    const fromPool = await errorsOf(db);
    expect(Object.values(fromPool)).not.toContain('ok');
    expect(await db.transaction((tx) => errorsOf(tx))).toEqual(fromPool);
    const reserved = await db.reserve();
    try {
      expect(await errorsOf(reserved)).toEqual(fromPool);
    } finally {
      await reserved.release();
    }
  });

  it('left the connection usable after all of the above', async () => {
    expect(await db.sql`select 1 as one`).toEqual([{ one: 1 }]);
    expect(db.stats()).toMatchObject({ created: 1, outcomeUnknown: 0 });
  });
});

/** A template fragment binding `n` parameters. */
function manyParams(db: Pool, n: number): unknown {
  const strings = Object.assign(Array.from({ length: n + 1 }, () => ''), { raw: Array.from({ length: n + 1 }, () => '') });
  return db.sql(strings as unknown as TemplateStringsArray, ...Array.from({ length: n }, (_, i) => i));
}
