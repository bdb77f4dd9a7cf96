/**
 * Array types for postgres.js without a round trip at connect (the driver's `fetch_types` costs
 * one on every cold start). Built-in type OIDs are fixed, so the arrays whose elements the driver
 * serializes itself are registered from a table. Any other array parameter, built-in or of a
 * CREATE TYPE type, is serialized element by element as text, through a fallback the driver
 * consults for the OIDs it has no serializer for (what its own array serializer does for such
 * elements). Parsing an array column needs its element type: built-ins are known (values.ts);
 * the types of CREATE TYPE columns are looked up the first time a pool sees them in a result
 * (`userTypesQuery`), once, so only statements returning such columns pay a round trip, once.
 */
import { TEXT_ARRAYS } from './values.js';

type Serializer = (x: unknown) => string;

/** The parts of a postgres.js instance's `options` that hold its serializers. */
export interface DriverTypeTables {
  serializers: Record<number, Serializer>;
  transform: { undefined?: unknown };
}

/** PostgreSQL's FirstNormalObjectId: types made with CREATE TYPE (and extensions) have OIDs from here. */
export const FIRST_USER_OID = 16384;

/** Element OID, array OID: for the elements postgres.js (or tcp-driver-types.ts) has serializers for. */
const BUILT_IN_ARRAYS: readonly (readonly [number, number])[] = [
  [16, 1000], [17, 1001], [21, 1005], [23, 1007], [25, 1009], [26, 1028], [114, 199], [700, 1021], [701, 1022],
  [1082, 1182], [1114, 1115], [1184, 1185], [3802, 3807],
];

/**
 * Registers the built-in array serializers, and the fallback for arrays of other types (an OID of
 * a CREATE TYPE type may be a scalar: a value that is not an array goes out as the driver's own
 * fallback sends it, `'' + x`). The fallback sits behind the table as its prototype, so the
 * driver's `type in serializers` finds registered types without reaching it.
 */
export function registerArrayTypes(options: DriverTypeTables): void {
  const { serializers } = options;
  for (const [oid, typarray] of BUILT_IN_ARRAYS) {
    serializers[typarray] = (xs) => serializeArray(xs, serializers[oid], options, typarray) as string;
  }
  const byOid = new Map<number, Serializer>();
  const fallbackFor = (key: string | symbol): Serializer | undefined => {
    const oid = typeof key === 'string' ? Number(key) : NaN;
    if (!(oid >= FIRST_USER_OID || TEXT_ARRAYS.has(oid))) return undefined;
    let serializer = byOid.get(oid);
    if (!serializer) byOid.set(oid, (serializer = (x) => (Array.isArray(x) ? serializeArray(x, undefined, options, oid) as string : '' + x)));
    return serializer;
  };
  Object.setPrototypeOf(serializers, new Proxy({}, { has: (_, key) => fallbackFor(key) !== undefined, get: (_, key) => fallbackFor(key) }));
}

/** Which of `oids` are arrays, and of what: one row per array type, its OID and its element's. */
export function userTypesQuery(oids: readonly number[]): string {
  return `select oid, typelem from pg_catalog.pg_type where typcategory = 'A' and oid in (${oids.map(Number).join(',')})`;
}

/** postgres.js's arraySerializer: nested arrays, quoted elements, NULL unquoted, ';' for box[]. */
function serializeArray(xs: unknown, element: Serializer | undefined, options: DriverTypeTables, typarray: number): unknown {
  if (!Array.isArray(xs)) return xs;
  if (xs.length === 0) return '{}';
  const delimiter = typarray === 1020 ? ';' : ',';
  const first = xs[0] as { type?: unknown };
  if (Array.isArray(first) && !first.type) return `{${xs.map((x) => serializeArray(x, element, options, typarray)).join(delimiter)}}`;
  return `{${xs.map((value) => {
    let x = value as { type?: unknown; value?: unknown } | null | undefined;
    if (x === undefined) {
      x = options.transform.undefined as typeof x;
      if (x === undefined) throw Object.assign(new Error('Undefined values are not allowed'), { code: 'UNDEFINED_VALUE' });
    }
    if (x === null) return 'null';
    const text = element ? element(x.type ? x.value : x) : String(x);
    return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  }).join(delimiter)}}`;
}
