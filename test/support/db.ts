import postgres from 'postgres';

/** Superuser helpers for tests: look at and kill server-side connections. */

export type AdminSql = postgres.Sql;

/** A superuser client; `database` defaults to the app database, where the tests' tables live. */
export function adminClient(url: string, database = 'warmpool'): AdminSql {
  return postgres(url, { max: 1, database, onnotice: () => {} });
}

/** Server connections whose application_name starts with `prefix`. */
export async function countConnections(admin: AdminSql, prefix: string): Promise<number> {
  const [row] = await admin`select count(*)::int as n from pg_stat_activity where application_name like ${prefix + '%'}`;
  return row.n as number;
}

export async function terminateBackend(admin: AdminSql, pid: number): Promise<void> {
  await admin`select pg_terminate_backend(${pid})`;
  for (let i = 0; i < 200; i++) {
    const [row] = await admin`select count(*)::int as n from pg_stat_activity where pid = ${pid}`;
    if (row.n === 0) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`backend ${pid} did not exit`);
}

export function uniqueName(prefix: string): string {
  return `${prefix}_${Math.random().toString(36).slice(2, 10)}`;
}
