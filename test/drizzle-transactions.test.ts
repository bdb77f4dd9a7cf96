import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { eq, sql } from 'drizzle-orm';
import { DrizzleQueryError, TransactionRollbackError } from 'drizzle-orm/errors';
import { drizzle as drizzlePostgresJs } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgresJs } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drizzle } from '../src/adapters/drizzle/index.js';
import { migrate } from '../src/adapters/drizzle/migrator.js';
import { uniqueName } from './support/db.js';
import { drizzleOnEveryTransport } from './support/drizzle-transports.js';
import type { Pool } from '../src/index.http.js';
import { databaseUrl } from './support/env.js';

// Drizzle's transactions (with nested savepoints), db.batch, the migrator and error wrapping over
// warmpool: transactions on TCP and WebSocket, batch and the migrator on every transport.

const { schema, pools, dbs } = drizzleOnEveryTransport('drizzle-tx');
const { users, posts } = schema;

const namesLike = async (prefix: string) =>
  (await dbs.tcp.select({ name: users.name }).from(users).where(sql`${users.name} like ${prefix + '%'}`).orderBy(users.name)).map((r) => r.name);

const errorOf = (work: PromiseLike<unknown>) => Promise.resolve(work).then(() => null, (e: unknown) => e as Error & { cause?: { code?: string; notApplied?: boolean } });

for (const transport of ['tcp', 'websocket'] as const) {
  describe(`transactions on ${transport}`, () => {
    it('commit, and return the callback value', async () => {
      const p = uniqueName(`${transport}_commit`);
      const id = await dbs[transport].transaction(async (tx) => {
        const [row] = await tx.insert(users).values({ name: `${p}_a` }).returning({ id: users.id });
        await tx.insert(posts).values({ userId: row.id, title: 'in tx' });
        return row.id;
      });
      expect(await namesLike(p)).toEqual([`${p}_a`]);
      expect(await dbs.tcp.select({ title: posts.title }).from(posts).where(eq(posts.userId, id))).toEqual([{ title: 'in tx' }]);
    });

    it('roll back on tx.rollback(), rejecting with TransactionRollbackError', async () => {
      const p = uniqueName(`${transport}_rollback`);
      const error = await errorOf(dbs[transport].transaction(async (tx) => {
        await tx.insert(users).values({ name: `${p}_a` });
        tx.rollback();
      }));
      expect(error).toBeInstanceOf(TransactionRollbackError);
      expect(await namesLike(p)).toEqual([]);
    });

    it('roll back a nested transaction (a savepoint) alone, two levels deep, and keep the outer work', async () => {
      const p = uniqueName(`${transport}_nested`);
      await dbs[transport].transaction(async (tx) => {
        await tx.insert(users).values({ name: `${p}_outer` });
        await tx.transaction(async (inner) => {
          await inner.insert(users).values({ name: `${p}_inner` });
          const error = await errorOf(inner.transaction(async (deepest) => {
            await deepest.insert(users).values({ name: `${p}_deepest` });
            deepest.rollback();
          }));
          expect(error).toBeInstanceOf(TransactionRollbackError);
        });
        const error = await errorOf(tx.transaction(async (inner) => {
          await inner.insert(users).values({ name: `${p}_failed` });
          throw new Error('inner work failed');
        }));
        expect(error?.message).toBe('inner work failed');
        // The outer transaction sees its own work and the committed savepoint, not the rolled-back ones.
        expect((await tx.select({ name: users.name }).from(users).where(sql`${users.name} like ${p + '%'}`).orderBy(users.name)).map((r) => r.name)).toEqual([`${p}_inner`, `${p}_outer`]);
      });
      expect(await namesLike(p)).toEqual([`${p}_inner`, `${p}_outer`]);
    });

    it('apply isolation level and access mode', async () => {
      const seen = await dbs[transport].transaction(async (tx) => {
        const [row] = await tx.execute<{ iso: string; ro: string }>(sql`select current_setting('transaction_isolation') as iso, current_setting('transaction_read_only') as ro`);
        return row;
      }, { isolationLevel: 'serializable', accessMode: 'read only' });
      expect(seen).toEqual({ iso: 'serializable', ro: 'on' });
      const error = await errorOf(dbs[transport].transaction((tx) => tx.insert(users).values({ name: 'never' }), { accessMode: 'read only' }));
      expect(error).toBeInstanceOf(DrizzleQueryError);
      expect(error?.cause).toMatchObject({ code: '25006' });
    });
  });
}

describe('transactions on HTTP', () => {
  it('are refused with a coded error that points to db.batch', async () => {
    const error = await errorOf(dbs.http.transaction(async (tx) => tx.insert(users).values({ name: 'never' })));
    expect(error).toMatchObject({ code: 'NOT_SUPPORTED_ON_TRANSPORT', notApplied: true });
    expect(error?.message).toContain('batch');
  });
});

describe('db.batch', () => {
  for (const transport of ['tcp', 'http', 'websocket'] as const) {
    it(`on ${transport}: runs builders, relational queries and db.execute in one transaction with typed results`, async () => {
      const db = dbs[transport];
      const p = uniqueName(`${transport}_batch`);
      const [inserted, selected, relational, executed, updated] = await db.batch([
        db.insert(users).values({ name: `${p}_a`, profile: { city: 'Rome', langs: ['it'] }, createdAt: new Date('2024-02-29T12:00:00Z') }).returning({ id: users.id, name: users.name, createdAt: users.createdAt }),
        db.select({ name: users.name, profile: users.profile }).from(users).where(eq(users.name, `${p}_a`)),
        db.query.users.findFirst({ where: eq(users.name, `${p}_a`), columns: { name: true }, with: { posts: true } }),
        db.execute<{ iso: string; txid_in_batch: string }>(sql`select current_setting('transaction_isolation') as iso, txid_current()::text as txid_in_batch`),
        db.update(users).set({ ratio: 3 }).where(eq(users.name, `${p}_a`)),
      ]);
      expect(inserted).toEqual([{ id: expect.any(Number), name: `${p}_a`, createdAt: new Date('2024-02-29T12:00:00Z') }]);
      expect(selected).toEqual([{ name: `${p}_a`, profile: { city: 'Rome', langs: ['it'] } }]);
      expect(relational).toEqual({ name: `${p}_a`, posts: [] });
      expect([...executed]).toEqual([{ iso: 'read committed', txid_in_batch: expect.any(String) }]);
      expect((updated as unknown as { count: number }).count).toBe(1);
    });

    it(`on ${transport}: applies nothing when one statement fails`, async () => {
      const db = dbs[transport];
      const p = uniqueName(`${transport}_atomic`);
      const error = await errorOf(db.batch([db.insert(users).values({ name: `${p}_a` }), db.insert(posts).values({ userId: -1, title: 'no such user' })]));
      expect(error).toBeTruthy();
      expect(JSON.stringify({ code: (error as { code?: string }).code ?? error?.cause?.code })).toContain('23503');
      expect(await namesLike(p)).toEqual([]);
    });
  }
});

describe('drizzle-orm’s migrator', () => {
  let folder: string;
  beforeAll(() => {
    folder = mkdtempSync(path.join(tmpdir(), 'dz-migrations-'));
    mkdirSync(path.join(folder, 'meta'));
  });
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  /** Writes migration `tag` and lists it in the journal, as drizzle-kit does. */
  function addMigration(idx: number, when: number, statements: string[]) {
    const tag = `000${idx}_step`;
    writeFileSync(path.join(folder, `${tag}.sql`), statements.join('\n--> statement-breakpoint\n'));
    const entries = Array.from({ length: idx + 1 }, (_, i) => ({ idx: i, version: '7', when: when - (idx - i) * 1000, tag: `000${i}_step`, breakpoints: true }));
    writeFileSync(path.join(folder, 'meta', '_journal.json'), JSON.stringify({ version: '7', dialect: 'postgresql', entries }));
  }

  it('applies pending migrations once on every transport, with the journal drizzle-orm/postgres-js writes', async () => {
    const table = uniqueName('dz_migrated');
    addMigration(0, 1_700_000_000_000, [`create table ${table} (id serial primary key, note text)`, `insert into ${table} (note) values ('from 0000')`]);
    const journals: Record<string, unknown> = {};
    const ref = postgres(databaseUrl(), { max: 1, onnotice: () => {} });
    try {
      const refSchema = uniqueName('dz_journal_ref');
      await migratePostgresJs(drizzlePostgresJs(ref), { migrationsFolder: folder, migrationsSchema: refSchema });
      journals.postgresJs = await ref.unsafe(`select hash, created_at from ${refSchema}.__drizzle_migrations order by id`);
      await ref.unsafe(`drop table ${table}`);
      await ref.unsafe(`drop schema ${refSchema} cascade`);
    } finally {
      await ref.end();
    }
    for (const transport of ['tcp', 'http', 'websocket'] as const) {
      const journal = uniqueName(`dz_journal_${transport}`);
      addMigration(0, 1_700_000_000_000, [`create table ${table} (id serial primary key, note text)`, `insert into ${table} (note) values ('from 0000')`]);
      await migrate(dbs[transport], { migrationsFolder: folder, migrationsSchema: journal });
      await migrate(dbs[transport], { migrationsFolder: folder, migrationsSchema: journal }); // nothing pending: a no-op
      journals[transport] = await pools.tcp.query(`select hash, created_at from ${journal}.__drizzle_migrations order by id`);
      expect(await pools.tcp.query(`select note from ${table}`)).toEqual([{ note: 'from 0000' }]);
      // A second migration that fails half-way leaves neither its first statement nor its journal row.
      addMigration(1, 1_700_000_100_000, [`insert into ${table} (note) values ('from 0001')`, `insert into ${table} (id) values ('not a number')`]);
      expect(await errorOf(migrate(dbs[transport], { migrationsFolder: folder, migrationsSchema: journal }))).toBeTruthy();
      expect(await pools.tcp.query(`select count(*)::int as n from ${journal}.__drizzle_migrations`)).toEqual([{ n: 1 }]);
      expect(await pools.tcp.query(`select note from ${table}`)).toEqual([{ note: 'from 0000' }]);
      await pools.tcp.query(`drop table ${table}`);
      await pools.tcp.query(`drop schema ${journal} cascade`);
      rmSync(path.join(folder, '0001_step.sql'));
    }
    expect(journals.tcp).toEqual(journals.postgresJs);
    expect(journals.http).toEqual(journals.postgresJs);
    expect(journals.websocket).toEqual(journals.postgresJs);
  });
});

describe('errors', () => {
  it('wrap the WarmpoolError in DrizzleQueryError, SQLSTATE reachable, on every transport', async () => {
    for (const transport of ['tcp', 'http', 'websocket'] as const) {
      const error = await errorOf(dbs[transport].insert(posts).values({ userId: -1, title: 'orphan' }));
      expect(error).toBeInstanceOf(DrizzleQueryError);
      expect(error?.cause).toMatchObject({ name: 'DatabaseError', code: '23503' });
    }
  });

  it('refuse what is not a pool, and unknown options', () => {
    expect(() => drizzle({} as Pool)).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }));
    expect(() => drizzle(pools.tcp, { schema, loger: true } as never)).toThrow(/Unknown drizzle option "loger"/);
  });
});
