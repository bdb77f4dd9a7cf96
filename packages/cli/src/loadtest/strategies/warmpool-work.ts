/** The handler both warmpool strategies run: the shared work through a module-scope pool. */
import type { Pool } from 'warmpool';
import { withPool } from 'warmpool/lambda';
import { READ_SQL, WRITE_SQL, acknowledge, environmentId, parseWork } from './work.js';

export function warmpoolHandler(db: Pool, name: string) {
  return withPool(db, async (event: unknown) => {
    const work = parseWork(event);
    await Promise.all([
      db.query(READ_SQL, [work.itemId], { idempotent: true }),
      db.query(WRITE_SQL, [work.writeId, name, environmentId]),
    ]);
    return acknowledge(work);
  });
}
