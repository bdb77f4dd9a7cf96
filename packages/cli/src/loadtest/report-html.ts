/**
 * The load test's HTML report: one self-contained file (uPlot's script and stylesheet inlined, the
 * results embedded as JSON, no network) with server connections over time per strategy, the
 * latency distribution, errors and throughput over time, the summary table and the settings.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { CURVE_PERCENTILES } from './metrics.js';
import { summaryRows } from './report-text.js';
import type { LoadtestResults, StrategyResult } from './run.js';
import { highlighted } from './verdict.js';

const require = createRequire(import.meta.url);

const escapeHtml = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
/** JSON that cannot close the script element it sits in. */
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

export async function renderHtmlReport(results: LoadtestResults): Promise<string> {
  const [uplotJs, uplotCss] = await Promise.all([
    readFile(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
    readFile(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
  ]);
  const { header, rows } = summaryRows(results);
  const s = results.settings;
  const usable = results.server.maxConnections - results.server.reservedConnections;
  const settings: [string, string][] = [
    ['scenario', `${results.scenario.name}: ${results.scenario.summary}`],
    ['phases', results.scenario.phases.map((p) => `${p.label} ${(p.durationMs / 1000).toFixed(1)} s${p.kind === 'load' ? ` (${p.clients} clients${p.ramp ? ', ramp' : ''}${p.thinkMs ? `, ${p.thinkMs} ms think` : ''})` : ''}`).join(' → ')],
    ['containers per strategy (reserved concurrency)', String(s.containers)],
    ['concurrent clients', `${s.clients} (over the container limit, invocations queue)`],
    ['traffic per strategy', `${s.durationMs / 1000} s, idle gaps on top`],
    ['server', `${results.server.version}, max_connections ${results.server.maxConnections} (${usable} for the application, ${results.server.reservedConnections} reserved)`],
    ['server idle_session_timeout', results.server.idleSessionTimeout],
    ['container idle TTL', `${results.scenario.idleTtlMs / 1000} s (then SIGKILL; sockets stay open, no FIN, until the server would have ended them)`],
    ['random recycling', `${s.recycleProbability} per invocation`],
    ['function timeout', `${s.timeoutMs / 1000} s`],
    ['handlers', s.bundle ? 'esbuild bundles, as serverless-esbuild deploys them' : 'sources through tsx'],
    ['order', `${results.order.ran.join(' → ')}${results.order.warmUp ? ` (after an uncounted ${results.order.warmUp.durationMs / 1000} s burst of ${results.order.warmUp.strategy}, as warm-up)` : ''}; ${results.order.mode}: ${results.order.why}`],
    ['work per invocation', 'one read and one ledger insert with a unique id, sent together (Promise.all)'],
    ['machine', `Node ${results.machine.node}, ${results.machine.cpus} CPUs, ${results.machine.platform}`],
    ['date', results.date],
  ];
  const strategyRows = results.strategies
    .map((r) => `<tr><td>${escapeHtml(r.name)}</td><td>${escapeHtml(r.summary)}</td><td>${Object.entries(r.errorKinds).map(([k, n]) => `${k} ${n}`).join(', ') || '—'}</td><td>${r.topErrors.map((e) => `${e.count}× ${escapeHtml(e.error)}`).join('<br>') || '—'}</td></tr>`)
    .join('\n');
  const data = chartData(results);
  const verdict = results.verdict;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>warmpool load test: ${escapeHtml(results.scenario.name)}, ${s.containers} containers, max_connections ${results.server.maxConnections}</title>
<style>${uplotCss}</style>
<style>
  body { font: 14px/1.45 system-ui, sans-serif; margin: 24px; color: #1d2330; background: #fff; }
  h1 { font-size: 20px; margin: 0 0 4px; } h2 { font-size: 16px; margin: 28px 0 8px; }
  .sub { color: #5a6272; margin: 0 0 16px; }
  .verdict { border: 1px solid #c9d3e3; border-left: 4px solid #1f5fbf; background: #f5f8fd; padding: 10px 16px; margin: 0 0 18px; }
  .verdict h2 { margin: 0 0 6px; } .verdict ul { margin: 0 0 6px; padding-left: 20px; } .verdict li { margin: 2px 0; }
  .verdict .noise { color: #5a6272; font-size: 12px; margin: 0; }
  .charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(520px, 1fr)); gap: 18px 24px; }
  .chart h3 { font-size: 14px; margin: 0 0 4px; } .chart p { margin: 0 0 6px; color: #5a6272; font-size: 12px; }
  table { border-collapse: collapse; font-size: 13px; } td, th { border-bottom: 1px solid #e3e6ec; padding: 4px 10px; text-align: left; vertical-align: top; }
  td.n { text-align: right; font-variant-numeric: tabular-nums; } th { background: #f4f6f9; }
</style>
</head>
<body>
<h1>warmpool load test</h1>
<p class="sub">${escapeHtml(results.scenario.summary)} — ${s.containers} containers per strategy against max_connections ${results.server.maxConnections}; strategies ran one after another against the same server. Timelines are lined up by phase: each phase starts where the slowest strategy ended the previous one (a burst lasts until its cold starts have answered). Grey bands: idle gaps, every container frozen. Warmpool's series are drawn bold in colour, the others thin and muted.</p>
<section class="verdict" id="verdict">
<h2>Verdict</h2>
<ul>${verdict.lines.map((l) => `<li>${escapeHtml(l)}</li>`).join('\n')}</ul>
<p class="noise">${escapeHtml(verdict.noise)}</p>
</section>
<div class="charts">
  <div class="chart"><h3>Server connections per strategy</h3><p>pg_stat_activity by application_name, every 100 ms; dashed: connections the application may open</p><div id="connections"></div></div>
  <div class="chart"><h3>Live containers per strategy</h3><p>execution environments in service (recycled ones drop out; a Worker runs in one workerd isolate)</p><div id="containers"></div></div>
  <div class="chart"><h3>Errors over time</h3><p>failed invocations per second, by completion time</p><div id="errors"></div></div>
  <div class="chart"><h3>Throughput over time</h3><p>successful invocations per second, by completion time</p><div id="throughput"></div></div>
  <div class="chart"><h3>Latency distribution, warm invocations</h3><p>successful, invoke to answer (queueing included), log scale</p><div id="warm"></div></div>
  <div class="chart"><h3>Latency distribution, cold starts</h3><p>successful, invoke to answer (process start and module load included), log scale</p><div id="cold"></div></div>
</div>
<h2>Summary</h2>
<table><tr>${header.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>
${rows.map((r) => `<tr>${r.map((c, i) => `<td${i ? ' class="n"' : ''}>${escapeHtml(c)}</td>`).join('')}</tr>`).join('\n')}</table>
<p class="sub">Latency of successful invocations. peak conns: most server connections of live containers at once (recycled containers&#39; sessions not yet ended are in the verdict); budget: containers × per-container cap (a Worker: concurrent requests × 1; through the gateway or PgBouncer: its pool size); opened: sessions the server accepted; lost / dup: acknowledged writes missing from / repeated in the ledger (a Worker&#39;s: its orders).</p>
<h2>Strategies and errors</h2>
<table><tr><th>strategy</th><th>what it does</th><th>errors by kind</th><th>most frequent errors</th></tr>
${strategyRows}</table>
<h2>Settings</h2>
<table>${settings.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('\n')}</table>
<script>${uplotJs}</script>
<script id="data" type="application/json">${scriptJson(data)}</script>
<script>
(() => {
  const data = JSON.parse(document.getElementById('data').textContent);
  const strong = ['#1f5fbf', '#e0641a', '#1a9e4b', '#b0279a'];
  const muted = ['#a8b0bd', '#c2aaa2', '#a6bfae', '#b4aac6', '#c4bb98', '#9fbcc4'];
  const width = (id) => Math.max(360, document.getElementById(id).clientWidth);
  let s = 0, m = 0;
  const colours = data.highlight.map((h) => (h ? strong[s++ % strong.length] : muted[m++ % muted.length]));
  const series = (extra = {}) => data.names.map((name, i) => ({ label: name, stroke: colours[i], width: data.highlight[i] ? 2.75 : 1.25, points: { show: false }, ...extra }));
  const bands = (u) => {
    const { ctx, bbox } = u;
    ctx.save();
    ctx.fillStyle = 'rgba(120, 130, 150, 0.13)';
    for (const [from, to] of data.idle) {
      const x0 = Math.max(bbox.left, u.valToPos(from, 'x', true));
      const x1 = Math.min(bbox.left + bbox.width, u.valToPos(to, 'x', true));
      if (x1 > x0) ctx.fillRect(x0, bbox.top, x1 - x0, bbox.height);
    }
    ctx.restore();
  };
  const timeAxis = { label: 'seconds into the scenario' };
  const timeChart = (id, x, ys, label, extraSeries = [], paths) => new uPlot({
    width: width(id), height: 270,
    legend: { live: false },
    scales: { x: { time: false } },
    series: [{ label: 's' }, ...series(paths ? { paths } : {}), ...extraSeries],
    axes: [timeAxis, { label }],
    hooks: { drawClear: [bands] },
  }, [x, ...ys], document.getElementById(id));
  const stepped = uPlot.paths.stepped({ align: 1 });

  timeChart('connections', data.grid, [...data.connections, data.grid.map(() => data.usable)], 'connections',
    [{ label: 'usable max_connections', stroke: '#444', dash: [6, 4], width: 1, points: { show: false } }]);
  timeChart('containers', data.grid, data.containers, 'containers');
  timeChart('errors', data.bins, data.errorsPerSecond, 'errors / s', [], stepped);
  timeChart('throughput', data.bins, data.okPerSecond, 'invocations / s', [], stepped);
  for (const [id, curves] of [['warm', data.warm], ['cold', data.cold]]) {
    new uPlot({
      width: width(id), height: 270,
      legend: { live: false },
      scales: { x: { time: false }, y: { distr: 3 } },
      series: [{ label: 'percentile' }, ...series()],
      axes: [{ label: 'percentile' }, { label: 'ms' }],
    }, [data.percentiles, ...curves.map((c) => c.map((v) => (v > 0 ? v : null)))], document.getElementById(id));
  }
  window.__reportReady = true;
})();
</script>
</body>
</html>
`;
}

const GRID_MS = 100;

/**
 * Everything the charts plot, on one time axis for all strategies. Strategies ran one after
 * another and their phases took different times (a burst lasts until its cold starts answered),
 * so each phase is placed where the slowest strategy ended the previous one; within a phase,
 * times are as measured.
 */
export function chartData(results: LoadtestResults) {
  const strategies = results.strategies;
  const phaseCount = Math.max(0, ...strategies.map((r) => r.timeline.phases.length));
  const starts = [0];
  for (let i = 0; i < phaseCount; i++) {
    const longest = Math.max(0, ...strategies.map((r) => phaseLength(r, i)));
    starts.push(starts[i] + longest);
  }
  const place = (r: StrategyResult, t: number): number => {
    const phases = r.timeline.phases;
    let i = phases.findIndex((p) => t < p.endMs);
    if (i < 0) i = phases.length - 1;
    return i < 0 ? t : starts[i] + Math.max(0, t - phases[i].startMs);
  };
  const end = starts[phaseCount] ?? 0;
  const grid = Array.from({ length: Math.floor(end / GRID_MS) + 1 }, (_, k) => k * GRID_MS);
  const onGrid = (r: StrategyResult, value: (s: StrategyResult['timeline']['samples'][number]) => number) => {
    const points = r.timeline.samples.map((s) => ({ t: place(r, s.t), v: value(s) }));
    let j = 0;
    return grid.map((t) => {
      while (j + 1 < points.length && points[j + 1].t <= t) j++;
      const p = points[j];
      return p && p.t <= t && t - p.t <= 2 * GRID_MS ? p.v : null;
    });
  };
  const binMs = strategies[0]?.timeline.binMs ?? 250;
  const binCount = Math.floor(end / binMs) + 1;
  const rebin = (r: StrategyResult, counts: number[]) => {
    const out = new Array<number>(binCount).fill(0);
    counts.forEach((n, k) => {
      const at = Math.min(binCount - 1, Math.floor(place(r, (k + 0.5) * r.timeline.binMs) / binMs));
      out[at] += n * (1000 / binMs);
    });
    return out;
  };
  const idle: [number, number][] = [];
  strategies[0]?.timeline.phases.forEach((p, i) => {
    if (p.kind === 'idle') idle.push([starts[i] / 1000, (starts[i] + phaseLength(strategies[0], i)) / 1000]);
  });
  return {
    names: strategies.map((r) => r.name),
    highlight: strategies.map((r) => highlighted(results, r.name)),
    usable: results.server.maxConnections - results.server.reservedConnections,
    idle,
    grid: grid.map((t) => t / 1000),
    connections: strategies.map((r) => onGrid(r, (s) => s.connections)),
    containers: strategies.map((r) => onGrid(r, (s) => s.containers)),
    bins: Array.from({ length: binCount }, (_, k) => (k * binMs) / 1000),
    errorsPerSecond: strategies.map((r) => rebin(r, r.timeline.errorsPerBin)),
    okPerSecond: strategies.map((r) => rebin(r, r.timeline.okPerBin)),
    percentiles: CURVE_PERCENTILES,
    warm: strategies.map((r) => r.timeline.warmLatencyCurve),
    cold: strategies.map((r) => r.timeline.coldLatencyCurve),
  };
}

function phaseLength(r: StrategyResult, i: number): number {
  const p = r.timeline.phases[i];
  return p ? p.endMs - p.startMs : 0;
}
