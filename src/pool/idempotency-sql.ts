/**
 * The table a keyed transaction records its key and result in, and the statements that use it.
 * Every statement is one statement of the extended protocol and leaves nothing in the session
 * (settings are changed with `set_config(…, true)` only), so they work behind a transaction
 * pooler and with `prepare` on or off.
 */

/** The table's name, in the first schema of the `search_path`. */
export const IDEMPOTENCY_TABLE = 'warmpool_idempotency';

const CREATE_TABLE = `create table if not exists ${IDEMPOTENCY_TABLE} (
  key text primary key,
  payload_hash text,
  result json,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null
)`;

const CREATE_INDEX = `create index if not exists ${IDEMPOTENCY_TABLE}_expires_at on ${IDEMPOTENCY_TABLE} (expires_at)`;

/** The statements that create the table, one by one; each is safe to run again. */
export const CREATE_STATEMENTS: readonly string[] = [CREATE_TABLE, CREATE_INDEX];

/**
 * The table as a migration, for databases where the application's user may not run DDL: run it
 * once with your migrations (it is safe to run again), and pass `createTable: false`.
 */
export const IDEMPOTENCY_MIGRATION = `${CREATE_TABLE};\n${CREATE_INDEX};\n`;

/**
 * Claims the key for this transaction, in one statement:
 * - `prev`: the session's lock_timeout, read before this statement changes it;
 * - `swept`: deletes at most $5 expired rows of other keys, skipping rows another transaction
 *   holds, so expiry needs no cron and never waits;
 * - `claimed`: inserts the key. A row of the key that expired is taken over when $6 (a lookup
 *   takes over nothing: any row there is an answer); a live one is left alone (no row returned). A row another transaction inserted and has not committed makes the
 *   insert wait for that transaction, at most lock_timeout = $4 (then 55P03);
 * - the outer select restores lock_timeout once the insert is done, so the caller's own
 *   statements run under their usual setting.
 * The source of the insert reads `prev` before setting lock_timeout: a subquery with a volatile
 * target list is neither flattened nor pruned, and a materialized CTE is read once.
 */
export const CLAIM = `with prev as materialized (select current_setting('lock_timeout') as v),
swept as (
  delete from ${IDEMPOTENCY_TABLE} where ctid = any(array(
    select ctid from ${IDEMPOTENCY_TABLE} where expires_at < now() and key <> $1::text
    order by expires_at limit $5::int for update skip locked))
),
claimed as (
  insert into ${IDEMPOTENCY_TABLE} as t (key, payload_hash, expires_at)
  select $1::text, $2::text, now() + $3::float8 * interval '1 millisecond'
  from (select set_config('lock_timeout', $4::text, true) as waiting from prev) as w
  on conflict (key) do update set payload_hash = excluded.payload_hash, result = null, created_at = now(), expires_at = excluded.expires_at
    where t.expires_at <= now() and $6::boolean
  returning 1
)
select c.n as claimed, set_config('lock_timeout', (select v from prev), true) as restored
from (select count(*)::int as n from claimed) as c`;

/**
 * Claims the key as the first statement of a keyed batch, whose transaction cannot store a result
 * or branch on an answer (over HTTP it is one request): it fails, and so rolls the batch back,
 * when the key is live.
 * - `w` sets lock_timeout = $4 after `prev` read it, so no wait below outlasts it (then 55P03);
 * - `gone` deletes the key's own row once it expired (waiting for a transaction holding it);
 * - the insert reads `gone` first, so that delete is done before it; a live row of the key fails
 *   it with 23505 on the table's primary key (a row not committed yet makes it wait for that
 *   transaction's end, and fail only if it committed);
 * - `swept` deletes at most $5 expired rows of other keys, skipping held ones, as CLAIM does;
 * - RETURNING restores lock_timeout for the batch's own statements.
 */
export const BATCH_CLAIM = `with prev as materialized (select current_setting('lock_timeout') as v),
w as materialized (select set_config('lock_timeout', $4::text, true) as waiting from prev),
gone as (
  delete from ${IDEMPOTENCY_TABLE} where key = $1::text and expires_at <= now() and (select count(*) from w) = 1
  returning 1
),
swept as (
  delete from ${IDEMPOTENCY_TABLE} where ctid = any(array(
    select ctid from ${IDEMPOTENCY_TABLE} where expires_at < now() and key <> $1::text
    order by expires_at limit $5::int for update skip locked))
)
insert into ${IDEMPOTENCY_TABLE} (key, payload_hash, expires_at)
select $1::text, $2::text, now() + $3::float8 * interval '1 millisecond'
from w where (select count(*) from gone) >= 0
returning set_config('lock_timeout', (select v from prev), true) as restored`;

/** The committed row of a key that was not claimed: read in a statement of its own, whose snapshot sees it. */
export const READ = `select payload_hash, result::text as result from ${IDEMPOTENCY_TABLE} where key = $1::text`;

/** Stores the result in the claimed row; sent together with COMMIT. */
export const STORE = `update ${IDEMPOTENCY_TABLE} set result = $2::json where key = $1::text`;
