/**
 * warmpool over TCP: one pool per container at module scope, `max: 1`, wrapped in withPool. The
 * server's idle_session_timeout applies as to every other strategy (serverIdleSessionTimeoutMs: 0).
 */
import { createPool } from 'warmpool';
import { applicationName, databaseUrl } from './work.js';
import { warmpoolHandler } from './warmpool-work.js';

const NAME = 'warmpool-tcp';
const db = createPool({ connectionString: databaseUrl(), max: 1, applicationName: applicationName(NAME), serverIdleSessionTimeoutMs: 0 });

export const handler = warmpoolHandler(db, NAME);
