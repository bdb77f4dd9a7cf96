import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../packages/gateway/src/index.js';
import { createPool } from '../src/index.http.js';
import { webSocketConstructor } from '../src/transports/websocket-constructor.js';
import { databaseUrl } from './support/env.js';
import { startTestGateway } from './gateway-support.js';

// Which WebSocket the websocket transport opens on Node: the runtime's own on Node 22 and later
// (Lambda's nodejs22.x and nodejs24.x), the `ws` package on Node 20. `npm run test:node` runs
// this file under Node 22 and 24 too.

const major = Number(process.versions.node.split('.')[0]);
const builtIn = (globalThis as { WebSocket?: typeof WebSocket }).WebSocket;
let opened = 0;
let gw: Gateway;

beforeAll(async () => {
  // A real WebSocket that counts its instances, in place of the global one for this process.
  if (builtIn) {
    (globalThis as { WebSocket?: unknown }).WebSocket = class Counted extends builtIn {
      constructor(...args: ConstructorParameters<typeof WebSocket>) {
        super(...args);
        opened++;
      }
    };
  }
  gw = await startTestGateway();
});

afterAll(async () => {
  if (builtIn) (globalThis as { WebSocket?: unknown }).WebSocket = builtIn;
  await gw?.close();
});

describe('the WebSocket constructor', () => {
  it.skipIf(major < 22)('is the global WebSocket on Node 22 and later, and a pool queries through it', async () => {
    expect(await webSocketConstructor()).toBe(globalThis.WebSocket);
    const db = createPool({ connectionString: databaseUrl(), transport: 'websocket', wsProxy: `ws://${gw.wsProxy}` });
    try {
      expect(await db.sql`select 1 as one`).toEqual([{ one: 1 }]);
    } finally {
      await db.end();
    }
    expect(opened).toBeGreaterThan(0);
  });

  it.skipIf(major >= 22 || builtIn !== undefined)('is the ws package on Node 20, which has no global WebSocket', async () => {
    expect(await webSocketConstructor()).toBe((await import('ws')).default);
  });
});
