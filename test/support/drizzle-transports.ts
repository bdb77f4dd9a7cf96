import { afterAll, beforeAll } from 'vitest';
import type { Gateway } from '../../packages/gateway/src/index.js';
import { drizzle } from '../../src/adapters/drizzle/index.js';
import { createPool, type Pool } from '../../src/index.http.js';
import { startTestGateway } from '../gateway-support.js';
import { blogSchema } from './drizzle-schema.js';
import { databaseUrl } from './env.js';

export type Transport = 'tcp' | 'http' | 'websocket';

/**
 * The blog schema's tables, a gateway, and a pool and a Drizzle database on each transport, made
 * before the file's tests and ended after them (registers beforeAll/afterAll).
 */
export function drizzleOnEveryTransport(name: string) {
  const { ddl, drop, schema } = blogSchema();
  const pools = {} as Record<Transport, Pool>;
  const dbs = {} as Record<Transport, ReturnType<typeof drizzle<typeof schema>>>;
  let gw: Gateway | undefined;
  beforeAll(async () => {
    gw = await startTestGateway();
    const base = { connectionString: databaseUrl(), httpEndpoint: gw.fetchEndpoint, wsProxy: `ws://${gw.wsProxy}` };
    for (const transport of ['tcp', 'http', 'websocket'] as const) {
      pools[transport] = createPool({ ...base, transport, applicationName: `${name}-${transport}` });
      dbs[transport] = drizzle(pools[transport], { schema });
    }
    for (const statement of ddl) await pools.tcp.query(statement);
  });
  afterAll(async () => {
    for (const statement of drop) await pools.tcp?.query(statement).catch(() => {});
    await Promise.all(Object.values(pools).map((p) => p.end()));
    await gw?.close();
  });
  return { schema, pools, dbs };
}
