/**
 * The thin pg-protocol connection (../pg-protocol-reference.ts) at module scope, the same work
 * as the load-test strategies: a young-container floor for bench/instructions.ts.
 */
import { READ_SQL, WRITE_SQL, acknowledge, applicationName, databaseUrl, environmentId, parseWork } from '../../../packages/cli/src/loadtest/strategies/work.js';
import { ReferenceConnection } from '../pg-protocol-reference.js';

const NAME = 'pg-protocol-ref';
const db = new ReferenceConnection(databaseUrl(), { applicationName: applicationName(NAME) });

export const handler = async (event: unknown) => {
  const work = parseWork(event);
  await Promise.all([db.query(READ_SQL, [work.itemId]), db.query(WRITE_SQL, [work.writeId, NAME, environmentId])]);
  return acknowledge(work);
};
