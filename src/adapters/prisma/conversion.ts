import { type ArgType, type ColumnType, ColumnTypeEnum, DriverAdapterError } from '@prisma/driver-adapter-utils';

/**
 * Column types and values as `@prisma/adapter-pg` gives them to Prisma's query engine, from the
 * OIDs and values warmpool returns. Types whose JavaScript form would lose what Prisma needs
 * (json as parsed objects, dates as Date) are asked for as the server's text, then normalised the
 * way adapter-pg normalises them. Arguments are converted as adapter-pg converts them.
 */

/** OIDs of user-defined types (enums, domains…) start here; adapter-pg reads them as text. */
const FIRST_NORMAL_OBJECT_ID = 16384;

/** Values of these types (and arrays of them) come back as the server's text. */
export const TEXT_TYPES: readonly number[] = [114, 3802, 1082, 1083, 1114, 1184, 1266];

const T = ColumnTypeEnum;

/** Type OID → Prisma column type, as adapter-pg's fieldToColumnType. */
const COLUMN_TYPES: Record<number, ColumnType> = {
  21: T.Int32, 23: T.Int32, 20: T.Int64, 26: T.Int64, 700: T.Float, 701: T.Double, 16: T.Boolean,
  1082: T.Date, 1083: T.Time, 1266: T.Time, 1114: T.DateTime, 1184: T.DateTime, 1700: T.Numeric,
  790: T.Numeric, 114: T.Json, 3802: T.Json, 2950: T.Uuid, 17: T.Bytes,
  // bpchar, text, varchar, bit, varbit, inet, cidr, xml, name
  1042: T.Text, 25: T.Text, 1043: T.Text, 1560: T.Text, 1562: T.Text, 869: T.Text, 650: T.Text, 142: T.Text, 19: T.Text,
  1005: T.Int32Array, 1007: T.Int32Array, 1021: T.FloatArray, 1022: T.DoubleArray, 1231: T.NumericArray,
  791: T.NumericArray, 1000: T.BooleanArray, 1002: T.CharacterArray,
  // bpchar[], text[], varchar[], varbit[], bit[], inet[], cidr[], xml[]
  1014: T.TextArray, 1009: T.TextArray, 1015: T.TextArray, 1563: T.TextArray, 1561: T.TextArray, 1041: T.TextArray, 651: T.TextArray, 143: T.TextArray,
  1182: T.DateArray, 1183: T.TimeArray, 1115: T.DateTimeArray, 1185: T.DateTimeArray, 199: T.JsonArray,
  3807: T.JsonArray, 1001: T.BytesArray, 2951: T.UuidArray, 1016: T.Int64Array, 1028: T.Int64Array,
};

/** The column type for a type OID; a built-in type adapter-pg does not support is refused, as there. */
export function columnType(oid: number): ColumnType {
  const type = COLUMN_TYPES[oid];
  if (type !== undefined) return type;
  if (oid >= FIRST_NORMAL_OBJECT_ID) return T.Text;
  throw new DriverAdapterError({ kind: 'UnsupportedNativeDataType', type: UNSUPPORTED_NAMES[oid] ?? 'Unknown' });
}

/** Names adapter-pg reports for the built-in types it refuses (the common ones). */
const UNSUPPORTED_NAMES: Record<number, string> = {
  18: 'char', 22: 'int2vector', 24: 'regproc', 27: 'tid', 28: 'xid', 29: 'cid', 30: 'oidvector', 600: 'point',
  601: 'lseg', 602: 'path', 603: 'box', 604: 'polygon', 628: 'line', 718: 'circle', 774: 'macaddr8', 829: 'macaddr',
  1186: 'interval', 1790: 'refcursor', 2205: 'regclass', 2206: 'regtype', 2249: 'record', 2278: 'void',
  3614: 'tsvector', 3615: 'tsquery', 3904: 'int4range', 3906: 'numrange', 3908: 'tsrange', 3910: 'tstzrange',
  3912: 'daterange', 3926: 'int8range', 4072: 'jsonpath', 5069: 'xid8',
};

type Normalizer = (value: string) => string;

const timestamp: Normalizer = (text) => `${text.replace(' ', 'T')}+00:00`;
// adapter-pg drops the offset (Prisma writes and reads timestamptz as UTC wall clock); so do we.
const timestamptz: Normalizer = (text) => text.replace(' ', 'T').replace(/[+-]\d{2}(:\d{2})?$/, '+00:00');
const timetz: Normalizer = (text) => text.replace(/[+-]\d{2}(:\d{2})?$/, '');
const money: Normalizer = (text) => text.slice(1);

/** Normalisers by OID (scalar and array OIDs; arrays are normalised element by element). */
const NORMALIZERS: Record<number, Normalizer> = {
  1114: timestamp, 1115: timestamp, 1184: timestamptz, 1185: timestamptz, 1266: timetz, 790: money, 791: money,
};

/**
 * A value as adapter-pg hands it to the engine. Warmpool already gives numbers, booleans, text,
 * bytes and arrays in pg's shapes; what remains is adapter-pg's own normalisation, and arrays of
 * user-defined types (an enum[]), which pg leaves as the array's text.
 */
export function resultValue(value: unknown, oid: number): unknown {
  if (value === null) return null;
  const normalize = NORMALIZERS[oid];
  if (normalize) return mapLeaves(value, normalize);
  if (oid >= FIRST_NORMAL_OBJECT_ID && Array.isArray(value)) return arrayText(value);
  return value;
}

function mapLeaves(value: unknown, fn: Normalizer): unknown {
  if (Array.isArray(value)) return value.map((v) => mapLeaves(v, fn));
  return typeof value === 'string' ? fn(value) : value;
}

/** The Postgres text form of an array of strings, as the server prints it. */
function arrayText(values: unknown[]): string {
  const items = values.map((v) => {
    if (v === null) return 'NULL';
    if (Array.isArray(v)) return arrayText(v);
    const text = String(v);
    return text === '' || /[{},"\\\s]/.test(text) || text.toUpperCase() === 'NULL' ? `"${text.replace(/[\\"]/g, '\\$&')}"` : text;
  });
  return `{${items.join(',')}}`;
}

/** An argument as adapter-pg's mapArg sends it. */
export function queryArg(arg: unknown, argType: ArgType | undefined): unknown {
  if (arg === null || arg === undefined) return null;
  if (Array.isArray(arg) && argType?.arity === 'list') return arg.map((value) => queryArg(value, argType));
  if (typeof arg === 'string' && argType?.scalarType === 'datetime') arg = new Date(arg);
  if (arg instanceof Date) {
    switch (argType?.dbType) {
      case 'TIME':
      case 'TIMETZ':
        return formatTime(arg);
      case 'DATE':
        return formatDate(arg);
      default:
        return `${formatDate(arg)} ${formatTime(arg)}`;
    }
  }
  if (typeof arg === 'string' && argType?.scalarType === 'bytes') return base64Bytes(arg);
  if (ArrayBuffer.isView(arg)) return new Uint8Array(arg.buffer, arg.byteOffset, arg.byteLength);
  return arg;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

function formatDate(date: Date): string {
  return `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}`;
}

function formatTime(date: Date): string {
  const ms = date.getUTCMilliseconds();
  return `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}${ms ? `.${pad(ms, 3)}` : ''}`;
}

/** Base64 → bytes without Node's Buffer (the adapter also runs on Workers). */
function base64Bytes(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
