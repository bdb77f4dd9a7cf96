// Type test, checked by `npm run typecheck` (never run): these lines must compile, and each line
// after a `@ts-expect-error` must not.
import { DatabaseError, WarmpoolError, type Pool, type Result, type SqlState, type Transaction, type ValuesResult, type WarmpoolErrorCode } from '../src/index.js';
import type { Context } from 'aws-lambda';
import { idempotent } from '../src/lambda/index.js';

interface User {
  id: number;
  name: string;
}

declare const db: Pool;
declare const tx: Transaction;

export async function rows(): Promise<void> {
  // An interface is a row type (no index signature needed).
  const users = await db.sql<User>`select id, name from users`;
  users satisfies Result<User>;
  users[0].name satisfies string;
  users.count satisfies number;
  users.command satisfies string;
  users.columns[0].type satisfies number;
  // @ts-expect-error: not a column of User
  void users[0].email;
  const fromTx = await tx.query<User>('select id, name from users', [], { textTypes: [1082] });
  fromTx[0].id satisfies number;
  // @ts-expect-error: a row type is an object
  db.sql<string>`select 1`;
}

export async function values(): Promise<void> {
  const pairs = await db.sql`select a.id, b.id from a, b`.values<[number, string]>();
  pairs satisfies ValuesResult<[number, string]>;
  pairs[0][1] satisfies string;
  pairs.count satisfies number;
  const retried = await db.query('select 1', [], { idempotent: true, textTypes: [1114] }).idempotent().values().idempotent();
  retried[0] satisfies unknown[];
}

export async function batch(): Promise<void> {
  const [users, counts, pairs] = await db.batch([db.sql<User>`select * from users`, db.sql<{ n: string }>`select count(*) as n from users`, db.sql`select 1, 2`.values<[number, number]>()]);
  users[0].name satisfies string;
  counts[0].n satisfies string;
  pairs[0][1] satisfies number;
  counts.count satisfies number;
  // @ts-expect-error: the second entry has no column name
  void counts[0].name;
  // An array of unknown length gives an array of results.
  const many = await db.batch([db.sql`select 1`, db.sql`select 2`] as ReturnType<typeof db.sql>[]);
  many.map((r) => r.count) satisfies number[];
}

export function errors(e: unknown): void {
  if (!(e instanceof WarmpoolError)) return;
  if (e.code === 'OUTCOME_UNKNOWN') {
    const code: 'OUTCOME_UNKNOWN' = e.code;
    void code;
  }
  // @ts-expect-error: a misspelt code does not compile
  if (e.code === 'OUTCOME_UNKOWN') return;
  e.code satisfies WarmpoolErrorCode | SqlState;
  if (e.sqlState === '40001') return;
  if (e instanceof DatabaseError) {
    e.code satisfies SqlState;
    const sqlState: string = e.code;
    void sqlState;
    if (e.code === '23505' || e.code === 'P0001' || e.code === 'XX000') return;
    // @ts-expect-error: a server error never has a warmpool code
    if (e.code === 'CONNECTION_LOST') return;
  }
}

export function idempotentHandler(): void {
  const handler = idempotent(db, async (event: { id: string }, t, context: Context) => {
    await t.sql`select ${context.functionName}`;
    return { ok: true };
  }, { key: (event) => event.id, payload: (event) => event });
  handler satisfies (event: { id: string }, context: Context) => Promise<{ ok: boolean }>;
  // @ts-expect-error: a key is a string or a number
  idempotent(db, async (event: { ids: string[] }) => 1, { key: (event) => event.ids });
  // @ts-expect-error: key is required
  idempotent(db, async (event: { id: string }) => 1, { payload: (event) => event.id });
}
