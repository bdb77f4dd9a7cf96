// Round trips per invocation, the way users feel them. Each client talks to PostgreSQL through
// its own delay proxy (test/support/fault-proxy.ts: half the RTT added to every chunk in each
// direction, connect and authentication included), and the wall time of one invocation divided
// by the RTT is what it cost in round trips, waits on the client's and the server's CPU included
// (SCRAM's key derivation at connect weighs most). Beside it, the turns: round trips counted at the
// client's sockets (bench/support/turn-counter.ts), what the protocol alone costs. Every client runs every scenario in the same run:
// warmpool (a module-scope pool with its defaults, no deadline), raw postgres.js 3.4 and 4.2
// (max 1), pg.Pool and serverless-postgres. A warm scenario repeats an invocation right after the
// same one (gap 0); the idle ones run after 1.3 s without traffic, past warmpool's
// validateAfterIdleMs (1 s); a cold one makes a new client. One untimed pass comes first, then
// `--runs` timed ones with the clients in a rotating order. Over TLS as well when the server can
// be given a certificate. Goals are printed beside warmpool's figures, not checked.
//
//   npm run bench:rtt [-- --rtt 20 --runs 5 --json rtt.json]
//
// DATABASE_URL is used when set; otherwise a throwaway embedded PostgreSQL is started and stopped.
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { type EmbeddedServer, startEmbeddedPostgres } from '../packages/cli/src/local-db/embedded-postgres.js';
import { FaultProxy } from '../test/support/fault-proxy.js';
import { CLIENTS, type Client, type ClientKind } from './support/rtt-clients.js';
import { enableTls } from './support/rtt-tls.js';
import { type TurnCounter, turnCounter } from './support/turn-counter.js';
import { median, percentile, table } from './support/stats.js';

const IDLE_MS = 1300;
/** An invocation that takes longer has hung: it becomes an error row. */
const HANG_MS = 30_000;

const { values: args } = parseArgs({
  options: { rtt: { type: 'string', default: '20' }, runs: { type: 'string', default: '5' }, json: { type: 'string' } },
});
const RTT = Number(args.rtt);
const RUNS = Number(args.runs);
if (!(RTT > 0)) throw new Error('--rtt must be a positive number of milliseconds');
if (!Number.isInteger(RUNS) || RUNS < 1) throw new Error('--runs must be a positive integer');

interface Entry {
  kind: ClientKind;
  url: string;
  tls: boolean;
  counter: TurnCounter;
  client?: Client;
  /** Why the client could not be made. */
  error?: string;
}

type Goal = (medians: Map<string, number>, bestBare: number) => { value: number; why: string } | undefined;

interface Scenario {
  name: string;
  gap: 'warm' | 'idle' | 'cold';
  goal: Goal;
  run(entry: Entry, client: Client): Promise<unknown>;
}

const fixed = (value: number, why: string): Goal => () => ({ value, why });

const SCENARIOS: Scenario[] = [
  { name: 'select, warm', gap: 'warm', goal: fixed(1, 'one statement'), run: (_, c) => c.read(1) },
  { name: `select after ${IDLE_MS / 1000} s idle`, gap: 'idle', goal: (_, bare) => ({ value: bare, why: 'what the bare drivers pay' }), run: (_, c) => c.read(2) },
  { name: 'Promise.all of 3 reads after idle', gap: 'idle', goal: fixed(1, 'k reads at once'), run: (_, c) => c.readThree() },
  { name: 'transaction (insert + select), warm', gap: 'warm', goal: fixed(3, 'its statements + 1'), run: (_, c) => c.transaction(3) },
  { name: 'transaction after idle', gap: 'idle', goal: fixed(3, 'its statements + 1'), run: (_, c) => c.transaction(4) },
  { name: 'batch of 3 statements, warm', gap: 'warm', goal: fixed(1, 'one batch'), run: (_, c) => c.batch(5) },
  {
    name: 'cold: new client, connect + first select',
    gap: 'cold',
    goal: (medians) => (medians.has('pg.Pool') ? { value: medians.get('pg.Pool')!, why: "pg.Pool's" } : undefined),
    run: (e) => e.kind.cold(e.url, e.tls),
  },
];

interface Sample {
  transport: 'tcp' | 'tls';
  scenario: string;
  client: string;
  ms: number[];
  turns: number[];
  error?: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function withinHangLimit<T>(work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer in ${HANG_MS / 1000} s`)), HANG_MS)));
  return Promise.race([work, hung]).finally(() => clearTimeout(timer));
}

const message = (err: unknown) => (err instanceof Error ? `${(err as { code?: string }).code ?? err.name}: ${err.message}` : String(err)).split('\n')[0].slice(0, 100);

/** One invocation, timed and its turns counted; a cold client is ended after that. */
async function invoke(scenario: Scenario, entry: Entry): Promise<{ ms: number; turns: number }> {
  const turnsBefore = entry.counter.turns();
  const started = performance.now();
  const result = await withinHangLimit(scenario.run(entry, entry.client!));
  const ms = performance.now() - started;
  const turns = entry.counter.turns() - turnsBefore;
  if (scenario.gap === 'cold') await (result as () => Promise<unknown>)().catch(() => {});
  return { ms, turns };
}

async function measure(transport: 'tcp' | 'tls', entries: Entry[]): Promise<Sample[]> {
  const samples = new Map<string, Sample>();
  const sampleOf = (scenario: Scenario, entry: Entry) => {
    const key = `${scenario.name}\0${entry.kind.name}`;
    if (!samples.has(key)) samples.set(key, { transport, scenario: scenario.name, client: entry.kind.name, ms: [], turns: [], error: entry.error });
    return samples.get(key)!;
  };
  // Run -1 is the untimed pass: connections open, statements prepared, pg.Pool at its size.
  for (let run = -1; run < RUNS; run++) {
    for (const scenario of SCENARIOS) {
      if (scenario.gap === 'idle') await sleep(IDLE_MS);
      const order = entries.map((_, i) => entries[(i + Math.max(run, 0)) % entries.length]);
      for (const entry of order) {
        const sample = sampleOf(scenario, entry);
        if (sample.error) continue;
        try {
          if (scenario.gap === 'warm') await withinHangLimit(scenario.run(entry, entry.client!));
          const { ms, turns } = await invoke(scenario, entry);
          if (run >= 0) (sample.ms.push(ms), sample.turns.push(turns));
        } catch (err) {
          sample.error = message(err);
        }
      }
    }
    if (run >= 0) process.stderr.write(`${transport}: run ${run + 1} of ${RUNS} done\n`);
  }
  return [...samples.values()];
}

const fmt = (n: number) => n.toFixed(2);

function report(transport: string, samples: Sample[]): void {
  const summary: string[][] = [];
  for (const scenario of SCENARIOS) {
    const rows = samples.filter((s) => s.scenario === scenario.name);
    const medians = new Map(rows.filter((s) => !s.error && s.ms.length).map((s) => [s.client, median(s.ms) / RTT]));
    const bare = CLIENTS.filter((k) => k.bare && medians.has(k.name)).sort((a, b) => medians.get(a.name)! - medians.get(b.name)!)[0];
    const bestBare = bare ? medians.get(bare.name)! : NaN;
    const goal = scenario.goal(medians, bestBare);
    const body = rows.map((s) => {
      if (s.error || !s.ms.length) return [s.client, `error: ${s.error ?? 'no sample'}`, '', '', '', '', '', '', ''];
      const rt = s.ms.map((ms) => ms / RTT);
      const mine = s.client === 'warmpool';
      const ratio = mine && bare ? `${fmt(median(rt) / bestBare)}x` : '';
      const goalCell = mine && goal ? `${fmt(goal.value)} (${goal.why})` : '';
      return [s.client, fmt(median(rt)), fmt(Math.min(...rt)), fmt(percentile(rt, 90)), fmt(Math.max(...rt)), String(median(s.turns)), median(s.ms).toFixed(1), ratio, goalCell];
    });
    console.log(`\n${transport}, ${scenario.name}${bare ? ` (best bare driver: ${bare.name})` : ''}`);
    console.log(table(['client', 'round trips', 'min', 'p90', 'max', 'turns', 'ms', 'warmpool ÷ best bare', 'goal'], body));
    if (scenario.name.startsWith('batch')) for (const kind of CLIENTS) console.log(`  ${kind.name}: ${kind.batchVia}`);
    if (scenario.gap === 'cold') {
      console.log('  Timed from creating the client to the first row; its end() is not. The proxy accepts TCP at once, so the');
      console.log("  TCP handshake (one more round trip on a real network, the same for every client) is not in these figures.");
    }
    const turns = new Map(rows.map((s) => [s.client, s.turns.length ? median(s.turns) : NaN]));
    const cell = (k: ClientKind) => (medians.has(k.name) ? `${fmt(medians.get(k.name)!)} (${turns.get(k.name)})` : 'error');
    summary.push([scenario.name, ...CLIENTS.map(cell), goal ? fmt(goal.value) : '']);
  }
  console.log(`\n${transport}: round trips per invocation, and turns in parentheses (medians of ${RUNS} runs, RTT ${RTT} ms)`);
  console.log(table(['scenario', ...CLIENTS.map((k) => k.name), 'warmpool goal'], summary));
}

async function open(transport: 'tcp' | 'tls', url: string, closers: (() => unknown)[]): Promise<Entry[]> {
  const upstream = new URL(url);
  return Promise.all(
    CLIENTS.map(async (kind) => {
      // A proxy per client: the delay applies to its own connections only, and none share a queue.
      const proxy = await FaultProxy.start({ upstreamPort: Number(upstream.port), upstreamHost: upstream.hostname });
      proxy.set({ latencyMs: RTT / 2 });
      const counter = await turnCounter(proxy.urlFor(url), RTT / 2);
      closers.push(() => counter.close(), () => proxy.close());
      const entry: Entry = { kind, url: counter.url, tls: transport === 'tls', counter };
      try {
        entry.client = kind.open(entry.url, entry.tls);
      } catch (err) {
        entry.error = message(err);
      }
      return entry;
    }),
  );
}

let embedded: EmbeddedServer | undefined;
const databaseUrl = process.env.DATABASE_URL ?? (embedded = await startEmbeddedPostgres()).url;
const setup = postgres(databaseUrl, { max: 1, onnotice: () => {} });
await setup`create table if not exists rtt_bench (id bigserial primary key, client text not null, n int not null)`;
const [{ server_version: serverVersion }] = await setup`show server_version`;
await setup.end({ timeout: 1 });
const tlsSkipped = await enableTls(embedded, databaseUrl).catch((err: Error) => `enabling it failed: ${message(err)}`);

console.log(`RTT ${RTT} ms (${RTT / 2} ms each way), ${RUNS} runs, PostgreSQL ${serverVersion}, Node ${process.version}`);
console.log('round trips = wall time of one invocation ÷ RTT (min, p90, max over the runs); turns = times the client waited for an answer');
const all: Sample[] = [];
for (const transport of ['tcp', 'tls'] as const) {
  if (transport === 'tls' && tlsSkipped) {
    console.log(`\nTLS rows not run: ${tlsSkipped}.`);
    continue;
  }
  const closers: (() => unknown)[] = [];
  const entries = await open(transport, databaseUrl, closers);
  try {
    const samples = await measure(transport, entries);
    report(transport === 'tcp' ? 'TCP' : 'TLS (sslmode=require)', samples);
    all.push(...samples);
  } finally {
    await Promise.all(entries.map((e) => e.client?.end().catch(() => {})));
    await Promise.all(closers.map((close) => close()));
  }
}

if (args.json) {
  const results = all.map((s) => ({ ...s, roundTrips: s.ms.map((ms) => ms / RTT) }));
  await writeFile(args.json, `${JSON.stringify({ rttMs: RTT, runs: RUNS, idleMs: IDLE_MS, serverVersion, node: process.version, tlsSkipped: tlsSkipped ?? null, results }, null, 2)}\n`);
  console.log(`\nraw numbers: ${args.json}`);
}
await embedded?.stop();
