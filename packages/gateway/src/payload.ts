import type { IncomingHttpHeaders } from 'node:http';
import { GatewayHttpError } from './http-error.js';

/**
 * The request side of Neon's `/sql` protocol: the JSON body and the `Neon-*` headers.
 *
 * Body: `{ query, params?, arrayMode? }` for one statement, or `{ queries: [those…] }` for a batch
 * run as one transaction. Parameters arrive as JSON values; each becomes the text Postgres is
 * given (the Neon driver already sends strings, with bytea as `\x…` and arrays as `{…}` literals).
 */

export type PgText = string | null;

/**
 * Bound parameters per statement: the protocol allows 65 535, but postgres.js (which sends the
 * gateway's statements) builds no message with 65 534 or more. warmpool's client has the same limit.
 */
export const MAX_PARAMS = 65_533;

export interface QueryData {
  query: string;
  params: PgText[];
  /** Overrides `Neon-Array-Mode` for this statement. */
  arrayMode?: boolean;
}

export type Payload = { kind: 'single'; query: QueryData } | { kind: 'batch'; queries: QueryData[] };

export type Isolation = 'read uncommitted' | 'read committed' | 'repeatable read' | 'serializable';

export interface NeonHeaders {
  /** `Neon-Raw-Text-Output: true`: every value as the text Postgres sent (the driver parses it). */
  rawText: boolean;
  /** `Neon-Array-Mode: true`: rows as arrays instead of objects keyed by column name. */
  arrayMode: boolean;
  isolation?: Isolation;
  readOnly: boolean;
  deferrable: boolean;
}

const ISOLATION: Record<string, Isolation> = {
  ReadUncommitted: 'read uncommitted',
  ReadCommitted: 'read committed',
  RepeatableRead: 'repeatable read',
  Serializable: 'serializable',
};

/** As Neon's proxy: a flag is on only when its header is exactly `true`. */
export function parseNeonHeaders(headers: IncomingHttpHeaders): NeonHeaders {
  const flag = (name: string) => headers[name] === 'true';
  const level = headers['neon-batch-isolation-level'];
  let isolation: Isolation | undefined;
  if (level !== undefined) {
    isolation = typeof level === 'string' ? ISOLATION[level] : undefined;
    if (!isolation) throw new GatewayHttpError(400, 'invalid isolation level');
  }
  return {
    rawText: flag('neon-raw-text-output'),
    arrayMode: flag('neon-array-mode'),
    isolation,
    readOnly: flag('neon-batch-read-only'),
    deferrable: flag('neon-batch-deferrable'),
  };
}

export function parsePayload(body: Buffer): Payload {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    throw new GatewayHttpError(400, 'request body is not valid JSON');
  }
  if (isObject(json) && 'query' in json) return { kind: 'single', query: queryData(json, '') };
  if (isObject(json) && Array.isArray(json.queries)) {
    return { kind: 'batch', queries: json.queries.map((q, i) => queryData(q, `queries[${i}].`)) };
  }
  throw new GatewayHttpError(400, 'request body must be {"query": …, "params": […]} or {"queries": […]}');
}

function queryData(value: unknown, where: string): QueryData {
  if (!isObject(value) || typeof value.query !== 'string') throw new GatewayHttpError(400, `${where}query must be a string`);
  const params = value.params ?? [];
  if (!Array.isArray(params)) throw new GatewayHttpError(400, `${where}params must be an array`);
  if (value.arrayMode !== undefined && typeof value.arrayMode !== 'boolean') {
    throw new GatewayHttpError(400, `${where}arrayMode must be a boolean`);
  }
  if (params.length > MAX_PARAMS) {
    // What Postgres answers to a Bind with too many parameters; checked before anything is sent.
    throw new GatewayHttpError(400, {
      message: `bind message supplies ${params.length} parameters, but at most ${MAX_PARAMS} are accepted`,
      code: '08P01',
    });
  }
  return { query: value.query, params: params.map((p, i) => convertParam(p, `${where}params[${i}]`)), arrayMode: value.arrayMode as boolean | undefined };
}

/** A value that cannot be converted is the request's fault (400), never a lost upstream (502). */
function convertParam(value: unknown, where: string): PgText {
  try {
    return toPgText(value);
  } catch {
    // JSON.parse reads any depth, but converting back recurses: only extreme nesting fails here.
    throw new GatewayHttpError(400, {
      message: `${where} is nested too deeply to convert to a Postgres value; send it as a JSON string instead`,
      code: '54001',
    });
  }
}

/** A JSON parameter → the text given to Postgres, as Neon's proxy converts it. */
export function toPgText(value: unknown): PgText {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return toPgArray(value);
  return JSON.stringify(value);
}

/** `[1, "a", null, [2]]` → `{1,"a",NULL,{2}}`; strings quoted and escaped inside the literal. */
function toPgArray(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (Array.isArray(value)) return `{${value.map(toPgArray).join(',')}}`;
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'object') return JSON.stringify(JSON.stringify(value));
  return JSON.stringify(value);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
