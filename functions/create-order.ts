/** POST /orders  {"itemId": 1, "quantity": 2} */
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { DatabaseError } from 'warmpool';
import { withPool } from 'warmpool/lambda';
import { type HttpResult, db, errorResponse, json } from './db.js';

interface OrderInput {
  itemId: number;
  quantity: number;
}

export const handler = withPool(db, async (event: APIGatewayProxyEventV2, _context: Context): Promise<HttpResult> => {
  const input = parseOrder(event);
  if (typeof input === 'string') return json(400, { error: input });

  // The order's request id makes the insert idempotent: the same id always maps to one row. API
  // Gateway's requestId is unique per HTTP request, so it only guards against the same event being
  // handled twice; a client that wants its own retries deduplicated sends an Idempotency-Key.
  const requestId = event.headers?.['idempotency-key'] ?? event.requestContext.requestId;
  if (!/^[\x21-\x7e]{1,200}$/.test(requestId)) return json(400, { error: 'invalid Idempotency-Key' });

  try {
    // Only database work inside, so warmpool may run it again after a deadlock or a connection
    // lost before COMMIT.
    const result = await db.transaction(async (tx) => {
      const [item] = await tx.sql`select id from items where id = ${input.itemId}`;
      if (!item) return null;
      const [created] = await tx.sql`
        insert into orders (item_id, quantity, request_id)
        values (${input.itemId}, ${input.quantity}, ${requestId})
        on conflict (request_id) do nothing
        returning id, item_id as "itemId", quantity, request_id as "requestId", created_at as "createdAt"`;
      if (created) return { order: created, replayed: false };
      // Already inserted by an earlier attempt with this id (a concurrent one has committed by
      // now: the insert waited for it). Answer with that row instead of inserting again.
      const [existing] = await tx.sql`
        select id, item_id as "itemId", quantity, request_id as "requestId", created_at as "createdAt"
        from orders where request_id = ${requestId}`;
      return { order: existing, replayed: true };
    }, { retries: 2 });

    if (!result) return json(404, { error: 'item not found' });
    const { order, replayed } = result;
    if (replayed && (order.itemId !== input.itemId || order.quantity !== input.quantity)) {
      return json(409, { error: 'this Idempotency-Key or request id was already used for a different order' });
    }
    return json(201, order, replayed ? { 'idempotent-replayed': 'true' } : {});
  } catch (err) {
    // The item was deleted between the check and the insert.
    if (err instanceof DatabaseError && err.code === '23503') return json(404, { error: 'item not found' });
    // OUTCOME_UNKNOWN (COMMIT was sent, then the connection died), DEADLINE_EXCEEDED and connect
    // failures become 503 + Retry-After. After OUTCOME_UNKNOWN the order may well exist: a client
    // must retry only with the same Idempotency-Key, so the retry finds that row instead of
    // inserting a second order. A "blind" retry gets a new API Gateway requestId and could
    // charge the customer twice.
    return errorResponse(err);
  }
});

function parseOrder(event: APIGatewayProxyEventV2): OrderInput | string {
  let body: unknown;
  try {
    const text = event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64').toString('utf8') : event.body;
    body = JSON.parse(text ?? '');
  } catch {
    return 'body must be JSON';
  }
  const { itemId, quantity } = (body ?? {}) as Record<string, unknown>;
  if (!isInt(itemId, 1, 2_147_483_647)) return 'itemId must be a positive integer';
  if (!isInt(quantity, 1, 1_000)) return 'quantity must be an integer from 1 to 1000';
  return { itemId, quantity };
}

function isInt(value: unknown, min: number, max: number): value is number {
  return Number.isInteger(value) && (value as number) >= min && (value as number) <= max;
}
