/** GET /health: one round trip to the database, plus the pool's counters. */
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { detectRuntime } from 'warmpool';
import { withPool } from 'warmpool/lambda';
import { type HttpResult, db, errorResponse, json } from './db.js';

export const handler = withPool(db, async (_event: APIGatewayProxyEventV2, _context: Context): Promise<HttpResult> => {
  try {
    await db.sql`select 1`.idempotent();
  } catch (err) {
    return errorResponse(err);
  }
  const stats = db.stats();
  return json(200, { ok: true, runtime: detectRuntime(), transport: stats.transport, stats });
});
