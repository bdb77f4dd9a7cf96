/**
 * The sample Worker's routes, the same small JSON API as the Lambda samples:
 *   GET  /items/:id   a read marked idempotent
 *   POST /orders      {"itemId": 1, "quantity": 2}, idempotent through an Idempotency-Key
 *   GET  /health      { ok, runtime, transport, stats }
 * index.ts serves them over HTTP or WebSocket (warmpool/worker), tcp.ts over TCP (Hyperdrive).
 * Every request gets its own pool, ended through ctx.waitUntil: nothing is shared across requests.
 */
import type { FetchHandler, WorkerPoolOptions, withPool as WithPool } from 'warmpool/worker';
import { DatabaseError, WarmpoolError, detectRuntime, isTransient, type Pool, type TransportName } from 'warmpool/worker';

export interface Env {
  /** postgres://user:password@host:5432/db; better a secret (`wrangler secret put DATABASE_URL`). */
  DATABASE_URL?: string;
  /** The warmpool gateway's /sql URL (HTTP transport). */
  WARMPOOL_HTTP_ENDPOINT?: string;
  /** The gateway's ws(s)://…/v2 URL (WebSocket transport). */
  WARMPOOL_WS_PROXY?: string;
  /** The gateway's bearer token, if it has one (a secret). */
  WARMPOOL_AUTH_TOKEN?: string;
  /** 'auto' (default), 'http', 'websocket' or 'tcp'. */
  WARMPOOL_TRANSPORT?: string;
  /** A Hyperdrive binding: 'auto' then picks TCP (with tcp.ts as main). */
  HYPERDRIVE?: { connectionString: string };
}

export const poolOptions: WorkerPoolOptions<Env> = (env) => ({
  ...(env.HYPERDRIVE ? { hyperdrive: env.HYPERDRIVE } : { connectionString: env.DATABASE_URL }),
  httpEndpoint: env.WARMPOOL_HTTP_ENDPOINT || undefined,
  wsProxy: env.WARMPOOL_WS_PROXY || undefined,
  authToken: env.WARMPOOL_AUTH_TOKEN || undefined,
  transport: (env.WARMPOOL_TRANSPORT || 'auto') as 'auto' | TransportName,
  // A request runs its statements one after another; 1 keeps one socket (or HTTP request) per request.
  max: 1,
});

export function createWorker(withPool: typeof WithPool): { fetch: FetchHandler<Env> } {
  return { fetch: withPool(poolOptions, route) };
}

/** The routes, also callable from Node with any pool (the tests compare both). */
export async function route(request: Request, db: Pool): Promise<Response> {
  const { pathname } = new URL(request.url);
  const item = /^\/items\/([^/]+)$/.exec(pathname);
  if (item && request.method === 'GET') return getItem(db, item[1]);
  if (pathname === '/orders' && request.method === 'POST') return createOrder(db, request);
  if (pathname === '/health' && request.method === 'GET') return health(db);
  return json(404, { error: 'not found' });
}

async function getItem(db: Pool, raw: string): Promise<Response> {
  const id = /^[0-9]{1,10}$/.test(raw) ? Number(raw) : NaN;
  if (!(id >= 1 && id <= 2_147_483_647)) return json(400, { error: 'id must be a positive integer' });
  try {
    const [item] = await db.sql`
      select id, name, price_cents as "priceCents", created_at as "createdAt"
      from items where id = ${id}`.idempotent();
    return item ? json(200, item) : json(404, { error: 'item not found' });
  } catch (err) {
    return errorResponse(err);
  }
}

const ORDER_COLUMNS = 'id, item_id as "itemId", quantity, request_id as "requestId", created_at as "createdAt"';

async function createOrder(db: Pool, request: Request): Promise<Response> {
  let body: Record<string, unknown>;
  try {
    body = ((await request.json()) ?? {}) as Record<string, unknown>;
  } catch {
    return json(400, { error: 'body must be JSON' });
  }
  const { itemId, quantity } = body;
  if (!isInt(itemId, 1, 2_147_483_647)) return json(400, { error: 'itemId must be a positive integer' });
  if (!isInt(quantity, 1, 1_000)) return json(400, { error: 'quantity must be an integer from 1 to 1000' });
  // The same key always maps to one order row. cf-ray is unique per HTTP request, so it only
  // guards against the same request being handled twice; a client that retries sends its own key.
  const requestId = request.headers.get('idempotency-key') ?? request.headers.get('cf-ray') ?? crypto.randomUUID();
  if (!/^[\x21-\x7e]{1,200}$/.test(requestId)) return json(400, { error: 'invalid Idempotency-Key' });

  try {
    // One statement, atomic on every transport (HTTP has no interactive transactions), and
    // idempotent by construction: sent twice, the second finds the conflict and inserts nothing.
    const [created] = await db.query(
      `insert into orders (item_id, quantity, request_id)
       select id, $2, $3 from items where id = $1
       on conflict (request_id) do nothing
       returning ${ORDER_COLUMNS}`,
      [itemId, quantity, requestId],
      { idempotent: true },
    );
    if (created) return json(201, created);
    // Inserted earlier with this key (a concurrent insert has committed by now: ours waited for it).
    const [existing] = await db.query(`select ${ORDER_COLUMNS} from orders where request_id = $1`, [requestId], { idempotent: true });
    if (!existing) return json(404, { error: 'item not found' });
    if (existing.itemId !== itemId || existing.quantity !== quantity) {
      return json(409, { error: 'this Idempotency-Key was already used for a different order' });
    }
    return json(201, existing, { 'idempotent-replayed': 'true' });
  } catch (err) {
    // The item was deleted between the check and the insert.
    if (err instanceof DatabaseError && err.code === '23503') return json(404, { error: 'item not found' });
    return errorResponse(err);
  }
}

async function health(db: Pool): Promise<Response> {
  try {
    await db.sql`select 1`.idempotent();
  } catch (err) {
    return errorResponse(err);
  }
  const stats = db.stats();
  return json(200, { ok: true, runtime: detectRuntime(), transport: stats.transport, stats });
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
}

/**
 * 503 for transient database trouble, else 500. Logs the coded error. The client gets the code of a
 * transient failure (OUTCOME_UNKNOWN tells it to retry with the same Idempotency-Key), no internals.
 */
function errorResponse(err: unknown): Response {
  const code = err instanceof WarmpoolError ? err.code : 'UNEXPECTED';
  console.error(JSON.stringify({ level: 'error', code, message: err instanceof Error ? err.message : String(err) }));
  if (isTransient(err)) {
    // A server error keeps its SQLSTATE (40001: the client may send the request again).
    const sqlState = err instanceof WarmpoolError && err.code === err.sqlState ? err.sqlState : undefined;
    return json(503, { error: 'service temporarily unavailable', code: sqlState ?? code }, { 'retry-after': '1' });
  }
  return json(500, { error: 'internal error' });
}

function isInt(value: unknown, min: number, max: number): value is number {
  return Number.isInteger(value) && (value as number) >= min && (value as number) <= max;
}
