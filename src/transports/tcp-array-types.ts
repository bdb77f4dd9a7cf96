/**
 * Array types for postgres.js, fetched by warmpool instead of the driver. The driver's own fetch
 * (`fetch_types`) runs in a promise it drops, so a connection that dies right after login rejects
 * with nobody listening; here the query is awaited inside the connect, and a death there is an
 * ordinary connect failure. The rows are the driver's query; the registration mirrors the
 * serializer half of its `addArrayType`. No parsers: the transport parses result text itself
 * (values.ts), from the element types that `arrayElements` maps.
 */

export type ArrayTypes = readonly { oid: number; typarray: number }[];

export const ARRAY_TYPES_QUERY = `
  select b.oid, b.typarray
  from pg_catalog.pg_type a
  left join pg_catalog.pg_type b on b.oid = a.typelem
  where a.typcategory = 'A'
  group by b.oid, b.typarray
  order by b.oid`;

type Serializer = (x: unknown) => string;

/** The parts of a postgres.js instance's `options` that hold its types. */
export interface DriverTypeTables {
  serializers: Record<number, Serializer>;
  shared: { typeArrayMap: Record<number, number> };
  transform: { undefined?: unknown };
}

export function registerArrayTypes(options: DriverTypeTables, types: ArrayTypes): void {
  for (const { oid, typarray } of types) {
    if (options.serializers[typarray]) continue;
    options.shared.typeArrayMap[oid] = typarray;
    options.serializers[typarray] = (xs) => serializeArray(xs, options.serializers[oid], options, typarray) as string;
  }
}

/** Array type OID → element type OID. */
export function arrayElements(types: ArrayTypes): Record<number, number> {
  const elements: Record<number, number> = {};
  for (const { oid, typarray } of types) elements[typarray] = oid;
  return elements;
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
