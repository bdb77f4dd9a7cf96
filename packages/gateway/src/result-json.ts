import { GatewayHttpError } from './http-error.js';

/**
 * The response side of Neon's `/sql` protocol. One statement's result is
 * `{"fields":[…],"command":"SELECT","rowCount":1,"rows":[…],"rowAsArray":true}`; a batch answers
 * `{"results":[…]}`. With `Neon-Raw-Text-Output: true` (what the Neon driver always sends) every
 * value is the text Postgres sent and the driver parses it using `fields[i].dataTypeID`. Without
 * it, values are converted to JSON as Neon's proxy does: bool, int2/int4 and float4/float8 (when
 * finite) become JSON booleans and numbers, json/jsonb are embedded as JSON, arrays of built-in
 * types become JSON arrays; everything else (int8, numeric, dates…) stays a string.
 *
 * Rows are serialised as they arrive and counted against the response budget, so a huge result
 * is refused (507) once it passes the limit instead of being held in memory; a single row too
 * large for the budget is refused from its header, before it is read (backend-tap.ts).
 */

export interface Column {
  name: string;
  /** Type OID. */
  type: number;
  /** OID of the table the column comes from, or 0. */
  table: number;
  /** Attribute number in that table, or 0. */
  number: number;
  /** `pg_type.typlen` (negative for variable-length types), from the RowDescription. */
  size?: number;
  /** Type modifier (`varchar(10)` → 14), -1 for none. */
  modifier?: number;
}

/** Shared by every statement of a request: the limit is on the whole response. */
export class ResponseBudget {
  #used = 0;
  readonly max: number;
  constructor(max: number) {
    this.max = max;
  }
  /** Adds `bytes`; false once the total passes the limit. */
  spend(bytes: number): boolean {
    this.#used += bytes;
    return this.#used <= this.max;
  }

  /**
   * Whether a row whose values take `valueBytes` on the wire can still fit. Its JSON is at least
   * that large (every value is quoted, or a number or literal of the same text), so a row this
   * refuses would certainly pass the limit once converted.
   */
  admits(valueBytes: number): boolean {
    return this.#used + valueBytes <= this.max;
  }
}

export function responseTooLarge(max: number): GatewayHttpError {
  return new GatewayHttpError(507, `response is too large (max is ${max} bytes)`);
}

export interface ResultShape {
  rawText: boolean;
  arrayMode: boolean;
}

/** Builds one statement's JSON from rows pushed as they are read. */
export class StatementJson {
  readonly #shape: ResultShape;
  readonly #budget: ResponseBudget;
  readonly #rows: string[] = [];
  #columns: Column[] | undefined;
  #encoders: Encoder[] = [];
  #names: string[] = [];

  constructor(shape: ResultShape, budget: ResponseBudget) {
    this.#shape = shape;
    this.#budget = budget;
  }

  /** Adds a row; false when the response budget is exhausted (the caller stops the query). */
  push(values: readonly (string | null)[], columns: readonly Column[]): boolean {
    if (this.#columns !== columns) this.#setColumns(columns);
    const parts = values.map((v, i) => (v === null ? 'null' : this.#encoders[i](v)));
    const row = this.#shape.arrayMode
      ? `[${parts.join(',')}]`
      : `{${parts.map((p, i) => `${this.#names[i]}:${p}`).join(',')}}`;
    this.#rows.push(row);
    return this.#budget.spend(Buffer.byteLength(row) + 1);
  }

  finish(columns: readonly Column[], command: string, count: number | null): string {
    const fields = columns.map((c) => ({
      name: c.name,
      dataTypeID: c.type,
      tableID: c.table,
      columnID: c.number,
      dataTypeSize: c.size ?? -1,
      dataTypeModifier: c.modifier ?? -1,
      format: 'text',
    }));
    // As node-postgres and Neon's proxy: the command is the tag's first word ("CREATE TABLE" → "CREATE").
    const verb = command.split(' ', 1)[0];
    return `{"fields":${JSON.stringify(fields)},"command":${JSON.stringify(verb)},"rowCount":${count ?? 'null'},"rows":[${this.#rows.join(',')}],"rowAsArray":${this.#shape.arrayMode}}`;
  }

  #setColumns(columns: readonly Column[]): void {
    this.#columns = columns as Column[];
    this.#names = columns.map((c) => JSON.stringify(c.name));
    this.#encoders = columns.map((c) => (this.#shape.rawText ? jsonString : encoderFor(c.type)));
  }
}

type Encoder = (text: string) => string;

const jsonString: Encoder = (text) => JSON.stringify(text);
const jsonBool: Encoder = (text) => (text === 't' ? 'true' : 'false');
const jsonInt: Encoder = (text) => (/^-?\d+$/.test(text) ? String(Number(text)) : JSON.stringify(text));
const jsonFloat: Encoder = (text) => {
  const n = Number(text);
  // NaN and ±Infinity stay strings: JSON has no such numbers.
  return Number.isFinite(n) ? JSON.stringify(n) : JSON.stringify(text);
};
const jsonRaw: Encoder = (text) => text;

const SCALAR: Record<number, Encoder> = { 16: jsonBool, 21: jsonInt, 23: jsonInt, 700: jsonFloat, 701: jsonFloat, 114: jsonRaw, 3802: jsonRaw };

/** Array type OID → element type OID, for the built-in types whose arrays use ',' as delimiter. */
const ARRAY_ELEMENT: Record<number, number> = {
  1000: 16, 1001: 17, 1002: 18, 1003: 19, 1005: 21, 1007: 23, 1009: 25, 1014: 1042, 1015: 1043, 1016: 20,
  1021: 700, 1022: 701, 1028: 26, 1115: 1114, 1182: 1082, 1183: 1083, 1185: 1184, 1187: 1186, 1231: 1700,
  1270: 1266, 199: 114, 3807: 3802, 2951: 2950, 1041: 869, 651: 650, 1040: 829, 143: 142, 3643: 3614,
};

function encoderFor(type: number): Encoder {
  const element = ARRAY_ELEMENT[type];
  if (element !== undefined) {
    const inner = SCALAR[element] ?? jsonString;
    return (text) => {
      try {
        return arrayToJson(text, inner);
      } catch {
        return JSON.stringify(text);
      }
    };
  }
  return SCALAR[type] ?? jsonString;
}

/** Postgres array text (`{1,NULL,"a b",{2}}`, optionally prefixed by `[1:2]=`) → JSON. */
function arrayToJson(text: string, element: Encoder): string {
  let at = 0;
  if (text[0] === '[') {
    at = text.indexOf('=') + 1;
    if (at === 0) throw new Error('unbalanced');
  }
  const out: string[] = [];
  const parseArray = (): void => {
    if (text[at] !== '{') throw new Error('unbalanced');
    at++;
    out.push('[');
    let first = true;
    while (text[at] !== '}') {
      if (!first) {
        if (text[at] !== ',') throw new Error('unbalanced');
        at++;
        out.push(',');
      }
      first = false;
      if (text[at] === '{') {
        parseArray();
      } else if (text[at] === '"') {
        at++;
        let item = '';
        while (text[at] !== '"') {
          if (at >= text.length) throw new Error('unbalanced');
          if (text[at] === '\\') at++;
          item += text[at++];
        }
        at++;
        out.push(element(item));
      } else {
        let end = at;
        while (end < text.length && text[end] !== ',' && text[end] !== '}') end++;
        if (end >= text.length) throw new Error('unbalanced');
        const item = text.slice(at, end).trim();
        at = end;
        out.push(item === 'NULL' ? 'null' : element(item));
      }
      if (at >= text.length) throw new Error('unbalanced');
    }
    at++;
    out.push(']');
  };
  parseArray();
  if (at !== text.length) throw new Error('unbalanced');
  return out.join('');
}
