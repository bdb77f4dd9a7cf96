/**
 * warmpool/aws: passwords from AWS IAM, for RDS and Aurora with IAM database authentication and for
 * Aurora DSQL. Tokens are signed locally from the function's credentials (no network call), kept
 * per container, signed anew shortly before they expire (or before the credentials that signed
 * them do: a presigned token dies with them) and at once when the server rejects one. A token is
 * a password: it never appears in an error, an event or `util.inspect`.
 *
 * Each provider needs its signer package, an optional peer dependency: `@aws-sdk/rds-signer` for
 * `rdsIamPassword`, `@aws-sdk/dsql-signer` for `dsqlPassword` and `dsqlPoolOptions`.
 */
import { WarmpoolError } from '../errors.js';
import type { PasswordSource, PoolOptions } from '../options.js';
import { type SignedToken, cachedToken } from './token-cache.js';

export { RDS_CA_REGIONS, RDS_ROOT_CERTIFICATES } from './rds-ca.js';

export type PasswordFunction = Extract<PasswordSource, Function>;

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

type CredentialSource = AwsCredentials | ((properties?: Record<string, unknown>) => Promise<AwsCredentials>);

interface SignerSettings {
  /** Default: the SDK's credential chain (on Lambda, the function role from the environment). */
  credentials?: AwsCredentials | (() => Promise<AwsCredentials>);
  /** Default: AWS_REGION. */
  region?: string;
  /** A profile of the shared AWS config files, for scripts run outside Lambda. */
  profile?: string;
  /** Milliseconds since the epoch, for the token's age. Default: the wall clock. */
  now?: () => number;
}

export interface RdsIamPasswordOptions extends SignerSettings {
  /** The instance, cluster or RDS Proxy endpoint, exactly as the pool connects to it. */
  hostname: string;
  /** @default 5432 */
  port?: number;
  /** The database user, granted `rds_iam`. */
  username: string;
}

export interface DsqlPasswordOptions extends SignerSettings {
  /** The cluster endpoint, e.g. `abcdefghijklmnop.dsql.us-east-1.on.aws`. */
  hostname: string;
  /** `admin` signs an admin token (DbConnectAdmin); any other role a DbConnect token. @default 'admin' */
  user?: string;
  /** How long a token is valid. @default 900 */
  expiresInSeconds?: number;
}

/** RDS IAM tokens are valid for 15 minutes. */
const RDS_TOKEN_LIFETIME_MS = 15 * 60_000;
/** DSQL ends a session after one hour; the pool's lifetime jitter takes up to 10 % off this. */
const DSQL_MAX_LIFETIME_MS = 55 * 60_000;

/** A password function for IAM database authentication on RDS, Aurora and RDS Proxy. */
export function rdsIamPassword(options: RdsIamPasswordOptions): PasswordFunction {
  const { hostname, port = 5432, username } = options;
  requireString('rdsIamPassword', 'hostname', hostname);
  requireString('rdsIamPassword', 'username', username);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new WarmpoolError('INVALID_OPTION', `rdsIamPassword: "port" must be an integer from 1 to 65535, got ${String(port)}.`);
  }
  const signer = lazySigner(async () => {
    const { Signer } = await loadPeer('@aws-sdk/rds-signer', 'rdsIamPassword', () => import('@aws-sdk/rds-signer'));
    const settings = { hostname, port, username, ...sdkSettings(options) };
    const tracked = expiryTracking(options.credentials ?? defaultCredentials(new Signer(settings)));
    const signer = new Signer({ ...settings, ...(tracked.credentials && { credentials: tracked.credentials }) });
    return () => tracked.sign(() => signer.getAuthToken());
  });
  return cachedToken(signing(hostname, signer), { lifetimeMs: RDS_TOKEN_LIFETIME_MS, now: options.now });
}

/** A password function for Aurora DSQL, which accepts only IAM tokens. */
export function dsqlPassword(options: DsqlPasswordOptions): PasswordFunction {
  const { hostname, user = 'admin', expiresInSeconds = 900 } = options;
  requireString('dsqlPassword', 'hostname', hostname);
  requireString('dsqlPassword', 'user', user);
  if (!Number.isInteger(expiresInSeconds) || expiresInSeconds < 60 || expiresInSeconds > 604_800) {
    throw new WarmpoolError('INVALID_OPTION', `dsqlPassword: "expiresInSeconds" must be an integer from 60 to 604800, got ${String(expiresInSeconds)}.`);
  }
  const signer = lazySigner(async () => {
    const { DsqlSigner } = await loadPeer('@aws-sdk/dsql-signer', 'dsqlPassword', () => import('@aws-sdk/dsql-signer'));
    const settings = { hostname, expiresIn: expiresInSeconds, ...sdkSettings(options) };
    const tracked = expiryTracking(options.credentials ?? defaultCredentials(new DsqlSigner(settings)));
    const signer = new DsqlSigner({ ...settings, ...(tracked.credentials && { credentials: tracked.credentials }) });
    return () => tracked.sign(() => (user === 'admin' ? signer.getDbConnectAdminAuthToken() : signer.getDbConnectAuthToken()));
  });
  return cachedToken(signing(hostname, signer), { lifetimeMs: expiresInSeconds * 1000, now: options.now });
}

/**
 * Pool options for Aurora DSQL: its one database `postgres`, TLS verified against the public CAs
 * Node ships, connections replaced before DSQL's one-hour session limit, and no session timeouts
 * sent at startup (DSQL accepts only a short list of session parameters). Spread your own options
 * after it. DSQL reports write conflicts as 40001: retry whole transactions with
 * `db.transaction(fn, { retries: 3 })` when `fn` has no effects outside the database.
 */
export function dsqlPoolOptions(options: DsqlPasswordOptions): PoolOptions {
  return {
    host: options.hostname,
    port: 5432,
    database: 'postgres',
    user: options.user ?? 'admin',
    password: dsqlPassword(options),
    ssl: 'verify-full',
    maxLifetimeMs: DSQL_MAX_LIFETIME_MS,
    serverIdleSessionTimeoutMs: 0,
  };
}

function sdkSettings({ credentials, region, profile }: SignerSettings) {
  return { ...(credentials && { credentials }), ...(region && { region }), ...(profile && { profile }) };
}

/**
 * The SDK's default credential chain as the signer chose it. The signers keep it in a field that
 * is private in their types; without it, tokens keep their own lifetime only.
 */
function defaultCredentials(signer: object): CredentialSource | undefined {
  const found = (signer as { credentials?: unknown }).credentials;
  return typeof found === 'function' || (typeof found === 'object' && found !== null) ? (found as CredentialSource) : undefined;
}

/**
 * Credentials for a signer that note when the ones it signs with expire: the earliest expiry among
 * those handed out during a signing (the RDS signer may ask twice, forcing a refresh of
 * credentials that would expire within 15 minutes).
 */
function expiryTracking(source: CredentialSource | undefined) {
  let earliest = Infinity;
  const credentials = source && (async (properties?: Record<string, unknown>) => {
    const resolved = typeof source === 'function' ? await source(properties) : source;
    if (resolved.expiration) earliest = Math.min(earliest, resolved.expiration.getTime());
    return resolved;
  });
  const sign = async (signToken: () => Promise<string>): Promise<SignedToken> => {
    earliest = Infinity;
    const token = await signToken();
    return earliest === Infinity ? { token } : { token, expiresAt: earliest };
  };
  return { credentials, sign };
}

/** Builds the signer on first use, so creating the pool at module scope costs no import. */
function lazySigner<T>(build: () => Promise<() => Promise<T>>): () => Promise<T> {
  let built: Promise<() => Promise<T>> | undefined;
  return async () => {
    built ??= build().catch((err: unknown) => {
      built = undefined;
      throw err;
    });
    return (await built)();
  };
}

function signing<T>(hostname: string, sign: () => Promise<T>): () => Promise<T> {
  return () =>
    sign().catch((err: unknown) => {
      if (err instanceof WarmpoolError) throw err;
      const reason = err instanceof Error ? err.message : String(err);
      throw new WarmpoolError('CONNECT_FAILED', `Could not sign an IAM auth token for ${hostname}: ${reason}`, { cause: err, notApplied: true });
    });
}

async function loadPeer<T>(name: string, caller: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (err) {
    throw new WarmpoolError('MISSING_PACKAGE', `${caller} needs the ${name} package, which is not installed. Fix: npm install ${name}`, { cause: err, notApplied: true });
  }
}

function requireString(caller: string, field: string, value: unknown): void {
  if (typeof value !== 'string' || value === '') {
    throw new WarmpoolError('INVALID_OPTION', `${caller}: "${field}" must be a non-empty string, got ${value === '' ? 'an empty string' : typeof value}.`);
  }
}
