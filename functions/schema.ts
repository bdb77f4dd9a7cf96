import type { Pool } from 'warmpool';

/**
 * Creates the tables the samples use. Idempotent, and safe when several containers run it at once:
 * two concurrent `create table if not exists` can still collide in the catalog (23505 on
 * pg_type), so every run first takes a transaction-scoped advisory lock and the others wait.
 */
export async function migrate(db: Pool): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.sql`select pg_advisory_xact_lock(hashtext('warmpool-samples:migrate'))`;
    await tx.sql`
      create table if not exists items (
        id          serial primary key,
        name        text not null,
        price_cents int not null check (price_cents >= 0),
        created_at  timestamptz not null default now()
      )`;
    await tx.sql`
      create table if not exists orders (
        id          bigserial primary key,
        item_id     int not null references items,
        quantity    int not null check (quantity > 0),
        request_id  text not null unique,
        created_at  timestamptz not null default now()
      )`;
    await tx.sql`create index if not exists orders_item_id_idx on orders (item_id)`;
  });
}
