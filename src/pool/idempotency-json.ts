/**
 * What a keyed transaction stores: its result as JSON, refused unless JSON gives it back as it
 * was, so the first call and every repeat resolve to the same value. And the payload's hash: the
 * SHA-256 of its JSON with object keys sorted, so key order does not count.
 */
import { WarmpoolError } from '../errors.js';

/**
 * The JSON of `value`, or undefined for undefined (a callback that returns nothing). Throws
 * RESULT_NOT_JSON naming the first part JSON would change: a Date, a BigInt, a Map, a class
 * instance, NaN, a function, undefined inside an array, a cycle. Object properties that are
 * undefined are left out, as JSON does; a query result's `count`/`command`/`columns` are not kept.
 */
export function resultJson(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  const problem = notJson(value, 'result', new Set());
  if (problem) {
    throw new WarmpoolError(
      'RESULT_NOT_JSON',
      `A keyed transaction stores its callback's result as JSON, and ${problem}, which JSON would not give back as it is. Return plain data (strings, numbers, booleans, null, arrays, plain objects): e.g. a Date as date.toISOString(), a BigInt as a string. The transaction was rolled back.`,
      { notApplied: true },
    );
  }
  return JSON.stringify(value);
}

function notJson(value: unknown, path: string, seen: Set<object>): string | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return undefined;
    case 'number':
      return Number.isFinite(value) ? undefined : `${path} is ${value}`;
    case 'object':
      break;
    default:
      return `${path} is ${typeof value === 'undefined' ? 'undefined' : `a ${typeof value}`}`;
  }
  if (value === null) return undefined;
  if (seen.has(value)) return `${path} refers back to itself (a cycle)`;
  seen.add(value);
  try {
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const problem = notJson(value[i], `${path}[${i}]`, seen);
        if (problem) return problem;
      }
      return undefined;
    }
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) return `${path} is ${describe(value)}`;
    for (const [key, item] of Object.entries(value)) {
      if (item === undefined) continue;
      const problem = notJson(item, `${path}.${key}`, seen);
      if (problem) return problem;
    }
    return undefined;
  } finally {
    seen.delete(value);
  }
}

function describe(value: object): string {
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === 'string' && name ? `a ${name}` : 'an object with a prototype';
}

/** The stored result back as a value: undefined for SQL NULL (a callback that returned nothing). */
export function parseStored(json: string | null): unknown {
  return json === null ? undefined : JSON.parse(json);
}

/** The hex SHA-256 of the payload's JSON with object keys sorted; INVALID_OPTION when it has no JSON form. */
export async function payloadHash(payload: unknown): Promise<string> {
  let json: string | undefined;
  try {
    json = JSON.stringify(payload, sortKeys);
  } catch (err) {
    throw new WarmpoolError('INVALID_OPTION', `The transaction option "payload" must have a JSON form (it is hashed to tell requests apart): ${(err as Error).message}.`, { notApplied: true });
  }
  if (json === undefined) {
    throw new WarmpoolError('INVALID_OPTION', 'The transaction option "payload" must have a JSON form (it is hashed to tell requests apart); got a value JSON leaves out.', { notApplied: true });
  }
  const digest = await globalThis.crypto.subtle.digest('SHA-256', new TextEncoder().encode(json));
  let hex = '';
  for (const byte of new Uint8Array(digest)) hex += byte.toString(16).padStart(2, '0');
  return hex;
}

function sortKeys(_key: string, value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) sorted[key] = (value as Record<string, unknown>)[key];
  return sorted;
}
