import type { TransportTable } from '../select-transport.js';
import { createHttpTransport } from './http.js';
import { websocketTransport } from './websocket.js';

/** The edge build's transports: no TCP, so its bundles never contain postgres.js or node:net. */
export const EDGE_TRANSPORTS: TransportTable = { http: createHttpTransport, websocket: websocketTransport() };
