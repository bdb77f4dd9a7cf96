/**
 * warmpool over TCP through PgBouncer in transaction mode: the same pool and work as warmpool-tcp,
 * with `?pgbouncer=true` (no prepared statements, no startup settings). The strategy's prepare()
 * starts PgBouncer and puts its URL in PGBOUNCER_URL. Containers hold client connections to
 * PgBouncer, frozen or not; only PgBouncer's small pool holds server connections.
 */
import { createPool } from 'warmpool';
import { applicationName } from './work.js';
import { warmpoolHandler } from './warmpool-work.js';

const NAME = 'warmpool-pgbouncer';
const url = process.env.PGBOUNCER_URL;
if (!url) throw new Error('PGBOUNCER_URL is not set (the strategy\'s prepare() starts PgBouncer and sets it)');
const db = createPool({ connectionString: `${url}?pgbouncer=true`, max: 1, applicationName: applicationName(NAME) });

export const handler = warmpoolHandler(db, NAME);
