/**
 * `npm start`: the sample handlers of functions/ in emulated Lambda containers (child processes
 * frozen with SIGSTOP between invocations) against a throwaway PostgreSQL, or DATABASE_URL.
 * Shows cold and warm invocations, a backend killed during a freeze, a server restart during a
 * freeze and a recycled container, then the pool's counters and the server's connections.
 */
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { EmulatedContainer, type InvocationOutcome } from '../test/support/emulated-container.js';
import { httpEvent } from '../packages/cli/src/emulator/events.js';
import { type EmbeddedServer, startEmbeddedPostgres } from '../packages/cli/src/local-db/embedded-postgres.js';

const functionsDir = new URL('../functions/', import.meta.url);
const modulePath = (name: string) => fileURLToPath(new URL(`${name}.ts`, functionsDir));

interface Row {
  step: string;
  fn: string;
  container: string;
  start: 'cold' | 'warm';
  status: string;
  ms: string;
}

const rows: Row[] = [];
const invoked = new Set<EmulatedContainer>();

async function invoke(step: string, fn: string, container: EmulatedContainer, event: unknown): Promise<InvocationOutcome> {
  const outcome = await container.invoke(event);
  const result = outcome.result as { statusCode?: number } | undefined;
  rows.push({
    step,
    fn,
    container: String(container.pid),
    start: invoked.has(container) ? 'warm' : 'cold',
    status: outcome.ok ? String(result?.statusCode ?? 'ok') : `error ${outcome.error?.code}`,
    ms: outcome.durationMs.toFixed(1),
  });
  invoked.add(container);
  return outcome;
}

function printTable(): void {
  const headers: (keyof Row)[] = ['step', 'fn', 'container', 'start', 'status', 'ms'];
  const widths = headers.map((h) => Math.max(h.length, ...rows.map((r) => r[h].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ');
  console.log(line(headers));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const row of rows) console.log(line(headers.map((h) => row[h])));
}

const getItem = (id: number) => httpEvent({ routeKey: 'GET /items/{id}', path: `/items/${id}`, pathParameters: { id: String(id) } });
const createOrder = (itemId: number, key: string) =>
  httpEvent({ routeKey: 'POST /orders', path: '/orders', headers: { 'idempotency-key': key }, body: JSON.stringify({ itemId, quantity: 1 }) });
const health = () => httpEvent({ routeKey: 'GET /health', path: '/health' });

async function main(): Promise<void> {
  let server: EmbeddedServer | undefined;
  const url = process.env.DATABASE_URL ?? (server = await startEmbeddedPostgres()).url;
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  const containers: EmulatedContainer[] = [];
  const start = async (name: string) => {
    const c = await EmulatedContainer.start({ module: modulePath(name), functionName: name, env: { DATABASE_URL: url } });
    containers.push(c);
    return c;
  };
  try {
    const migrate = await start('migrate');
    await invoke('deploy', 'migrate', migrate, {});
    const [item] = await sql`insert into items (name, price_cents) values ('demo widget', 1299) returning id`;

    const reader = await start('get-item');
    const writer = await start('create-order');
    const status = await start('health');
    await invoke('first requests', 'get-item', reader, getItem(item.id));
    await invoke('first requests', 'create-order', writer, createOrder(item.id, 'demo-order-1'));
    for (let i = 0; i < 3; i++) await invoke('warm reuse', 'get-item', reader, getItem(item.id));

    // While the containers are frozen, their server sessions are killed.
    await sql`select pg_terminate_backend(pid) from pg_stat_activity where application_name like 'warmpool:%' and pid <> pg_backend_pid()`;
    await invoke('backends killed while frozen', 'get-item', reader, getItem(item.id));
    await invoke('backends killed while frozen', 'create-order', writer, createOrder(item.id, 'demo-order-2'));

    if (server) {
      await server.restart('fast');
      await invoke('server restarted while frozen', 'get-item', reader, getItem(item.id));
      await invoke('server restarted while frozen', 'create-order', writer, createOrder(item.id, 'demo-order-3'));
    }

    reader.kill();
    const recycled = await start('get-item');
    await invoke('container recycled (SIGKILL)', 'get-item', recycled, getItem(item.id));
    const stats = await invoke('stats', 'health', status, health());

    printTable();
    const body = JSON.parse((stats.result as { body: string }).body);
    console.log('\nhealth handler says:', JSON.stringify({ runtime: body.runtime, transport: body.transport }));
    const [orders] = await sql`select count(*)::int as n from orders`;
    const byContainer = await sql`select application_name, count(*)::int as n from pg_stat_activity where application_name like 'warmpool:%' group by 1 order by 1`;
    console.log(`orders written: ${orders.n} (3 requests with distinct keys${server ? ', one per step' : ''})`);
    console.log('server connections per container:', byContainer.map((r) => `${r.application_name}=${r.n}`).join(' '));
  } finally {
    for (const c of containers) c.kill();
    await sql.end();
    await server?.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
