/** The terminal side of the load test: a live progress bar (TTY only) and the summary table. */
import type { LoadtestResults, Progress, StrategyResult } from './run.js';

export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const numeric = (cell: string) => /^[\d.,×x%+/ -]+$/.test(cell) || cell === '—';
  const line = (cells: string[]) => cells.map((c, i) => (i > 0 && numeric(c) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

const ms = (x: number) => (Number.isFinite(x) ? (x >= 100 ? x.toFixed(0) : x.toFixed(1)) : '—');

export function summaryRows(results: LoadtestResults): { header: string[]; rows: string[][] } {
  const header = ['strategy', 'invocations', 'errors', 'p50 ms', 'p95 ms', 'p99 ms', 'warm p50', 'cold p50', 'cold starts', 'inv/s', 'peak conns', 'budget', 'opened', 'lost', 'dup'];
  const rows = results.strategies.map((r: StrategyResult) => [
    r.name,
    String(r.invocations),
    String(r.errors),
    ms(r.p50Ms),
    ms(r.p95Ms),
    ms(r.p99Ms),
    ms(r.warmP50Ms),
    ms(r.coldP50Ms),
    String(r.coldStarts),
    r.throughputPerSec.toFixed(0),
    String(r.peakServerConnections),
    String(r.budget),
    String(r.connectionsOpened),
    String(r.lostWrites ?? '—'),
    String(r.duplicateWrites ?? '—'),
  ]);
  return { header, rows };
}

export function summaryText(results: LoadtestResults): string {
  const { settings: s, server } = results;
  const usable = server.maxConnections - server.reservedConnections;
  const lines = [
    'verdict:',
    ...results.verdict.lines.map((l) => wrap(l, 116, '  - ', '    ')),
    wrap(results.verdict.noise, 116, '  ', '  '),
    '',
    `scenario ${results.scenario.name} (${results.scenario.summary}); ${s.containers} containers, ${s.clients} clients, ` +
      `${s.durationMs / 1000} s of traffic per strategy; ${server.version}, max_connections ${server.maxConnections} ` +
      `(${usable} usable), idle_session_timeout ${server.idleSessionTimeout}, container idle TTL ${results.scenario.idleTtlMs / 1000} s; ` +
      `strategies ran ${results.order.mode}ly`,
    '',
    table(summaryRows(results).header, summaryRows(results).rows),
  ];
  const withErrors = results.strategies.filter((r) => r.errors > 0);
  if (withErrors.length) {
    lines.push('', 'errors by kind:');
    for (const r of withErrors) {
      lines.push(`  ${r.name}: ${Object.entries(r.errorKinds).map(([k, n]) => `${k} ${n}`).join(', ')}`);
      for (const e of r.topErrors.slice(0, 2)) lines.push(`      ${e.count}× ${e.error.slice(0, 140)}`);
    }
  }
  lines.push(
    '',
    'latency: successful invocations, from invoke to answer (queueing and cold starts included); peak conns: most server',
    'connections of the strategy\'s live containers at once (sampled every 100 ms; recycled ones\' are in the verdict); budget:',
    'containers × per-container cap (a Worker: concurrent',
    "requests × 1; through the gateway or PgBouncer: its pool size); opened: sessions the server accepted; lost / dup:",
    'acknowledged writes missing from / repeated in the ledger (a Worker\'s: its orders).',
  );
  return lines.join('\n');
}

/** Wraps text at word boundaries, the first line after `first`, the others after `rest`. */
function wrap(text: string, width: number, first: string, rest: string): string {
  const out: string[] = [];
  let line = first;
  for (const word of text.split(' ')) {
    if (line.length + word.length > width && line.trim()) {
      out.push(line.trimEnd());
      line = rest;
    }
    line += `${word} `;
  }
  out.push(line.trimEnd());
  return out.join('\n');
}

/** Redraws one status line while the run goes; only when stdout is a terminal. */
export function startProgressBar(progress: Progress, out: NodeJS.WriteStream = process.stdout): { stop(): void; clear(): void } {
  if (!out.isTTY) return { stop: () => {}, clear: () => {} };
  const draw = () => {
    if (!progress.strategy) return;
    const within = Math.min(1, (performance.now() - progress.startedAt) / Math.max(1, progress.expectedMs));
    const overall = (progress.strategyIndex + within) / Math.max(1, progress.strategyCount);
    const width = 24;
    const filled = Math.round(overall * width);
    const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
    const text = `${bar} ${progress.strategyIndex + 1}/${progress.strategyCount} ${progress.strategy} · ${progress.phase} · ok ${progress.ok} err ${progress.errors} · conns ${progress.connections}`;
    out.write(`\r\x1b[2K${text.slice(0, (out.columns ?? 120) - 1)}`);
  };
  const timer = setInterval(draw, 200);
  return {
    clear: () => out.write('\r\x1b[2K'),
    stop: () => {
      clearInterval(timer);
      out.write('\r\x1b[2K');
    },
  };
}
