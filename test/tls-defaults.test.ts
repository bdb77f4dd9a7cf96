import { existsSync, readFileSync } from 'node:fs';
import tls from 'node:tls';
import { describe, expect, it } from 'vitest';
import { resolveOptions } from '../src/options.js';
import { tlsOptions } from '../src/transports/tcp-socket.js';
import { LAMBDA_CA_FILE } from '../src/tls/defaults.js';

// Which sslmode a host gets when the user names none, and who may be reached in plain text.

const sslOf = (connectionString: string, more: Record<string, unknown> = {}) => resolveOptions({ connectionString, ...more } as never).ssl;

describe('the default sslmode follows the host', () => {
  it('is disable for loopback addresses only', () => {
    for (const host of ['127.0.0.1', '127.8.9.10', 'localhost', '[::1]']) {
      expect(sslOf(`postgres://u:p@${host}/db`), host).toBe('disable');
    }
  });

  it('is require for any other host: a private address, a container name, Supabase, Neon', () => {
    for (const host of ['10.0.0.5', '192.168.1.20', 'db', 'db.abcdefghijkl.supabase.co', 'ep-cool-name-123456.us-east-2.aws.neon.tech', '[fd00::2]']) {
      expect(sslOf(`postgres://u:p@${host}/db`), host).toBe('require');
    }
  });

  it('is verify-full on Lambda for RDS, Aurora and RDS Proxy endpoints, whose roots the runtime keeps', () => {
    const rds = [
      'mydb.c9akciq32.us-east-1.rds.amazonaws.com',
      'mycluster.cluster-c9akciq32.eu-central-1.rds.amazonaws.com',
      'mycluster.cluster-ro-c9akciq32.ap-southeast-2.rds.amazonaws.com',
      'myproxy.proxy-c9akciq32.us-west-2.rds.amazonaws.com',
      'MyDb.C9AKCIQ32.MX-CENTRAL-1.RDS.AMAZONAWS.COM',
    ];
    const before = process.env.AWS_LAMBDA_FUNCTION_NAME;
    try {
      process.env.AWS_LAMBDA_FUNCTION_NAME = 'f';
      for (const host of rds) expect(sslOf(`postgres://u:p@${host}/db`), host).toBe('verify-full');
      delete process.env.AWS_LAMBDA_FUNCTION_NAME;
      // Elsewhere the roots are not at hand: encrypted, and verified only when given (warmpool/aws).
      for (const host of rds) expect(sslOf(`postgres://u:p@${host}/db`), host).toBe('require');
    } finally {
      if (before === undefined) delete process.env.AWS_LAMBDA_FUNCTION_NAME;
      else process.env.AWS_LAMBDA_FUNCTION_NAME = before;
    }
  });

  it('is disable for a Hyperdrive binding, whose socket stays inside the Workers runtime', () => {
    expect(resolveOptions({ hyperdrive: { connectionString: 'postgres://u:p@abc123.hyperdrive.local:5432/db' } }).ssl).toBe('disable');
  });

  it('gives way to the user: the option, then the URL, then PGSSLMODE', () => {
    const remote = 'postgres://u:p@db.example.com/db';
    expect(sslOf(`${remote}?sslmode=disable`)).toBe('disable');
    expect(sslOf(`${remote}?sslmode=disable`, { ssl: 'verify-full' })).toBe('verify-full');
    expect(sslOf(remote, { ssl: false })).toBe('disable');
    expect(sslOf('postgres://u:p@127.0.0.1/db?sslmode=require')).toBe('require');
    const before = process.env.PGSSLMODE;
    process.env.PGSSLMODE = 'disable';
    try {
      expect(sslOf(remote)).toBe('disable');
    } finally {
      if (before === undefined) delete process.env.PGSSLMODE;
      else process.env.PGSSLMODE = before;
    }
  });
});

describe('endpoints that carry the password are never plain text beyond this machine unless the user says so', () => {
  const url = 'postgres://u:s3cret-pass@db.example.com/db';

  it('refuses http:// and ws:// to another host, naming https://, wss:// and sslmode=disable', () => {
    for (const [option, value, secure] of [['httpEndpoint', 'http://gw.example.com/sql', 'https://'], ['wsProxy', 'ws://gw.example.com/v2', 'wss://']]) {
      const error = (() => {
        try {
          resolveOptions({ connectionString: url, [option]: value });
        } catch (e) {
          return e as { code: string; message: string };
        }
      })();
      expect(error, option).toMatchObject({ code: 'INVALID_OPTION' });
      expect(error!.message).toContain(secure);
      expect(error!.message).toContain('sslmode=disable');
      expect(error!.message).not.toContain('s3cret-pass');
    }
  });

  it('accepts them on loopback, and elsewhere with sslmode=disable', () => {
    expect(resolveOptions({ connectionString: url, httpEndpoint: 'http://127.0.0.1:4444/sql', wsProxy: 'ws://localhost:4444/v2' })).toMatchObject({ httpEndpoint: 'http://127.0.0.1:4444/sql' });
    expect(resolveOptions({ connectionString: `${url}?sslmode=disable`, httpEndpoint: 'http://gw.internal/sql', wsProxy: 'ws://gw.internal/v2' })).toMatchObject({ wsProxy: 'ws://gw.internal/v2' });
  });

  it('derives https:// and wss:// endpoints for Neon hosts', () => {
    const o = resolveOptions({ connectionString: 'postgres://u:p@ep-cool-name-123456.us-east-2.aws.neon.tech/db' });
    expect(o.httpEndpoint).toMatch(/^https:\/\//);
    expect(o.wsProxy).toMatch(/^wss:\/\//);
  });
});

describe('the TLS options of a verifying sslmode', () => {
  it('trust the Amazon roots of Lambda\'s runtime besides Node\'s for an RDS host, where the runtime keeps them', async () => {
    const options = await tlsOptions('verify-full', 'mydb.c9akciq32.us-east-1.rds.amazonaws.com');
    expect(options).toMatchObject({ rejectUnauthorized: true, servername: 'mydb.c9akciq32.us-east-1.rds.amazonaws.com' });
    // Off Lambda the runtime's file is absent: Node's own roots, and a verification error names the fix.
    if (existsSync(LAMBDA_CA_FILE)) expect(options.ca).toEqual([...tls.rootCertificates, readFileSync(LAMBDA_CA_FILE, 'utf8')]);
    else expect(options.ca).toBeUndefined();
  });

  it('trust Node\'s roots alone for any other host', async () => {
    const options = await tlsOptions('verify-full', 'db.example.com');
    expect(options).toMatchObject({ rejectUnauthorized: true });
    expect(options.ca).toBeUndefined();
  });
});
