/**
 * Result values as Kysely's PostgresDialect on `pg` gives them, so a user changing dialects reads
 * the same values. Where warmpool and pg (pg-types 2) differ, the adapter asks for the server's
 * text and parses it as pg does: date, timestamp and timestamptz (and arrays of them) become
 * Dates read in the process time zone when the text has no offset (pg's `postgres-date`), and
 * numeric[] becomes numbers. Everything else is warmpool's own mapping, which matches pg's.
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
