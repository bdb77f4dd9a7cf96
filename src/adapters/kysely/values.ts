/**
 * Values as Kysely's PostgresDialect on `pg` sends and reads them, so a user changing dialects
 * stores and reads the same values. Where warmpool and pg (pg-types 2) differ, the adapter asks
 * for the server's text and parses it as pg does: date, timestamp and timestamptz (and arrays of
 * them) become Dates read in the process time zone when the text has no offset (pg's
 * `postgres-date`), and numeric[] becomes numbers. A Date parameter goes out as pg sends it, the
 * local wall clock with its offset, so a `timestamp` column stores the same wall clock as on pg in
 * any time zone. Everything else is warmpool's own mapping, which matches pg's.
 */
import type { Column } from '../../transports/types.js';
import { DATE_TIME_TYPES } from '../../transports/values.js';

type Mapper = (value: unknown) => unknown;

/**
 * Date/time types come as text: date and timestamps for the parsers below; time and timetz are
 * text in pg too; interval stays text (pg makes a PostgresInterval object of it).
 */
export const KYSELY_TEXT_TYPES: readonly number[] = DATE_TIME_TYPES;

const DATE_TIME = /^(\d{1,})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(\.\d{1,})?(.*?)( BC)?$/;
const DATE = /^(\d{1,})-(\d{2})-(\d{2})( BC)?$/;
const OFFSET = /([Z+-])(\d{2})?:?(\d{2})?:?(\d{2})?$/;

/** A date or timestamp in the server's ISO text, parsed as pg parses it. */
export function parseDate(text: string): Date | number | null {
  if (text === 'infinity' || text === '-infinity') return text === 'infinity' ? Infinity : -Infinity;
  const dt = DATE_TIME.exec(text);
  if (!dt) {
    const d = DATE.exec(text);
    if (!d) return null;
    const date = new Date(year(d[1], d[4]), +d[2] - 1, +d[3]);
    fixYear(date, year(d[1], d[4]), false);
    return date;
  }
  const y = year(dt[1], dt[9]);
  const ms = dt[7] ? 1000 * parseFloat(dt[7]) : 0;
  const zone = OFFSET.exec(dt[8].trim());
  if (!zone) {
    const date = new Date(y, +dt[2] - 1, +dt[3], +dt[4], +dt[5], +dt[6], ms);
    fixYear(date, y, false);
    return date;
  }
  const date = new Date(Date.UTC(y, +dt[2] - 1, +dt[3], +dt[4], +dt[5], +dt[6], ms));
  fixYear(date, y, true);
  if (zone[1] !== 'Z') {
    const seconds = (+(zone[2] ?? 0)) * 3600 + (+(zone[3] ?? 0)) * 60 + (+(zone[4] ?? 0));
    date.setTime(date.getTime() - (zone[1] === '-' ? -1 : 1) * seconds * 1000);
  }
  return date;
}

/** 1 BC is year 0 in JavaScript. */
function year(digits: string, bc: string | undefined): number {
  const y = parseInt(digits, 10);
  return bc ? 1 - y : y;
}

/** The multi-argument Date constructor reads years 0–99 as 1900–1999. */
function fixYear(date: Date, y: number, utc: boolean): void {
  if (y >= 0 && y < 100) utc ? date.setUTCFullYear(y) : date.setFullYear(y);
}

const dateValue: Mapper = (v) => (typeof v === 'string' ? parseDate(v) : v);
const elementwise = (map: Mapper): Mapper => {
  const walk: Mapper = (v) => (Array.isArray(v) ? v.map(walk) : v === null ? null : map(v));
  return walk;
};

/** Mappers by column type OID: date, timestamp, timestamptz, their arrays, and numeric[]. */
const MAPPERS: Record<number, Mapper> = {
  1082: dateValue, 1114: dateValue, 1184: dateValue,
  1182: elementwise(dateValue), 1115: elementwise(dateValue), 1185: elementwise(dateValue),
  1231: elementwise((v) => parseFloat(v as string)),
};

/**
 * Maps object rows in place. With columns sharing a name, the row holds the last one's value
 * (as with pg), so the last column of a name decides its mapper.
 */
export function mapRows(rows: Record<string, unknown>[], columns: readonly Column[]): void {
  const byName = new Map<string, Mapper | undefined>();
  for (const column of columns) byName.set(column.name, MAPPERS[column.type]);
  const mapped = [...byName].filter((entry): entry is [string, Mapper] => entry[1] !== undefined);
  if (mapped.length === 0) return;
  for (const row of rows) {
    for (const [name, map] of mapped) {
      const value = row[name];
      if (value !== null && value !== undefined) row[name] = map(value);
    }
  }
}

/** Parameters as pg prepares them where warmpool's TCP transport would differ: Dates, and arrays holding Dates. */
export function toParams(params: readonly unknown[]): readonly unknown[] {
  return params.some(needsPreparing) ? params.map(prepare) : params;
}

function needsPreparing(value: unknown): boolean {
  return value instanceof Date || (Array.isArray(value) && value.some(needsPreparing));
}

function prepare(value: unknown): unknown {
  if (value instanceof Date) return pgDate(value);
  // As an untyped array literal the server reads it as the array type the statement needs.
  if (Array.isArray(value) && needsPreparing(value)) return arrayLiteral(value);
  return value;
}

function arrayLiteral(values: readonly unknown[]): string {
  const items = values.map((v) => {
    if (v === null || v === undefined) return 'NULL';
    if (Array.isArray(v)) return arrayLiteral(v);
    const text = v instanceof Date ? pgDate(v) : String(v);
    return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  });
  return `{${items.join(',')}}`;
}

/** `2024-05-06T09:08:09.123+02:00` (` BC` for years before 1): pg's `dateToString`. */
export function pgDate(date: Date): string {
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  let year = date.getFullYear();
  const bc = year < 1;
  if (bc) year = 1 - year;
  let offset = -date.getTimezoneOffset();
  const sign = offset < 0 ? '-' : '+';
  offset = Math.abs(offset);
  const text = `${pad(year, 4)}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}${sign}${pad(Math.floor(offset / 60))}:${pad(offset % 60)}`;
  return bc ? `${text} BC` : text;
}
