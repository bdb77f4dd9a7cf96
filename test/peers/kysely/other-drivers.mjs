// Stand-ins for the drivers of Kysely's other dialects (tedious, tarn, better-sqlite3, mysql2,
// PGlite), which the suite imports at module scope. With DIALECTS=postgres nothing calls them; the
// suite only spies on a few prototype methods, which must therefore exist.
const unused = (name) => () => {
  throw new Error(`${name} is a stand-in: only the postgres dialect runs here (DIALECTS=postgres).`);
};

export class Connection {
  beginTransaction() {}
  commitTransaction() {}
  rollbackTransaction() {}
  saveTransaction() {}
}
export class Request {
  pause() {}
  resume() {}
}
export const ISOLATION_LEVEL = {};
export class SqliteError extends Error {}
export class PGlite {
  transaction() {}
}
export const createConnection = unused('mysql2');
export const createPool = unused('mysql2');
export default unused('better-sqlite3');
