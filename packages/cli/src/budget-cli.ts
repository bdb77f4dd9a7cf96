import { type BudgetFunction, WarmpoolError, computeBudget, createPool, redactUrl } from 'warmpool';

const HELP = `Usage: warmpool budget --function <name>=<concurrency>[:<max>] ... [options]

Computes a safe max per container and a reserved concurrency for each function, so that all of
them at their peak fit in the server's connections, and prints the arithmetic.

Options:
  --function a=50[:2]     A function, its peak concurrency and its pool's max (default 1); repeat.
  --max-connections <n>   The server's max_connections.
  --reserved <n>          superuser_reserved_connections + reserved_connections.
  --headroom <n>          Connections kept free for people, migrations, monitoring (default 0).
  --from-server [url]     Read max_connections and the reserved slots from the server
                          (default: DATABASE_URL) instead of --max-connections and --reserved.
`;

function count(flag: string, value: string | undefined): number {
  if (value === undefined || !/^\d+$/.test(value)) throw new WarmpoolError('INVALID_OPTION', `${flag} needs a whole number, got ${value === undefined ? 'nothing' : `"${value}"`}.`);
  return Number(value);
}

function parseFunction(spec: string | undefined): BudgetFunction {
  const match = spec === undefined ? null : /^([^=]+)=(\d+)(?::(\d+))?$/.exec(spec);
  if (!match) throw new WarmpoolError('INVALID_OPTION', `--function needs name=concurrency[:max], such as api=50 or worker=10:2; got ${spec === undefined ? 'nothing' : `"${spec}"`}.`);
  return { name: match[1]!, concurrency: Number(match[2]), ...(match[3] ? { max: Number(match[3]) } : {}) };
}

/** max_connections and the slots applications cannot take (reserved_connections exists from PostgreSQL 16). */
async function readServer(url: string): Promise<{ maxConnections: number; reserved: number }> {
  const db = createPool({ connectionString: url, applicationName: 'warmpool-budget' });
  try {
    const [row] = await db.sql`
      select current_setting('max_connections')::int as max_connections,
             current_setting('superuser_reserved_connections')::int
               + coalesce(current_setting('reserved_connections', true), '0')::int as reserved`;
    return { maxConnections: row!.max_connections as number, reserved: row!.reserved as number };
  } finally {
    await db.end();
  }
}

export async function budgetCommand(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(HELP);
    return 0;
  }
  try {
    const functions: BudgetFunction[] = [];
    let maxConnections: number | undefined;
    let reserved: number | undefined;
    let headroom = 0;
    let fromServer: string | undefined;
    for (let i = 0; i < args.length; i++) {
      const flag = args[i];
      if (flag === '--function') functions.push(parseFunction(args[++i]));
      else if (flag === '--max-connections') maxConnections = count(flag, args[++i]);
      else if (flag === '--reserved') reserved = count(flag, args[++i]);
      else if (flag === '--headroom') headroom = count(flag, args[++i]);
      else if (flag === '--from-server') {
        const next = args[i + 1];
        fromServer = next && !next.startsWith('--') ? args[++i] : process.env.DATABASE_URL ?? '';
        if (!fromServer) throw new WarmpoolError('INVALID_OPTION', '--from-server needs a postgres:// URL or DATABASE_URL.');
      } else throw new WarmpoolError('INVALID_OPTION', `Unknown argument "${flag}" (warmpool budget --help).`);
    }
    if (fromServer) {
      const server = await readServer(fromServer);
      console.log(`server        ${redactUrl(fromServer)}: max_connections ${server.maxConnections}, reserved ${server.reserved}`);
      maxConnections ??= server.maxConnections;
      reserved ??= server.reserved;
    }
    if (maxConnections === undefined) throw new WarmpoolError('INVALID_OPTION', 'Give --max-connections (and --reserved), or --from-server to read them.');
    const budget = computeBudget({ maxConnections, reservedConnections: reserved ?? 0, headroom, functions });
    for (const line of budget.explanation) console.log(line);
    console.log('');
    console.log('function      concurrency  max  connections  reserved concurrency  safe max');
    for (const f of budget.functions) {
      console.log(`${f.name.padEnd(13)} ${String(f.concurrency).padStart(11)}  ${String(f.max).padStart(3)}  ${String(f.share).padStart(11)}  ${String(f.reservedConcurrency).padStart(20)}  ${String(f.safeMax).padStart(8)}`);
    }
    return budget.fits ? 0 : 3;
  } catch (err) {
    const code = err instanceof WarmpoolError ? err.code : 'ERROR';
    console.error(`${code}: ${err instanceof Error ? err.message : String(err)}`);
    return 2;
  }
}
