/**
 * The checks a statement passes before anything is sent: what the driver or the server would
 * reject only after the statement was written, or would silently change.
 */
import { WarmpoolError } from '../errors.js';

/**
 * Bound parameters per statement: the protocol allows 65 535, but postgres.js (the TCP driver)
 * refuses 65 534 and more while building the message, which would cost the connection.
 */
export const MAX_PARAMS = 65_533;

/** Postgres refuses protocol messages of 1 GiB or more (and closes the connection); keep 1 MiB for the rest of the message. */
const MAX_MESSAGE_BYTES = 0x3fff_ffff - 1024 * 1024;
/** Longest string V8 can build (the driver sends bytea as one hex string). */
const MAX_STRING_LENGTH = 536_870_888;
/** Nesting of arrays and objects in one parameter: the drivers convert values recursively. */
const MAX_DEPTH = 1000;

/**
 * Refuses, before anything is sent, what the driver or the server would reject only after the
 * statement was written (costing the connection and leaving a write's outcome unknown) or would
 * silently change: undefined, symbols and functions, invalid Dates, strings with NUL or lone
 * surrogates, BigInt inside JSON, circular objects, too many parameters, messages of 1 GiB.
 */
export function checkParams(params: readonly unknown[]): void {
  if (!Array.isArray(params)) {
    throw new WarmpoolError('INVALID_PARAMETER', 'Query parameters must be an array, e.g. db.query(text, [a, b]).', { notApplied: true });
  }
  if (params.length > MAX_PARAMS) {
    throw new WarmpoolError('INVALID_PARAMETER', `A statement can bind at most ${MAX_PARAMS} parameters, got ${params.length}. Split the work or pass an array as one parameter.`, { notApplied: true });
  }
  let bytes = 0;
  for (let i = 0; i < params.length; i++) {
    const value = params[i];
    if (value === null || typeof value === 'number' || typeof value === 'boolean') bytes += 24;
    else bytes += paramBytes(value, `$${i + 1}`);
  }
  if (bytes > MAX_MESSAGE_BYTES) throw payloadTooLarge(bytes);
}

function invalid(where: string, problem: string): WarmpoolError {
  return new WarmpoolError('INVALID_PARAMETER', `Parameter ${where} ${problem}`, { notApplied: true });
}

function payloadTooLarge(bytes: number): WarmpoolError {
  return new WarmpoolError('PAYLOAD_TOO_LARGE', `The parameters need about ${Math.round(bytes / 1_048_576)} MiB; PostgreSQL accepts messages below 1 GiB, and bytea below 256 MiB through this driver. Split the data, or stream it with COPY.`, { notApplied: true });
}

function tooDeep(where: string): WarmpoolError {
  return invalid(where.split('[', 1)[0], `nests arrays or objects more than ${MAX_DEPTH} levels deep, more than the driver can convert; flatten the value.`);
}

/** Checks one value (an array element too) and estimates its encoded size in bytes. */
function paramBytes(value: unknown, where: string, depth = 0): number {
  switch (typeof value) {
    case 'string':
      return checkString(value, where);
    case 'number':
    case 'boolean':
    case 'bigint':
      return 24;
    case 'undefined':
      throw invalid(where, 'is undefined; pass null for SQL NULL.');
    case 'symbol':
    case 'function':
      throw invalid(where, `is a ${typeof value}; pass a string, number, boolean, bigint, Date, Buffer or Uint8Array, array, or plain object (sent as JSON).`);
  }
  if (value === null) return 4;
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw invalid(where, 'is an invalid Date.');
    return 32;
  }
  if (value instanceof Uint8Array) {
    // Sent as a hex string: \x plus two characters per byte.
    const length = 2 + 2 * value.byteLength;
    if (length > MAX_STRING_LENGTH) throw payloadTooLarge(length);
    return length;
  }
  if (Array.isArray(value)) {
    if (depth >= MAX_DEPTH) throw tooDeep(where);
    let bytes = 2;
    for (let i = 0; i < value.length; i++) bytes += 1 + paramBytes(value[i], `${where}[${i}]`, depth + 1);
    return bytes;
  }
  if (typeof value === 'object' && isPlainObject(value)) return jsonBytes(value, where, depth);
  // Other objects (a Decimal, a Map…) are sent as String(value), as the driver does.
  return 64;
}

const NUL = String.fromCharCode(0);

function checkString(value: string, where: string): number {
  if (value.includes(NUL)) {
    throw invalid(where, 'contains a NUL character (\\u0000), which PostgreSQL text cannot store; remove it, or send the data as bytea (a Buffer).');
  }
  if (!(value as unknown as { isWellFormed(): boolean }).isWellFormed()) {
    throw invalid(where, 'contains a lone UTF-16 surrogate, which has no UTF-8 form and would be stored as U+FFFD; fix the string, or send the data as bytea (a Buffer).');
  }
  // UTF-8 needs at most 3 bytes per UTF-16 unit; count exactly only where it matters.
  return value.length > 4096 ? utf8Length(value) : value.length * 3;
}

/** UTF-8 length of a well-formed string, without Node's Buffer (this core also runs on the edge). */
function utf8Length(value: string): number {
  let bytes = value.length;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      bytes += 2; // a surrogate pair: 4 bytes for 2 units
      i++;
    } else if (c >= 0x800) bytes += 2;
    else if (c >= 0x80) bytes += 1;
  }
  return bytes;
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A plain object becomes JSON: refuse what JSON.stringify would throw on (cycles, BigInt, stack overflow). */
function jsonBytes(root: object, where: string, rootDepth: number): number {
  let bytes = 0;
  const path = new Set<object>();
  const stack: { value: unknown; depth: number; leave?: object }[] = [{ value: root, depth: rootDepth }];
  while (stack.length > 0) {
    const { value, depth, leave } = stack.pop()!;
    if (leave) {
      path.delete(leave);
      continue;
    }
    if (typeof value === 'string') bytes += value.length > 4096 ? utf8Length(value) + 2 : value.length * 6 + 2;
    else if (typeof value === 'bigint') throw invalid(where, 'holds a BigInt inside an object, which JSON cannot represent; convert it to a string or a number.');
    else if (typeof value === 'object' && value !== null) {
      if (path.has(value)) throw invalid(where, 'is a circular object, which cannot be sent as JSON.');
      if (depth >= MAX_DEPTH) throw tooDeep(where);
      if (typeof (value as { toJSON?: unknown }).toJSON === 'function') {
        bytes += 64;
        continue;
      }
      path.add(value);
      stack.push({ value: undefined, depth, leave: value });
      for (const key of Object.keys(value)) {
        bytes += key.length + 4;
        stack.push({ value: (value as Record<string, unknown>)[key], depth: depth + 1 });
      }
    } else bytes += 24;
  }
  return bytes;
}

export function checkText(text: unknown): asserts text is string {
  if (typeof text !== 'string' || text.trim() === '') {
    throw new WarmpoolError('INVALID_QUERY', 'The query text must be a non-empty string.', { notApplied: true });
  }
  // The protocol ends the text at a NUL: the server would see only part of it.
  if (text.includes(NUL) || !(text as unknown as { isWellFormed(): boolean }).isWellFormed()) {
    throw new WarmpoolError('INVALID_QUERY', 'The query text contains a NUL character or a lone UTF-16 surrogate; pass values as parameters.', { notApplied: true });
  }
  if (text.length > MAX_MESSAGE_BYTES / 3 && utf8Length(text) > MAX_MESSAGE_BYTES) throw payloadTooLarge(utf8Length(text));
}
