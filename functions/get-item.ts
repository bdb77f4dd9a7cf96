/** GET /items/{id} */
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { withPool } from 'warmpool/lambda';
import { type HttpResult, db, errorResponse, json } from './db.js';

const MAX_INT = 2_147_483_647; // items.id is an int

export const handler = withPool(db, async (event: APIGatewayProxyEventV2, _context: Context): Promise<HttpResult> => {
  const raw = event.pathParameters?.id ?? '';
  const id = /^[0-9]{1,10}$/.test(raw) ? Number(raw) : NaN;
  if (!(id >= 1 && id <= MAX_INT)) return json(400, { error: 'id must be a positive integer' });

  try {
    // A read is safe to send twice, so warmpool may retry it after a lost connection.
    const [item] = await db.sql`
      select id, name, price_cents as "priceCents", created_at as "createdAt"
      from items where id = ${id}`.idempotent();
    return item ? json(200, item) : json(404, { error: 'item not found' });
  } catch (err) {
    return errorResponse(err);
  }
});
