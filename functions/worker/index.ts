/**
 * The sample Worker (wrangler.toml's `main`): HTTP through a warmpool gateway by default
 * (`WARMPOOL_HTTP_ENDPOINT`), or WebSocket (`WARMPOOL_TRANSPORT=websocket`). Its bundle carries
 * neither postgres.js nor node:net. For Hyperdrive or direct TCP, point `main` at tcp.ts.
 */
import { withPool } from 'warmpool/worker';
import { createWorker } from './app.js';

export default createWorker(withPool);
