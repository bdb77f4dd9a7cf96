/**
 * How result values become JavaScript, the same on every transport. postgres.js (TCP) defines it:
 * int2/int4/oid/float4/float8 → number, json/jsonb → parsed, bool → boolean, date/timestamp/
 * timestamptz → Date (`new Date(text)`), bytea → Buffer, arrays → arrays, everything else (int8,
 * numeric, interval, uuid, time, enums…) → the server's text. The Neon driver (HTTP, WebSocket)
 * gets these parsers instead of its own; on TCP postgres.js's are switched off and these parse
 * its text (they read a NULL array element as null, where postgres.js's read the text "NULL").
 * `textTypes` keeps chosen types as text, per pool or per query. No driver is imported here.
 */

import { WarmpoolError } from '../errors.js';

export type Parser = (text: string) => unknown;

const NodeBuffer = (globalThis as { Buffer?: { from(text: string, encoding: 'hex'): Uint8Array } }).Buffer;

const number: Parser = (x) => +x;
const json: Parser = (x) => JSON.parse(x);
const date: Parser = (x) => new Date(x);
const bytea: Parser = (x) => (NodeBuffer ? NodeBuffer.from(x.slice(2), 'hex') : hexBytes(x.slice(2)));

/** Scalar parsers by type OID, as postgres.js has them; any other type stays text. */
export const PARSERS: Record<number, Parser> = {
  21: number, 23: number, 26: number, 700: number, 701: number,
  114: json, 3802: json,
  16: (x) => x === 't',
  1082: date, 1114: date, 1184: date,
  17: bytea,
};

/** Built-in array types whose elements have a parser: array OID → element OID. */
const ARRAY_ELEMENTS: Record<number, number> = {
  1005: 21, 1007: 23, 1028: 26, 1021: 700, 1022: 701, 199: 114, 3807: 3802, 1000: 16, 1182: 1082, 1115: 1114, 1185: 1184, 1001: 17,
};

/**
 * The other built-in array types (elements stay text). The HTTP and WebSocket transports know
 * only these: arrays of types created with CREATE TYPE (enum[]) have OIDs they cannot look up.
 */
export const TEXT_ARRAYS: ReadonlySet<number> = new Set([
  143, 271, 629, 651, 719, 775, 791, 1002, 1003, 1006, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 1015, 1016, 1017, 1018,
  1019, 1020, 1027, 1034, 1040, 1041, 1183, 1187, 1231, 1263, 1270, 1561, 1563, 2201, 2207, 2208, 2209, 2210, 2211, 2949,
  2951, 3221, 3643, 3644, 3645, 3735, 3770, 3905, 3907, 3909, 3911, 3913, 3927, 4073, 4090, 4097, 4192, 5039, 6150, 6151,
  6152, 6153, 6155, 6157,
]);

/** The parser that keeps the server's text. */
export const asText: Parser = (x) => x;

/** date, time, timestamp, timestamptz, interval, timetz: for `textTypes`, when an ORM maps dates itself. */
export const DATE_TIME_TYPES: readonly number[] = Object.freeze([1082, 1083, 1114, 1184, 1186, 1266]);

/**
 * Result parsers by type OID, where the types of `textTypes`, and arrays of them (element-wise),
 * stay the server's text. Also pg's `CustomTypesConfig` (`getTypeParser`) for the Neon driver.
 */
export class TypeParsers {
  readonly #text: ReadonlySet<number>;
  readonly #cache = new Map<number, Parser>();

  constructor(textTypes: readonly number[] = []) {
    this.#text = new Set(textTypes);
  }

  getTypeParser(oid: number): Parser {
    let parser = this.#cache.get(oid);
    if (!parser) {
      parser = this.#build(oid);
      this.#cache.set(oid, parser);
    }
    return parser;
  }

  /**
   * The parser of a column whose type, if not a built-in, may be an array of `element` (TCP
   * learns the arrays of CREATE TYPE types from pg_type); not cached, as such OIDs differ between
   * databases.
   */
  columnParser(oid: number, element: number | undefined): Parser {
    if (element === undefined || oid in ARRAY_ELEMENTS || TEXT_ARRAYS.has(oid) || this.#text.has(oid)) return this.getTypeParser(oid);
    return arrayParser(this.#scalar(element), oid);
  }

  #scalar(oid: number): Parser | undefined {
    return this.#text.has(oid) ? undefined : PARSERS[oid];
  }

  #build(oid: number): Parser {
    if (this.#text.has(oid)) return asText;
    const scalar = PARSERS[oid];
    if (scalar) return scalar;
    if (oid in ARRAY_ELEMENTS) return arrayParser(this.#scalar(ARRAY_ELEMENTS[oid]), oid);
    if (TEXT_ARRAYS.has(oid)) return arrayParser(undefined, oid);
    return asText;
  }
}

/** Every type parsed: the default of a pool without `textTypes`. */
export const DEFAULT_TYPES = new TypeParsers();

const byList = new WeakMap<readonly number[], TypeParsers>();

/**
 * The parsers for a `textTypes` list, checked and built once per list (a constant such as
 * DATE_TIME_TYPES costs one lookup per query). `where` names the option in the error.
 */
export function typeParsers(textTypes: readonly number[] | undefined, where: string): TypeParsers {
  if (textTypes === undefined) return DEFAULT_TYPES;
  let found = byList.get(textTypes);
  if (!found) {
    checkTextTypes(textTypes, where);
    found = textTypes.length === 0 ? DEFAULT_TYPES : new TypeParsers(textTypes);
    byList.set(textTypes, found);
  }
  return found;
}

export function checkTextTypes(value: unknown, where: string): asserts value is readonly number[] {
  const oid = (x: unknown) => typeof x === 'number' && Number.isInteger(x) && x > 0 && x <= 0xffff_ffff;
  if (!Array.isArray(value) || !value.every(oid)) {
    throw new WarmpoolError('INVALID_OPTION', `${where} must be an array of type OIDs, such as DATE_TIME_TYPES or [1082, 1114]; got ${Array.isArray(value) ? 'an array with a non-OID element' : typeof value}.`, { notApplied: true });
  }
}

/** Parses an array of type `arrayOid` (box[], OID 1020, is the one with ';' between elements). */
export function arrayParser(element: Parser | undefined, arrayOid: number): Parser {
  const delimiter = arrayOid === 1020 ? ';' : ',';
  return (text) => parseArray(text, element, delimiter);
}

/** Postgres array text → nested arrays; an unquoted NULL is null. Explicit bounds ('[0:1]={…}') are dropped. */
export function parseArray(text: string, element: Parser | undefined, delimiter = ','): unknown[] {
  const state = { i: text.charCodeAt(0) === 0x5b /* [ */ ? text.indexOf('=') + 1 : 0 };
  return readLevel(text, state, element, delimiter);
}

function readLevel(text: string, s: { i: number }, element: Parser | undefined, delimiter: string): unknown[] {
  const out: unknown[] = [];
  s.i++; // '{'
  if (text[s.i] === '}') {
    s.i++;
    return out;
  }
  for (;;) {
    const c = text[s.i];
    if (c === '{') {
      out.push(readLevel(text, s, element, delimiter));
    } else if (c === '"') {
      let value = '';
      let start = ++s.i;
      for (;;) {
        const d = text[s.i];
        if (d === '\\') {
          value += text.slice(start, s.i) + text[s.i + 1];
          s.i += 2;
          start = s.i;
        } else if (d === '"') {
          value += text.slice(start, s.i++);
          break;
        } else s.i++;
      }
      out.push(element ? element(value) : value);
    } else {
      const start = s.i;
      while (text[s.i] !== delimiter && text[s.i] !== '}') s.i++;
      const raw = text.slice(start, s.i);
      out.push(raw === 'NULL' ? null : element ? element(raw) : raw);
    }
    if (text[s.i++] === '}') return out;
  }
}

function hexBytes(hex: string): Uint8Array {
  const bytes = new Uint8Array(hex.length >> 1);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/**
 * A parameter as the Neon driver should send it: bytes as bytea hex, BigInt as decimal text,
 * Dates as local time with its UTC offset (exact for timestamptz; a date or timestamp parameter
 * takes the local wall clock, as on TCP when client and server share a time zone), arrays
 * element by element. Everything else is left to the driver (plain objects become JSON).
 */
export function driverParam(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return typeof value === 'bigint' ? value.toString() : value;
  if (value instanceof Date) return localTimestamp(value);
  if (value instanceof Uint8Array) {
    let hex = '\\x';
    for (let i = 0; i < value.length; i++) hex += HEX[value[i]];
    return hex;
  }
  if (Array.isArray(value)) return value.map(driverParam);
  return value;
}

/**
 * A parameter of an unnamed statement on TCP, as text the server reads by the types it infers for
 * the statement at each Parse (what node-postgres and the Neon driver send): booleans as t/f,
 * numbers and BigInts as decimal text, Dates as their UTC ISO form (as postgres.js sends them),
 * bytes as bytea hex, arrays as array literals, other objects as JSON. Nothing depends on a type
 * the server described earlier, so a column whose type changed is read by its new type.
 */
export function textParam(value: unknown): string | null {
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
    case 'bigint':
      return String(value);
    case 'boolean':
      return value ? 't' : 'f';
    case 'undefined':
      throw new WarmpoolError('INVALID_PARAMETER', 'A query parameter is undefined; pass null for SQL NULL.', { notApplied: true });
  }
  if (value === null) return null;
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return driverParam(value) as string;
  if (Array.isArray(value)) return arrayLiteral(value);
  return JSON.stringify(value);
}

/**
 * A parameter as postgres.js should send it. It types an array by its first element, so an array
 * of Dates, bytes, booleans or BigInts goes out as that element's type and the server refuses it
 * ("cannot cast type boolean to boolean[]"); such an array is sent as an untyped array literal,
 * which the server reads as the type the statement needs (what node-postgres does).
 */
export function tcpParam(value: unknown): unknown {
  if (!Array.isArray(value)) return value;
  let first: unknown = value;
  while (Array.isArray(first)) first = first[0];
  const mistyped = first instanceof Date || first instanceof Uint8Array || typeof first === 'boolean' || typeof first === 'bigint';
  return mistyped ? arrayLiteral(value) : value;
}

/** `2024-05-06T09:08:09.123+02:00`: the local wall clock and its offset (node-postgres's format). */
function localTimestamp(date: Date): string {
  const pad = (n: number, width = 2) => String(Math.abs(n)).padStart(width, '0');
  const offset = -date.getTimezoneOffset();
  const year = date.getFullYear();
  const day = `${year < 0 ? '-' : ''}${pad(year, 4)}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
  const time = `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
  return `${day}T${time}${offset < 0 ? '-' : '+'}${pad(Math.trunc(offset / 60))}:${pad(offset % 60)}`;
}

function arrayLiteral(values: unknown[]): string {
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (i > 0) out += ',';
    if (v === null || v === undefined) out += 'NULL';
    else if (Array.isArray(v)) out += arrayLiteral(v);
    else {
      const text = typeof v === 'boolean' ? (v ? 't' : 'f') : typeof v === 'object' && !(v instanceof Date) && !(v instanceof Uint8Array) ? JSON.stringify(v) : String(driverParam(v));
      out += `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
    }
  }
  return out + '}';
}
