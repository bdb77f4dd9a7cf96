/**
 * What a load-test run concludes: errors, peak server connections against each strategy's budget,
 * lost or duplicated writes, and each strategy's throughput relative to warmpool's, with the noise
 * a rerun on this kind of machine shows. Rendered at the top of the printed table and the report.
 */
import type { LoadtestResults, StrategyResult } from './run.js';

/**
 * How much a strategy's throughput moved between two back-to-back default runs (`npm start`, 2
 * cores shared with other work, load average about 9): the median over strategies, and the
 * largest. Measured, see the README's load test.
 */
export const RERUN_SPREAD = { median: 0.45, max: 0.95, loadAverage: 9 };

export interface StrategyVerdict {
  name: string;
  errors: number;
  peakServerConnections: number;
  peakRecycledConnections: number;
  budget: number;
  withinBudget: boolean;
  lostWrites: number | null;
  duplicateWrites: number | null;
  throughputPerSec: number;
  /** Throughput ÷ the reference's; null without a reference. */
  relativeThroughput: number | null;
  /** Requests of a Worker strategy that wanted more than Cloudflare's 6 simultaneous connections. */
  overConnectionLimit?: number;
}

export interface Verdict {
  /** The strategy the others are measured against: warmpool-tcp, else the first warmpool one, else the user's function. */
  reference: string | null;
  /** One sentence each: errors, connections, writes, throughput, and Workers' connection limit when it ran. */
  lines: string[];
  noise: string;
  strategies: StrategyVerdict[];
}

const percent = (x: number) => `${Math.round(x * 100)}%`;
const list = (items: string[]) => (items.length ? items.join(', ') : 'none');

function referenceOf(results: LoadtestResults): StrategyResult | undefined {
  const all = results.strategies;
  const own = results.settings.userFunction?.function;
  return all.find((r) => r.name === 'warmpool-tcp') ?? all.find((r) => r.name.startsWith('warmpool')) ?? all.find((r) => r.name === own);
}

/** The strategies whose series the charts draw in full colour: warmpool's and the user's own function. */
export function highlighted(results: LoadtestResults, name: string): boolean {
  return name.startsWith('warmpool') || name === results.settings.userFunction?.function;
}

/**
 * On the user's server the run cannot lower max_connections or idle_session_timeout: when neither
 * can bite, say so, and what a comparison needs, instead of letting "no errors anywhere" read as
 * "every strategy is as good".
 */
function serverLimits(results: LoadtestResults, usable: number): string | undefined {
  if (results.server.source !== 'DATABASE_URL') return undefined;
  const need = Math.max(0, ...results.strategies.map((r) => r.budget));
  const roomy = usable >= need;
  const noReaping = results.settings.serverIdleTimeoutMs <= 0;
  if (!roomy && !noReaping) return undefined;
  const facts = [
    ...(roomy ? [`has room for every container's connections (${need} at most)`] : []),
    ...(noReaping ? ['ends no idle session (idle_session_timeout off)'] : []),
  ];
  const cannot = [
    ...(roomy ? ['run out of connections'] : []),
    ...(noReaping ? ['find its session ended by the server after a freeze'] : []),
  ];
  return (
    `This server (max_connections ${results.server.maxConnections}, ${usable} usable) ${facts.join(' and ')}: no strategy can ${cannot.join(' or ')} here, ` +
    "so errors do not tell the strategies apart. To see the failures warmpool avoids, compare on a throwaway server: unset DATABASE_URL or pass --embedded-postgres, " +
    'with --max-connections below the containers\' needs and a short --server-idle-timeout.'
  );
}

export function computeVerdict(results: LoadtestResults): Verdict {
  const reference = referenceOf(results);
  const usable = results.server.maxConnections - results.server.reservedConnections;
  const strategies: StrategyVerdict[] = results.strategies.map((r) => ({
    name: r.name,
    errors: r.errors,
    peakServerConnections: r.peakServerConnections,
    peakRecycledConnections: r.peakRecycledConnections ?? 0,
    budget: r.budget,
    withinBudget: r.peakServerConnections <= r.budget,
    lostWrites: r.lostWrites,
    duplicateWrites: r.duplicateWrites,
    throughputPerSec: r.throughputPerSec,
    relativeThroughput: reference && reference.throughputPerSec > 0 ? Math.round((r.throughputPerSec / reference.throughputPerSec) * 100) / 100 : null,
    ...(r.workerConnections ? { overConnectionLimit: r.workerConnections.requestsOverLimit } : {}),
  }));

  const clean = results.strategies.filter((r) => r.errors === 0).map((r) => r.name);
  const failing = results.strategies.filter((r) => r.errors > 0).map((r) => {
    const kinds = Object.entries(r.errorKinds).sort((a, b) => b[1]! - a[1]!).map(([k, n]) => `${k} ${n}`).join(', ');
    return `${r.name} ${r.errors} of ${r.invocations} (${kinds})`;
  });
  const errors = failing.length ? `Errors: none in ${list(clean)}; ${failing.join('; ')}.` : `Errors: none in any strategy (${results.strategies.length}).`;

  const over = strategies.filter((s) => !s.withinBudget).map((s) => `${s.name} ${s.peakServerConnections} > ${s.budget}`);
  const beyondServer = strategies.filter((s) => s.budget > usable).map((s) => s.name);
  const peaks = strategies.map((s) => `${s.name} ${s.peakServerConnections}/${s.budget}`).join(', ');
  const unreaped = strategies.filter((s) => s.peakRecycledConnections > 0).map((s) => `${s.name} ${s.peakRecycledConnections} at peak`);
  const idleMs = results.settings.serverIdleTimeoutMs;
  const connections =
    `Peak server connections against budget: ${peaks}; ${over.length ? `over budget: ${over.join(', ')}` : 'all within budget'}` +
    `${beyondServer.length ? `; budget larger than the server's ${usable} usable connections: ${beyondServer.join(', ')}` : ''}` +
    (unreaped.length
      ? `; besides, sessions of recycled containers the server had not ended yet: ${unreaped.join(', ')} (on Lambda they hold connections until ` +
        `${idleMs > 0 ? `the server's idle_session_timeout (${idleMs} ms here)` : "a session timeout ends them: the server's idle_session_timeout is off, warmpool sets serverIdleSessionTimeoutMs on its own sessions"})`
      : '') +
    '.';

  const checked = results.strategies.filter((r) => r.lostWrites !== null);
  const badWrites = checked.filter((r) => (r.lostWrites ?? 0) + (r.duplicateWrites ?? 0) > 0).map((r) => `${r.name} ${r.lostWrites} lost, ${r.duplicateWrites} duplicated`);
  const notChecked = results.strategies.filter((r) => r.lostWrites === null).map((r) => r.name);
  const writes =
    (checked.length === 0 ? 'Writes: not checked (the function keeps no ledger)' : badWrites.length ? `Writes: ${badWrites.join('; ')}` : `Writes: no acknowledged write lost or duplicated in ${checked.length === results.strategies.length ? 'any strategy' : list(checked.map((r) => r.name))}`) +
    (notChecked.length && checked.length ? ` (not checked: ${notChecked.join(', ')})` : '') +
    '.';

  const lines = [errors, connections, writes];
  const limits = serverLimits(results, usable);
  if (limits) lines.push(limits);
  if (reference && strategies.length > 1) {
    const others = strategies.filter((s) => s.name !== reference.name && s.relativeThroughput !== null).map((s) => `${s.name} ${s.relativeThroughput!.toFixed(2)}×`);
    lines.push(
      `Throughput relative to ${reference.name} (${reference.throughputPerSec.toFixed(0)} successful invocations/s): ${others.join(', ')}. ` +
        `Differences within ±${percent(RERUN_SPREAD.max)} can be noise (below).`,
    );
  }
  const workers = results.strategies.filter((r) => r.workerConnections);
  if (workers.length) {
    const worker = (r: StrategyResult) => {
      const c = r.workerConnections!;
      return `${r.name} ${c.requestsOverLimit ? `${c.requestsOverLimit} requests over the limit, ${c.queued} connections queued as Cloudflare queues them` : 'never over'} (at most ${c.peakWanted} at once)`;
    };
    lines.push(`Workers' ${workers[0].workerConnections!.limit} simultaneous outgoing connections per request: ${workers.map(worker).join('; ')}.`);
  }
  const { machine, order } = results;
  const noise =
    `Noise: one machine (${machine.cpus} CPUs, load average ${machine.loadAverage.map((l) => l.toFixed(1)).join(' / ')} at the start), shared by every container, ` +
    `the server and the load test itself. Two back-to-back default runs on 2 shared cores (load average ${RERUN_SPREAD.loadAverage}) differed by a median of ${percent(RERUN_SPREAD.median)} ` +
    `(up to ${percent(RERUN_SPREAD.max)}) in a strategy's throughput. Order: ${order.ran.join(' → ')}${order.warmUp ? `, after an uncounted ${(order.warmUp.durationMs / 1000).toFixed(1)} s warm-up of ${order.warmUp.strategy}` : ''}.`;
  return { reference: reference?.name ?? null, lines, noise, strategies };
}
