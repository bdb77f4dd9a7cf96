/**
 * warmpool over HTTP: the same pool and work as warmpool-tcp, but `transport: 'http'`, so every
 * statement is a POST to a `warmpool gateway` (started by this strategy's prepare(), which puts its
 * /sql URL in WARMPOOL_HTTP_ENDPOINT). Containers hold no server connection; the gateway's one
 * upstream pool does, under the application_name `lt:warmpool-http:gateway`.
 */
import { createPool } from 'warmpool/http';
import { applicationName, databaseUrl } from './work.js';
import { warmpoolHandler } from './warmpool-work.js';

const NAME = 'warmpool-http';
const httpEndpoint = process.env.WARMPOOL_HTTP_ENDPOINT;
if (!httpEndpoint) throw new Error('WARMPOOL_HTTP_ENDPOINT is not set (the strategy\'s prepare() starts the gateway and sets it)');
const db = createPool({ connectionString: databaseUrl(), transport: 'http', httpEndpoint, max: 1, applicationName: applicationName(NAME) });

export const handler = warmpoolHandler(db, NAME);
