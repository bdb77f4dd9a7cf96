// `npm run test:peers -- <peer>`: runs a peer project's published test suite against warmpool's
// adapter and against the peer's own driver, and compares them (test/peers/<peer>/run.mjs).
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const [peer, ...args] = process.argv.slice(2);
const runner = peer && fileURLToPath(new URL(`./${peer}/run.mjs`, import.meta.url));
if (!peer || peer.includes('/') || !existsSync(runner)) {
  console.error('usage: npm run test:peers -- <peer>   (a folder of test/peers/ with a run.mjs, e.g. drizzle)');
  process.exit(2);
}
const { main } = await import(pathToFileURL(runner).href);
process.exitCode = await main(args);
