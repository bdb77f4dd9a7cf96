// A Worker for test/idempotency-worker.test.ts: keyed batches and transactions (keyed, or not on
// /plain-transaction) inside workerd, over the transport its bindings name, writing to TABLE.
import { detectRuntime, isWarmpoolError, withPool } from '../../src/worker/index.js';

interface Env {
  DATABASE_URL: string;
  TRANSPORT: 'http' | 'websocket';
  HTTP_ENDPOINT: string;
  WS_PROXY: string;
  TABLE: string;
}

export default {
  fetch: withPool<Env>(
    (env) => ({ connectionString: env.DATABASE_URL, transport: env.TRANSPORT, httpEndpoint: env.HTTP_ENDPOINT, wsProxy: env.WS_PROXY, applicationName: 'idem-worker' }),
    async (request, db, env) => {
      const url = new URL(request.url);
      const key = url.searchParams.get('key')!;
      const insert = () => db.query(`insert into ${env.TABLE} (k) values ($1) returning id`, [key]);
      try {
        if (url.pathname === '/batch') {
          const [rows] = await db.batch([insert()], { idempotencyKey: key, payload: { key } });
          return Response.json({ ok: true, runtime: detectRuntime(), inserted: rows.length });
        }
        const result = await db.transaction(async (tx) => {
          const [row] = await tx.query<{ id: number }>(`insert into ${env.TABLE} (k) values ($1) returning id`, [key]);
          return { id: row!.id };
        }, url.pathname === '/transaction' ? { idempotencyKey: key } : {});
        return Response.json({ ok: true, runtime: detectRuntime(), result });
      } catch (err) {
        return Response.json({ ok: false, code: isWarmpoolError(err) ? err.code : 'UNEXPECTED', notApplied: isWarmpoolError(err) && err.notApplied, message: String(err) });
      }
    },
  ),
};
