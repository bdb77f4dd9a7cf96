/**
 * Creates the samples' tables. Not behind HTTP: run it once after a deploy with
 * `npx osls invoke --stage <stage> -f migrate`. Safe to run again or from several places at once.
 */
import type { Context } from 'aws-lambda';
import { withPool } from 'warmpool/lambda';
import { db } from './db.js';
import { migrate } from './schema.js';

export const handler = withPool(db, async (_event: unknown, _context: Context): Promise<{ ok: true }> => {
  await migrate(db);
  return { ok: true };
});
