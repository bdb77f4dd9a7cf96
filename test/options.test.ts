import { describe, expect, it } from 'vitest';
import { createPool } from '../src/index.js';
import { resolveOptions } from '../src/options.js';

const url = 'postgres://app:s3cret-pass@db.example.com:6543/shop';

describe('bad options give a coded error that names the problem', () => {
  const cases: [string, Record<string, unknown>, string, RegExp][] = [
    ['unknown key', { connectionString: url, maxConnections: 5 }, 'INVALID_OPTION', /Unknown option "maxConnections"/],
    ['max as a string', { connectionString: url, max: '5' }, 'INVALID_OPTION', /"max" must be a whole number/],
    ['max zero', { connectionString: url, max: 0 }, 'INVALID_OPTION', /"max" must be between 1/],
    ['negative timeout', { connectionString: url, acquireTimeoutMs: -1 }, 'INVALID_OPTION', /acquireTimeoutMs/],
    ['NaN timeout', { connectionString: url, connectTimeoutMs: Number.NaN }, 'INVALID_OPTION', /connectTimeoutMs/],
    ['fractional', { connectionString: url, idleTimeoutMs: 1.5 }, 'INVALID_OPTION', /idleTimeoutMs/],
    ['bad transport', { connectionString: url, transport: 'udp' }, 'INVALID_OPTION', /transport/],
    ['bad ssl', { connectionString: url, ssl: 'maybe' }, 'INVALID_OPTION', /ssl/],
    ['password number', { connectionString: url, password: 42 }, 'INVALID_OPTION', /password/],
    ['mysql url', { connectionString: 'mysql://a:b@h/db' }, 'INVALID_CONNECTION_STRING', /scheme "mysql:"/],
    ['not a url', { connectionString: 'host=db user=app' }, 'INVALID_CONNECTION_STRING', /postgres:\/\//],
    ['one slash after the scheme', { connectionString: 'postgresql:/app@db.example.com/shop' }, 'INVALID_CONNECTION_STRING', /"postgresql:" must be followed by two slashes/],
    ['bad connect_timeout', { connectionString: `${url}?connect_timeout=abc` }, 'INVALID_CONNECTION_STRING', /connect_timeout/],
    ['unknown url parameter', { connectionString: `${url}?sslmdoe=require` }, 'INVALID_CONNECTION_STRING', /unknown parameter "sslmdoe"/],
    ['bad sslmode', { connectionString: `${url}?sslmode=always` }, 'INVALID_CONNECTION_STRING', /sslmode/],
    ['no host', { connectionString: 'postgres:///db' }, 'INVALID_OPTION', /No database host/],
  ];
  for (const [name, options, code, message] of cases) {
    it(name, () => {
      let error: { code?: string; message: string } | undefined;
      try {
        createPool(options as never);
      } catch (e) {
        error = e as typeof error;
      }
      expect(error).toMatchObject({ code });
      expect(error!.message).toMatch(message);
      expect(error!.message).not.toContain('s3cret-pass');
    });
  }
});

describe('precedence: explicit option, then connection string, then environment, then defaults', () => {
  it('reads the connection string', () => {
    const o = resolveOptions({ connectionString: `${url}?sslmode=require&connect_timeout=3&application_name=shop` });
    expect(o).toMatchObject({ host: 'db.example.com', port: 6543, database: 'shop', user: 'app', password: 's3cret-pass', ssl: 'require', connectTimeoutMs: 3000, applicationName: 'shop' });
  });

  it('lets explicit options win over the URL', () => {
    expect(resolveOptions({ connectionString: url, port: 5433, ssl: true })).toMatchObject({ port: 5433, ssl: 'require' });
  });

  it('falls back to DATABASE_URL, then PG* variables', () => {
    const saved = { ...process.env };
    try {
      process.env.DATABASE_URL = 'postgres://envuser:pw@envhost/envdb';
      expect(resolveOptions({})).toMatchObject({ host: 'envhost', user: 'envuser', database: 'envdb' });
      delete process.env.DATABASE_URL;
      process.env.PGHOST = 'pghost';
      process.env.PGUSER = 'pguser';
      process.env.PGPORT = '6000';
      expect(resolveOptions({})).toMatchObject({ host: 'pghost', user: 'pguser', port: 6000, database: 'pguser' });
    } finally {
      process.env = saved;
    }
  });

  it('uses Lambda-friendly defaults', () => {
    expect(resolveOptions({ connectionString: url })).toMatchObject({ max: 1, idleTimeoutMs: 240_000, validateAfterIdleMs: 1_000, serverIdleSessionTimeoutMs: 300_000, prepare: false, transport: 'auto' });
  });

  it('turns prepared statements off for ?pgbouncer=true', () => {
    expect(resolveOptions({ connectionString: `${url}?pgbouncer=true` }).prepare).toBe(false);
  });
});
