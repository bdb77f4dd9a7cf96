import { FIRST_USER_OID } from './tcp-array-types.js';
import type { Column, Row, Statement, StatementResult } from './types.js';
import { type Parser, type TypeParsers, asText } from './values.js';

/**
 * Turns postgres.js results, whose rows hold the server's text (the driver's parsers are off),
 * into the transport's results, parsing values in place. How a statement's columns are parsed is
 * worked out once per statement text and kept while its columns stay the same: a prepared
 * statement's results share one column list, an unnamed statement's come with a new list each
 * time, compared by name and type (a schema change may change them).
 */

export type DriverColumn = { name: string; type: number };
export type DriverResult = (Record<string, unknown> | unknown[])[] & { command: string; count: number | null; columns?: DriverColumn[] };

interface Shape {
  types: TypeParsers;
  /** The column list this shape was worked out for. */
  columns: DriverColumn[];
  /** Per column, in order: for rows as arrays. */
  parsers: Parser[];
  /** For rows as objects: the names whose values need parsing, and their parsers. */
  names: string[];
  typed: Parser[];
}

const NO_COLUMNS: DriverColumn[] = [];

/** Statement texts whose shapes a connection keeps; past this all are forgotten (an app's statements are far fewer). */
const MAX_SHAPES = 500;

export class TcpResults {
  /**
   * CREATE TYPE types seen in results, looked up in pg_type (tcp-array-types.ts): an array's OID
   * maps to its element's OID, any other type to 0. Shared by the pool's connections.
   */
  readonly userTypes: Record<number, number>;
  /** The pool's parsers (its `textTypes`), for statements without their own. */
  readonly #types: TypeParsers;
  #shapes = new Map<string, Shape>();

  constructor(types: TypeParsers, userTypes: Record<number, number>) {
    this.#types = types;
    this.userTypes = userTypes;
  }

  /** The CREATE TYPE types among `driverColumns` (of `text`) not looked up yet; undefined when there are none (nearly always). */
  unknownTypes(driverColumns: DriverColumn[] | undefined, text: string): number[] | undefined {
    // A shape is kept only once the types of its columns were looked up.
    if (!driverColumns || this.#kept(driverColumns, text)) return undefined;
    let unknown: number[] | undefined;
    for (const { type } of driverColumns) {
      if (type >= FIRST_USER_OID && !(type in this.userTypes)) (unknown ??= []).push(type);
    }
    return unknown;
  }

  from(result: DriverResult, statement: Statement): StatementResult {
    const driverColumns = result.columns ?? NO_COLUMNS;
    const shape = this.#shape(driverColumns, statement.text, statement.types ?? this.#types);
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

  /** The shape kept for `text`, if `driverColumns` has the same names and types as the columns it was worked out for. */
  #kept(driverColumns: DriverColumn[], text: string): Shape | undefined {
    const shape = this.#shapes.get(text);
    if (shape === undefined || shape.columns === driverColumns) return shape;
    const known = shape.columns;
    if (known.length !== driverColumns.length) return undefined;
    for (let i = 0; i < known.length; i++) {
      if (known[i].type !== driverColumns[i].type || known[i].name !== driverColumns[i].name) return undefined;
    }
    return shape;
  }

  #shape(driverColumns: DriverColumn[], text: string, types: TypeParsers): Shape {
    const cached = this.#kept(driverColumns, text);
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
    const shape = { types, columns: driverColumns, parsers, names, typed };
    if (this.#shapes.size >= MAX_SHAPES) this.#shapes.clear();
    this.#shapes.set(text, shape);
    return shape;
  }
}
