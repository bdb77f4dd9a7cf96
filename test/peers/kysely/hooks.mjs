// Resolve hooks for Kysely's suite (registered by register.mjs).
// - `../../../dist/<file>` from the compiled suite (dist/), and `kysely` from anywhere (the
//   adapter's source), go to the one copy of the library of the suite's version, so the suite,
//   PostgresDialect and WarmpoolDialect share its classes.
// - The other dialects' drivers go to other-drivers.mjs: with DIALECTS=postgres none is called.
const suite = new URL('./dist/', import.meta.url).href;
const otherDrivers = new URL('./other-drivers.mjs', import.meta.url).href;
const OTHER_DRIVERS = new Set(['tedious', 'tarn', 'better-sqlite3', 'mysql2', '@electric-sql/pglite']);

let library = '';

export function initialize(data) {
  library = data.library;
}

export async function resolve(specifier, context, next) {
  if (OTHER_DRIVERS.has(specifier)) return { url: otherDrivers, shortCircuit: true };
  if (specifier === 'kysely') return { url: new URL('index.js', library).href, shortCircuit: true };
  const dist = /^(?:\.\.\/)+dist\/(.+)$/.exec(specifier);
  if (dist && context.parentURL?.startsWith(suite)) return { url: new URL(dist[1], library).href, shortCircuit: true };
  return next(specifier, context);
}
