// Stands in for `dockerode` and `get-port`, which Drizzle's tests use only to start PostgreSQL in
// Docker when PG_CONNECTION_STRING is unset; here it is always set (support/global-setup.ts).
export function noDocker(): never {
  throw new Error('Docker is not used: the peer suite runs on the embedded PostgreSQL or DATABASE_URL.');
}

export default class Docker {
  constructor() {
    noDocker();
  }
}
