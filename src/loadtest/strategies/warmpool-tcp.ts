/**
 * warmpool over TCP: one pool per container at module scope, `max: 1`, wrapped in withPool. The
 * server's idle_session_timeout applies as to every other strategy (serverIdleSessionTimeoutMs: 0).
 */
import { createPool } from '../../index.js';
import { withPool } from '../../lambda/index.js';
import { READ_SQL, WRITE_SQL, acknowledge, applicationName, databaseUrl, environmentId, parseWork } from './work.js';

const NAME = 'warmpool-tcp';
const db = createPool({ connectionString: databaseUrl(), max: 1, applicationName: applicationName(NAME), serverIdleSessionTimeoutMs: 0 });

export const handler = withPool(db, async (event: unknown) => {
  const work = parseWork(event);
  await Promise.all([
    db.query(READ_SQL, [work.itemId], { idempotent: true }),
    db.query(WRITE_SQL, [work.writeId, NAME, environmentId]),
  ]);
  return acknowledge(work);
});
