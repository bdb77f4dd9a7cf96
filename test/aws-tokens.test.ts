import { inspect } from 'node:util';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { dsqlPassword, dsqlPoolOptions, rdsIamPassword } from '../src/aws/index.js';
import { createPool, type PoolEvent } from '../src/index.js';
import { adminClient, uniqueName } from './support/db.js';
import { adminUrl, databaseUrl } from './support/env.js';
import { registerSecret } from './support/secret-watch.js';

// Placeholder credentials: the real signers compute tokens locally, so nothing leaves the machine.
const SECRET_KEY = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const SESSION_TOKEN = 'placeholder-session-token-for-warmpool-tests';
registerSecret(SECRET_KEY);
registerSecret(SESSION_TOKEN);

/** A credentials provider that counts its calls: the signers resolve credentials once per token. */
function countingCredentials() {
  const counter = { signings: 0 };
  const credentials = async () => {
    counter.signings++;
    return { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: SECRET_KEY, sessionToken: SESSION_TOKEN };
  };
  return { counter, credentials };
}

const admin = adminClient(adminUrl());
const server = new URL(databaseUrl());
const roles: string[] = [];
afterAll(async () => {
  for (const role of roles) await admin.unsafe(`drop role if exists ${role}`);
  await admin.end();
});

async function roleWithPassword(password: string): Promise<string> {
  const role = uniqueName('iam');
  roles.push(role);
  await admin.unsafe(`create role ${role} login password '${password.replaceAll("'", "''")}'`);
  return role;
}

describe('RDS IAM tokens', () => {
  it('signs a token the server takes as the password, once for all of a container’s connections', async () => {
    const { counter, credentials } = countingCredentials();
    const username = uniqueName('iam');
    const password = rdsIamPassword({ hostname: server.hostname, port: Number(server.port), username, region: 'us-east-1', credentials });
    const token = await password({ refresh: false });
    registerSecret(token);
    expect(token).toMatch(new RegExp(`^${server.hostname}:${server.port}/\\?Action=connect&DBUser=${username}&`));
    expect(token).toContain('X-Amz-Expires=900');
    roles.push(username);
    await admin.unsafe(`create role ${username} login password '${token}'`);

    const db = createPool({ host: server.hostname, port: Number(server.port), database: server.pathname.slice(1), user: username, password, max: 3, applicationName: 'iam-cache' });
    const rows = await Promise.all([1, 2, 3].map(() => db.sql`select current_user as who, pg_sleep(0.05)`));
    expect(rows.map(([row]) => row.who)).toEqual([username, username, username]);
    expect(db.stats().created).toBe(3);
    expect(counter.signings).toBe(1);
    await db.end();
  });

  it('signs anew before the token expires, with jitter, and shares one signing between callers', async () => {
    const { counter, credentials } = countingCredentials();
    let now = Date.parse('2026-01-01T00:00:00Z');
    const password = rdsIamPassword({ hostname: 'db.example.internal', username: 'app', region: 'us-east-1', credentials, now: () => now });
    const first = await password({ refresh: false });
    now += 10 * 60_000; // the earliest renewal is at 10.5 minutes of a 15-minute token
    expect(await password({ refresh: false })).toBe(first);
    expect(counter.signings).toBe(1);
    now += 2 * 60_000; // past the latest renewal, 12 minutes
    const [a, b] = await Promise.all([password({ refresh: false }), password({ refresh: false })]);
    expect(a).toBe(b);
    expect(counter.signings).toBe(2);
  });

  it('signs anew at once after the server rejects a token, and never shows a token in the error', async () => {
    const { counter, credentials } = countingCredentials();
    const role = await roleWithPassword('not-an-iam-token');
    let now = Date.now();
    const password = rdsIamPassword({ hostname: server.hostname, port: Number(server.port), username: role, region: 'us-east-1', credentials, now: () => now });
    const stale = await password({ refresh: false });
    registerSecret(stale);
    now += 5_000;
    const events: PoolEvent[] = [];
    const db = createPool({ host: server.hostname, port: Number(server.port), database: server.pathname.slice(1), user: role, password, maxConnectAttempts: 1, onEvent: (e) => events.push(e), applicationName: 'iam-reject' });
    const error = await db.sql`select 1`.then(() => null, (e: unknown) => e);
    expect(error).toMatchObject({ code: 'CONNECT_FAILED', sqlState: '28P01', notApplied: true });
    // One token from the cache, one signed at once after 28P01: both rejected by this server.
    expect(counter.signings).toBe(2);
    expect(events.filter((e) => e.type === 'connect-retry')).toMatchObject([{ reason: '28P01' }]);
    // Signed within the same second, the new token may equal the old one (SigV4 dates are in seconds).
    const fresh = await password({ refresh: false });
    registerSecret(fresh);
    for (const shown of [String(error), JSON.stringify(error), inspect(error, { depth: 5 }), JSON.stringify(events)]) {
      for (const secret of [stale, fresh, SECRET_KEY, SESSION_TOKEN]) expect(shown).not.toContain(secret);
      expect(shown).not.toContain('X-Amz-Signature');
    }
    await db.end();
  });

  it('drops a signing its caller gave up on: the next call signs anew', async () => {
    let calls = 0;
    const credentials = async () => {
      calls++;
      if (calls === 1) return new Promise<never>(() => {}); // credentials that never arrive (a hung metadata endpoint)
      return { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: SECRET_KEY, sessionToken: SESSION_TOKEN };
    };
    const password = rdsIamPassword({ hostname: 'db.example.internal', username: 'app', region: 'us-east-1', credentials });
    const gaveUp = new AbortController();
    void password({ refresh: false, signal: gaveUp.signal });
    await vi.waitFor(() => expect(calls).toBe(1));
    gaveUp.abort();
    const next = password({ refresh: false });
    await vi.waitFor(() => expect(calls).toBe(2));
    expect(await next).toContain('DBUser=app');
  });

  it('through a pool: a signing that hangs is given up at connectTimeoutMs and the next attempt signs anew', async () => {
    let calls = 0;
    const credentials = async () => {
      calls++;
      if (calls === 1) return new Promise<never>(() => {});
      return { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: SECRET_KEY, sessionToken: SESSION_TOKEN };
    };
    const role = await roleWithPassword('not-an-iam-token');
    const password = rdsIamPassword({ hostname: server.hostname, port: Number(server.port), username: role, region: 'us-east-1', credentials });
    const events: PoolEvent[] = [];
    const db = createPool({ host: server.hostname, port: Number(server.port), database: server.pathname.slice(1), user: role, password, connectTimeoutMs: 300, maxConnectAttempts: 2, onEvent: (e) => events.push(e), applicationName: 'iam-hung' });
    const error = await db.sql`select 1`.then(() => null, (e: unknown) => e);
    // The second attempt got a token (which this server refuses), not the hung signing again.
    expect(error).toMatchObject({ code: 'CONNECT_FAILED', sqlState: '28P01', notApplied: true });
    expect(events.filter((e) => e.type === 'connect-retry').map((e) => e.type === 'connect-retry' && e.reason)).toEqual(['CONNECT_FAILED', '28P01']);
    await db.end();
  });

  it('signs anew before the credentials that signed the token expire, inside its 15 minutes', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const expiration = new Date(now + 5 * 60_000);
    let signings = 0;
    // The RDS signer asks again with forceRefresh for credentials that expire within 15 minutes; these cannot be refreshed.
    const credentials = async (properties?: Record<string, unknown>) => {
      if (!properties?.forceRefresh) signings++;
      return { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: SECRET_KEY, sessionToken: SESSION_TOKEN, expiration };
    };
    const password = rdsIamPassword({ hostname: 'db.example.internal', username: 'app', region: 'us-east-1', credentials, now: () => now });
    const first = await password({ refresh: false });
    now += 3 * 60_000; // before the earliest renewal: 5 minutes − 1 minute − 30 s of jitter
    expect(await password({ refresh: false })).toBe(first);
    expect(signings).toBe(1);
    now += 60_000 + 30_000; // past the latest renewal, 4 minutes; the token itself would last 15
    await password({ refresh: false });
    expect(signings).toBe(2);
  });

  it('reads the expiry of credentials from the SDK’s default chain (here the environment, as on Lambda)', async () => {
    const start = Date.now();
    let now = start;
    const rotated = 'placeholder-session-token-rotated';
    registerSecret(rotated);
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDEXAMPLE');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', SECRET_KEY);
    vi.stubEnv('AWS_SESSION_TOKEN', SESSION_TOKEN);
    vi.stubEnv('AWS_CREDENTIAL_EXPIRATION', new Date(start + 5 * 60_000).toISOString());
    try {
      const password = rdsIamPassword({ hostname: 'db.example.internal', username: 'app', region: 'us-east-1', now: () => now });
      const first = await password({ refresh: false });
      expect(first).toContain(`X-Amz-Security-Token=${SESSION_TOKEN}`);
      // New credentials in the environment: a token signed anew carries them.
      vi.stubEnv('AWS_SESSION_TOKEN', rotated);
      vi.stubEnv('AWS_CREDENTIAL_EXPIRATION', new Date(start + 60 * 60_000).toISOString());
      now += 3 * 60_000;
      expect(await password({ refresh: false })).toBe(first);
      now += 90_000; // past the latest renewal for credentials that expire at 5 minutes
      expect(await password({ refresh: false })).toContain(`X-Amz-Security-Token=${rotated}`);
      // The DSQL signer takes the same chain.
      expect(await dsqlPassword({ hostname: 'abcdefghijklmnopqrstuvwxyz.dsql.us-east-1.on.aws', region: 'us-east-1' })({ refresh: false })).toContain(`X-Amz-Security-Token=${rotated}`);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('refuses bad settings with the field and the fix', () => {
    expect(() => rdsIamPassword({ hostname: '', username: 'app' })).toThrow(expect.objectContaining({ code: 'INVALID_OPTION', message: expect.stringContaining('"hostname"') }));
    expect(() => rdsIamPassword({ hostname: 'h', username: 'app', port: 0 })).toThrow(/"port" must be an integer from 1 to 65535/);
  });
});

describe('Aurora DSQL tokens', () => {
  it('signs admin and role tokens that last expiresInSeconds, cached for that long', async () => {
    const { counter, credentials } = countingCredentials();
    let now = Date.parse('2026-01-01T00:00:00Z');
    const hostname = 'abcdefghijklmnopqrstuvwxyz.dsql.us-east-1.on.aws';
    const adminToken = await dsqlPassword({ hostname, region: 'us-east-1', credentials })({ refresh: false });
    expect(adminToken).toMatch(new RegExp(`^${hostname.replaceAll('.', '\\.')}/\\?Action=DbConnectAdmin&`));
    const role = dsqlPassword({ hostname, user: 'app_role', region: 'us-east-1', credentials, expiresInSeconds: 300, now: () => now });
    const token = await role({ refresh: false });
    expect(token).toContain('Action=DbConnect&');
    expect(token).toContain('X-Amz-Expires=300');
    now += 200_000; // before the earliest renewal (300 s − 60 s − 30 s of jitter)
    expect(await role({ refresh: false })).toBe(token);
    now += 50_000; // past the latest renewal, 240 s
    await role({ refresh: false });
    expect(counter.signings).toBe(3);
  });

  it('gives pool options that fit DSQL: TLS verified, sessions under an hour, no session timeouts sent', () => {
    const options = dsqlPoolOptions({ hostname: 'abcdefghijklmnopqrstuvwxyz.dsql.us-east-1.on.aws', region: 'us-east-1' });
    expect(options).toMatchObject({ port: 5432, database: 'postgres', user: 'admin', ssl: 'verify-full', maxLifetimeMs: 55 * 60_000, serverIdleSessionTimeoutMs: 0 });
    expect(typeof options.password).toBe('function');
    const db = createPool({ ...options, applicationName: 'dsql-options' });
    expect(db.toJSON()).toMatchObject({ host: 'abcdefghijklmnopqrstuvwxyz.dsql.us-east-1.on.aws', database: 'postgres', user: 'admin' });
    return db.end();
  });

  it('refuses a token lifetime DSQL would not accept', () => {
    expect(() => dsqlPassword({ hostname: 'h', expiresInSeconds: 10 })).toThrow(/"expiresInSeconds" must be an integer from 60 to 604800/);
  });
});
