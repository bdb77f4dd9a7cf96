import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Pool } from '../src/index.js';
import { databaseUrl } from './support/env.js';
import { httpEvent, lambdaContext } from './support/lambda-events.js';

/** The sample handlers in functions/, called from source the way Lambda calls them. */

type HttpHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

let db: Pool;
let getItem: HttpHandler;
let createOrder: HttpHandler;
let health: HttpHandler;
let migrateHandler: (event: unknown, context: Context) => Promise<{ ok: true }>;
let itemId: number;

beforeAll(async () => {
  // functions/db.ts builds its pool from the environment when first imported.
  process.env.DATABASE_URL = databaseUrl();
  ({ db } = await import('../functions/db.js'));
  ({ handler: getItem } = await import('../functions/get-item.js'));
  ({ handler: createOrder } = await import('../functions/create-order.js'));
  ({ handler: health } = await import('../functions/health.js'));
  ({ handler: migrateHandler } = await import('../functions/migrate.js'));
});

afterAll(async () => {
  await db?.end();
});

const body = (response: APIGatewayProxyStructuredResultV2) => JSON.parse(response.body ?? 'null');

function itemEvent(id: string) {
  return httpEvent({ routeKey: 'GET /items/{id}', path: `/items/${id}`, pathParameters: { id } });
}

function orderEvent(payload: unknown, init: { requestId?: string; headers?: Record<string, string> } = {}) {
  const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
  return httpEvent({ routeKey: 'POST /orders', path: '/orders', body: text, ...init });
}

async function ordersWith(requestId: string): Promise<number> {
  const [row] = await db.sql`select count(*)::int as n from orders where request_id = ${requestId}`;
  return row.n as number;
}

describe('sample handlers', () => {
  it('migrate creates the tables, and running it again (even concurrently) is harmless', async () => {
    await expect(migrateHandler({}, lambdaContext('migrate'))).resolves.toEqual({ ok: true });
    const again = await Promise.all([1, 2, 3].map(() => migrateHandler({}, lambdaContext('migrate'))));
    expect(again).toEqual([{ ok: true }, { ok: true }, { ok: true }]);
    const tables = await db.sql`select table_name from information_schema.tables where table_name in ('items', 'orders') and table_schema = current_schema() order by 1`;
    expect(tables.map((t) => t.table_name)).toEqual(['items', 'orders']);

    const [item] = await db.sql`insert into items (name, price_cents) values ('widget', 1299) returning id`;
    itemId = item.id as number;
  });

  it('GET /items/{id}: 200 with the item', async () => {
    const context = lambdaContext('getItem');
    const response = await getItem(itemEvent(String(itemId)), context);
    expect(response.statusCode).toBe(200);
    expect(response.headers).toMatchObject({ 'content-type': 'application/json' });
    expect(body(response)).toMatchObject({ id: itemId, name: 'widget', priceCents: 1299 });
    expect(Date.parse(body(response).createdAt)).not.toBeNaN();
    expect(context.callbackWaitsForEmptyEventLoop).toBe(false); // set by withPool
  });

  it('GET /items/{id}: 404 for an unknown id, 400 for one that is not a positive int', async () => {
    const missing = await getItem(itemEvent('2147483647'), lambdaContext('getItem'));
    expect(missing.statusCode).toBe(404);
    expect(body(missing)).toEqual({ error: 'item not found' });
    for (const bad of ['abc', '0', '-1', '1.5', '1e3', '2147483648', '99999999999', ' 1', '']) {
      const response = await getItem(itemEvent(bad), lambdaContext('getItem'));
      expect(response.statusCode, JSON.stringify(bad)).toBe(400);
      expect(body(response)).toEqual({ error: 'id must be a positive integer' });
    }
  });

  it('POST /orders: 201, and the same request id again returns the same order without a second row', async () => {
    const requestId = randomUUID();
    const first = await createOrder(orderEvent({ itemId, quantity: 2 }, { requestId }), lambdaContext('createOrder'));
    expect(first.statusCode).toBe(201);
    expect(body(first)).toMatchObject({ itemId, quantity: 2, requestId });
    expect(first.headers).not.toHaveProperty('idempotent-replayed');

    const again = await createOrder(orderEvent({ itemId, quantity: 2 }, { requestId }), lambdaContext('createOrder'));
    expect(again.statusCode).toBe(201);
    expect(again.headers).toMatchObject({ 'idempotent-replayed': 'true' });
    expect(body(again)).toEqual(body(first));
    expect(await ordersWith(requestId)).toBe(1);
  });

  it('POST /orders: a client retry with the same Idempotency-Key (new API Gateway request id) inserts once', async () => {
    const key = `order-${randomUUID()}`;
    const headers = { 'idempotency-key': key };
    const responses = await Promise.all(
      [1, 2, 3].map(() => createOrder(orderEvent({ itemId, quantity: 1 }, { headers }), lambdaContext('createOrder'))),
    );
    expect(responses.map((r) => r.statusCode)).toEqual([201, 201, 201]);
    expect(new Set(responses.map((r) => body(r).id)).size).toBe(1);
    expect(await ordersWith(key)).toBe(1);

    const different = await createOrder(orderEvent({ itemId, quantity: 5 }, { headers }), lambdaContext('createOrder'));
    expect(different.statusCode).toBe(409);
  });

  it('POST /orders: 400 for bad JSON or invalid fields, 404 for an unknown item', async () => {
    const cases: [unknown, string][] = [
      ['{"itemId": 1, "quantity": ', 'body must be JSON'],
      ['', 'body must be JSON'],
      ['null', 'itemId must be a positive integer'],
      [{ itemId: '1', quantity: 1 }, 'itemId must be a positive integer'],
      [{ itemId, quantity: 0 }, 'quantity must be an integer from 1 to 1000'],
      [{ itemId, quantity: 1.5 }, 'quantity must be an integer from 1 to 1000'],
    ];
    for (const [payload, error] of cases) {
      const requestId = randomUUID();
      const response = await createOrder(orderEvent(payload, { requestId }), lambdaContext('createOrder'));
      expect(response.statusCode, JSON.stringify(payload)).toBe(400);
      expect(body(response)).toEqual({ error });
      expect(await ordersWith(requestId)).toBe(0);
    }
    const unknown = await createOrder(orderEvent({ itemId: 2147483647, quantity: 1 }), lambdaContext('createOrder'));
    expect(unknown.statusCode).toBe(404);
  });

  it('POST /orders: 503 with Retry-After, and no internals, when the invocation has no time left', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    const requestId = randomUUID();
    // 400 ms left is inside withPool's 500 ms margin: the deadline has already passed.
    const response = await createOrder(orderEvent({ itemId, quantity: 1 }, { requestId }), lambdaContext('createOrder', 400));
    expect(response.statusCode).toBe(503);
    expect(response.headers).toMatchObject({ 'retry-after': '1' });
    expect(body(response)).toEqual({ error: 'service temporarily unavailable', code: 'DEADLINE_EXCEEDED' });
    expect(logged).toHaveBeenCalledWith(expect.stringContaining('"code":"DEADLINE_EXCEEDED"'));
    logged.mockRestore();
    expect(await ordersWith(requestId)).toBe(0);
  });

  it('GET /health: 200 with the runtime, transport and pool stats', async () => {
    const response = await health(httpEvent({ routeKey: 'GET /health', path: '/health' }), lambdaContext('health'));
    expect(response.statusCode).toBe(200);
    expect(body(response)).toMatchObject({ ok: true, runtime: 'node', transport: 'tcp', stats: { transport: 'tcp', max: 1, open: 1, leaked: 0 } });
  });
});
