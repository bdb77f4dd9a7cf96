/**
 * How postgres.js converts values for warmpool: dates and JSON sent as the other transports send
 * them, and its result parsers off so values.ts parses every transport's rows alike.
 */
import type postgres from 'postgres';
import type { Parser } from './values.js';

type Sql = postgres.Sql<Record<string, never>>;

/**
 * postgres.js turns every value for a date/timestamp/timestamptz parameter into a Date and sends
 * its UTC ISO form: a string such as '2024-05-06 07:08:09' for a timestamp came back shifted by
 * the process's UTC offset, and 'infinity' threw. Strings go through as they are (as on HTTP);
 * Dates and epoch numbers as before.
 */
export const DATE_TYPE = {
  to: 1184,
  from: [1082, 1114, 1184],
  serialize: (x: unknown) => (typeof x === 'string' ? x : (x instanceof Date ? x : new Date(x as number)).toISOString()),
  parse: (x: string) => new Date(x),
};

/**
 * A string bound where the server expects json or jsonb is sent as that text (it is JSON already,
 * as ORMs and the other transports pass it); postgres.js would encode it again, storing a JSON
 * string. Anything else is JSON-encoded.
 */
export const JSON_TYPE = {
  to: 114,
  from: [114, 3802],
  serialize: (x: unknown) => (typeof x === 'string' ? x : JSON.stringify(x)),
  parse: (x: string) => JSON.parse(x),
};

/**
 * Switches the driver's result parsers off, so rows hold the server's text and values.ts parses
 * them as on every transport, with `textTypes` per query (postgres.js fixes a prepared statement's
 * parsers when it is first described). Set to undefined, not deleted: the driver looks a parser
 * up for each column of every RowDescription (each unnamed statement's), and a table with its
 * keys deleted is read through V8's slow dictionary lookup.
 */
export function driverParsersOff(sql: Sql): void {
  const { parsers } = sql.options as unknown as { parsers: Record<number, Parser | undefined> };
  for (const oid of Object.keys(parsers)) parsers[oid as unknown as number] = undefined;
}
