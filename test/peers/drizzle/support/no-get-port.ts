import { noDocker } from './no-docker.js';

// Stands in for `get-port` (see no-docker.ts).
export default async function getPort(): Promise<number> {
  noDocker();
}
