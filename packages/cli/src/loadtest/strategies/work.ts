/**
 * The work every load-test strategy does per invocation, so that only the connection handling
 * differs: a read of one row and a ledger write with the invocation's unique id, sent together
 * (Promise.all) as handlers with independent queries commonly do. Connections are named
 * `lt:<strategy>:<environment>` (application_name) so the server's pg_stat_activity tells
 * strategies, and live containers from recycled ones, apart.
 */

export const READ_SQL = 'select id, name from lt_items where id = $1';
export const WRITE_SQL = 'insert into lt_ledger (write_id, strategy, environment) values ($1, $2, $3)';

export interface Work {
  writeId: string;
  itemId: number;
}

/** The event is an API Gateway v2 POST whose JSON body names the write. */
export function parseWork(event: unknown): Work {
  const body = (event as { body?: string } | null)?.body;
  const work = JSON.parse(body ?? '{}') as Partial<Work>;
  if (typeof work.writeId !== 'string' || !Number.isInteger(work.itemId)) throw new Error('bad load-test event');
  return { writeId: work.writeId, itemId: work.itemId! };
}

/** This execution environment, from the tail of its log stream name (unique per environment on Lambda). */
export const environmentId = (process.env.AWS_LAMBDA_LOG_STREAM_NAME ?? 'local').split(']').pop()!.slice(0, 12);

/** `lt:<strategy>:<environment>`: the sampler tells the sessions of recycled containers from live ones. */
export function applicationName(strategy: string): string {
  return `lt:${strategy}:${environmentId}`;
}

export function databaseUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set');
  return url;
}

export function acknowledge(work: Work): { statusCode: number; headers: Record<string, string>; body: string } {
  return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ writeId: work.writeId }) };
}
