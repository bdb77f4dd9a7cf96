// The clients bench/rtt.ts times, each used the way a handler uses it: made once at module scope
// (`open`), or made, used once and ended (`cold`). They all send the same statements; where a
// client has no call of its own for a batch, `batchVia` says what stands in for it.
import pg from 'pg';
import postgres from 'postgres';
import postgres4 from 'postgres-4';
import ServerlessClient from 'serverless-postgres';
import { createPool } from '../../src/index.js';
import { ReferenceConnection } from './pg-protocol-reference.js';

/** Statement texts for the clients that take text and parameters; the others' templates make the same. */
const READ = 'select $1::int as n';
const INSERT = 'insert into rtt_bench (client, n) values ($1, $2)';
const COUNT = 'select count(*)::int as n from rtt_bench where client = $1';

/** A module-scope client; each call is one invocation. */
export interface Client {
  read(n: number): Promise<unknown>;
  readThree(): Promise<unknown>;
  /** insert + select in one transaction. */
  transaction(n: number): Promise<unknown>;
  /** insert, select, select as one unit. */
  batch(n: number): Promise<unknown>;
  end(): Promise<unknown>;
}

export interface ClientKind {
  name: string;
  /** A driver used directly: the baseline warmpool is held against. */
  bare: boolean;
  batchVia: string;
  open(url: string, tls: boolean): Client;
  /** A new client: connects and runs a first read. Resolves to its end, which is not timed. */
  cold(url: string, tls: boolean): Promise<() => Promise<unknown>>;
}

const app = (name: string) => `rtt-${name.replace(/[^a-z0-9.]+/gi, '-')}`;

function warmpool(name: string, url: string, tls: boolean) {
  // Defaults otherwise (validateAfterIdleMs 1000 included), and no withPool: no deadline.
  return createPool({ connectionString: url, applicationName: app(name), ...(tls ? { ssl: 'require' as const } : {}) });
}

/** postgres.js 3 and 4 take the same calls for everything but the batch. */
function postgresJs(sql: postgres.Sql, me: string, batch: (n: number) => Promise<unknown>): Client {
  return {
    read: (n) => sql`select ${n}::int as n`.then(),
    readThree: () => Promise.all([1, 2, 3].map((n) => sql`select ${n}::int as n`)),
    transaction: (n) =>
      sql.begin(async (tx) => {
        await tx`insert into rtt_bench (client, n) values (${me}, ${n})`;
        return await tx`select count(*)::int as n from rtt_bench where client = ${me}`;
      }),
    batch,
    end: () => sql.end({ timeout: 1 }),
  };
}

function postgresJsOptions(name: string, tls: boolean) {
  return { max: 1, ssl: tls ? ('require' as const) : false, connection: { application_name: app(name) }, onnotice: () => {} };
}

/** The statements of a pg transaction, on one client. */
async function pgTransaction(query: (text: string, params?: unknown[]) => Promise<unknown>, me: string, n: number, statements: 2 | 3): Promise<unknown> {
  await query('begin');
  try {
    await query(INSERT, [me, n]);
    const count = await query(COUNT, [me]);
    if (statements === 3) await query(READ, [n]);
    await query('commit');
    return count;
  } catch (err) {
    await query('rollback').catch(() => {});
    throw err;
  }
}

function pgOptions(name: string, url: string, tls: boolean) {
  return { connectionString: url, application_name: app(name), ssl: tls ? { rejectUnauthorized: false } : undefined };
}

export const CLIENTS: ClientKind[] = [
  {
    name: 'warmpool',
    bare: false,
    batchVia: 'db.batch',
    open(url, tls) {
      const db = warmpool(this.name, url, tls);
      const me = this.name;
      return {
        read: (n) => db.sql`select ${n}::int as n`.then(),
        readThree: () => Promise.all([1, 2, 3].map((n) => db.sql`select ${n}::int as n`)),
        transaction: (n) =>
          db.transaction(async (tx) => {
            await tx.sql`insert into rtt_bench (client, n) values (${me}, ${n})`;
            return await tx.sql`select count(*)::int as n from rtt_bench where client = ${me}`;
          }),
        batch: (n) =>
          db.batch([
            db.sql`insert into rtt_bench (client, n) values (${me}, ${n})`,
            db.sql`select count(*)::int as n from rtt_bench where client = ${me}`,
            db.sql`select ${n}::int as n`,
          ]),
        end: () => db.end(),
      };
    },
    async cold(url, tls) {
      const db = warmpool(`${this.name}-cold`, url, tls);
      await db.sql`select ${1}::int as n`;
      return () => db.end();
    },
  },
  {
    name: 'postgres.js 3.4',
    bare: true,
    batchVia: 'sql.begin returning the 3 queries (pipelined in BEGIN…COMMIT)',
    open(url, tls) {
      const sql = postgres(url, postgresJsOptions(this.name, tls));
      const me = this.name;
      return postgresJs(sql, me, (n) =>
        sql.begin((tx) => [
          tx`insert into rtt_bench (client, n) values (${me}, ${n})`,
          tx`select count(*)::int as n from rtt_bench where client = ${me}`,
          tx`select ${n}::int as n`,
        ]),
      );
    },
    async cold(url, tls) {
      const sql = postgres(url, postgresJsOptions(`${this.name}-cold`, tls));
      await sql`select ${1}::int as n`;
      return () => sql.end({ timeout: 1 });
    },
  },
  {
    name: 'postgres.js 4.2',
    bare: true,
    batchVia: 'sql.batch (one Sync, one implicit transaction)',
    open(url, tls) {
      const sql = postgres4(url, postgresJsOptions(this.name, tls));
      const me = this.name;
      // The two majors' types differ only where this bench does not look.
      return postgresJs(sql as unknown as postgres.Sql, me, (n) =>
        sql.batch([
          sql`insert into rtt_bench (client, n) values (${me}, ${n})`,
          sql`select count(*)::int as n from rtt_bench where client = ${me}`,
          sql`select ${n}::int as n`,
        ]),
      );
    },
    async cold(url, tls) {
      const sql = postgres4(url, postgresJsOptions(`${this.name}-cold`, tls));
      await sql`select ${1}::int as n`;
      return () => sql.end({ timeout: 1 });
    },
  },
  {
    name: 'pg.Pool',
    bare: true,
    batchVia: 'BEGIN, 3 statements, COMMIT on one pooled client',
    open(url, tls) {
      // Defaults otherwise: up to 10 connections, so Promise.all may run on three of them.
      const pool = new pg.Pool(pgOptions(this.name, url, tls));
      pool.on('error', () => {}); // an idle client's error is the next query's to report
      const me = this.name;
      const onClient = async (statements: 2 | 3, n: number) => {
        const client = await pool.connect();
        try {
          return await pgTransaction((text, params) => client.query(text, params), me, n, statements);
        } finally {
          client.release();
        }
      };
      return {
        read: (n) => pool.query(READ, [n]),
        readThree: () => Promise.all([1, 2, 3].map((n) => pool.query(READ, [n]))),
        transaction: (n) => onClient(2, n),
        batch: (n) => onClient(3, n),
        end: () => pool.end(),
      };
    },
    async cold(url, tls) {
      const pool = new pg.Pool(pgOptions(`${this.name}-cold`, url, tls));
      pool.on('error', () => {});
      await pool.query(READ, [1]);
      return () => pool.end();
    },
  },
  {
    // The floor (./pg-protocol-reference.ts): one connection, each statement Parse/Bind/Describe/
    // Execute/Sync in one write, pipelined. Not a driver users run: no goal is taken from it.
    name: 'pg-protocol ref',
    bare: false,
    batchVia: 'BEGIN, 3 statements, COMMIT, one after another',
    open(url, tls) {
      if (tls) throw new Error('the pg-protocol reference has no TLS');
      const db = new ReferenceConnection(url, { applicationName: app(this.name) });
      const me = this.name;
      const query = (text: string, params?: unknown[]) => db.query(text, params);
      return {
        read: (n) => query(READ, [n]),
        readThree: () => Promise.all([1, 2, 3].map((n) => query(READ, [n]))),
        transaction: (n) => pgTransaction(query, me, n, 2),
        batch: (n) => pgTransaction(query, me, n, 3),
        end: () => db.end(),
      };
    },
    async cold(url, tls) {
      if (tls) throw new Error('the pg-protocol reference has no TLS');
      const db = new ReferenceConnection(url, { applicationName: app(`${this.name}-cold`) });
      await db.query(READ, [1]);
      return () => db.end();
    },
  },
  {
    name: 'serverless-postgres',
    bare: false,
    batchVia: 'BEGIN, 3 statements, COMMIT',
    open(url, tls) {
      const client = new ServerlessClient({ ...pgOptions(this.name, url, tls) });
      const me = this.name;
      // As its README shows: connect() at the start of each invocation, clean() at the end.
      const invocation = async <T>(work: () => Promise<T>): Promise<T> => {
        await client.connect();
        const result = await work();
        await client.clean();
        return result;
      };
      const query = (text: string, params?: unknown[]) => client.query(text, params);
      return {
        read: (n) => invocation(() => query(READ, [n])),
        readThree: () => invocation(() => Promise.all([1, 2, 3].map((n) => query(READ, [n])))),
        transaction: (n) => invocation(() => pgTransaction(query, me, n, 2)),
        batch: (n) => invocation(() => pgTransaction(query, me, n, 3)),
        end: () => client.end(),
      };
    },
    async cold(url, tls) {
      const client = new ServerlessClient({ ...pgOptions(`${this.name}-cold`, url, tls) });
      await client.connect();
      await client.query(READ, [1]);
      await client.clean();
      return () => client.end();
    },
  },
];
