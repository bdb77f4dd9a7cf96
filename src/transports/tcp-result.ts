import { FIRST_USER_OID } from './tcp-array-types.js';
import type { Column, Row, Statement, StatementResult } from './types.js';
import { type Parser, type TypeParsers, asText } from './values.js';

/**
 * Turns postgres.js results, whose rows hold the server's text (the driver's parsers are off),
 * into the transport's results, parsing values in place. How a column list is parsed is worked
 * out once per list: postgres.js keeps one list per prepared statement and hands the same array
 * with each of that statement's results.
 */

export type DriverColumn = { name: string; type: number };
export type DriverResult = (Record<string, unknown> | unknown[])[] & { command: string; count: number | null; columns?: DriverColumn[] };

interface Shape {
  types: TypeParsers;
  /** Per column, in order: for rows as arrays. */
  parsers: Parser[];
  /** For rows as objects: the names whose values need parsing, and their parsers. */
  names: string[];
  typed: Parser[];
}

const NO_COLUMNS: DriverColumn[] = [];

export class TcpResults {
  /**
   * CREATE TYPE types seen in results, looked up in pg_type (tcp-array-types.ts): an array's OID
   * maps to its element's OID, any other type to 0. Shared by the pool's connections.
   */
  readonly userTypes: Record<number, number>;
  /** The pool's parsers (its `textTypes`), for statements without their own. */
  readonly #types: TypeParsers;
  #shapes = new WeakMap<DriverColumn[], Shape>();

  constructor(types: TypeParsers, userTypes: Record<number, number>) {
    this.#types = types;
    this.userTypes = userTypes;
  }

  /** The CREATE TYPE types among `driverColumns` not looked up yet; undefined when there are none (nearly always). */
  unknownTypes(driverColumns: DriverColumn[] | undefined): number[] | undefined {
    // A shape is cached only for a column list whose types were all known.
    if (!driverColumns || this.#shapes.has(driverColumns)) return undefined;
    let unknown: number[] | undefined;
    for (const { type } of driverColumns) {
      if (type >= FIRST_USER_OID && !(type in this.userTypes)) (unknown ??= []).push(type);
    }
    return unknown;
  }

  from(result: DriverResult, statement: Statement): StatementResult {
    const driverColumns = result.columns ?? NO_COLUMNS;
    const shape = this.#shape(driverColumns, statement.types ?? this.#types);
    const columns: Column[] = new Array(driverColumns.length);
    for (let i = 0; i < driverColumns.length; i++) columns[i] = { name: driverColumns[i].name, type: driverColumns[i].type };
    if (statement.arrayRows) {
      const { parsers } = shape;
      for (let r = 0; r < result.length; r++) {
        const row = result[r] as unknown[];
        for (let i = 0; i < parsers.length; i++) {
          const value = row[i];
          if (value !== null && parsers[i] !== asText) row[i] = parsers[i](value as string);
        }
      }
    } else {
      const { names, typed } = shape;
      for (let r = 0; r < result.length; r++) {
        const row = result[r] as Row;
        for (let i = 0; i < names.length; i++) {
          const value = row[names[i]];
          if (value !== null) row[names[i]] = typed[i](value as string);
        }
      }
    }
    // The server's tag is 'CREATE TABLE', 'INSERT' …; the first word, as the other transports give it.
    const space = result.command.indexOf(' ');
    const command = space < 0 ? result.command : result.command.slice(0, space);
    // The driver's array itself: the API copies the rows into its own result (toResult).
    return { rows: result as Row[], command, count: result.count ?? result.length, columns };
  }

  #shape(driverColumns: DriverColumn[], types: TypeParsers): Shape {
    const cached = this.#shapes.get(driverColumns);
    if (cached?.types === types) return cached;
    const parsers = driverColumns.map(({ type }) => types.columnParser(type, this.userTypes[type] || undefined));
    // An object keeps the last of the columns sharing a name, as the driver built it.
    const last = new Map<string, Parser>();
    for (let i = 0; i < driverColumns.length; i++) last.set(driverColumns[i].name, parsers[i]);
    const names: string[] = [];
    const typed: Parser[] = [];
    for (const [name, parser] of last) {
      if (parser !== asText) names.push(name), typed.push(parser);
    }
    const shape = { types, parsers, names, typed };
    this.#shapes.set(driverColumns, shape);
    return shape;
  }
}
