import type { SoakResult } from './soak.js';

/** The soak's result as a Markdown table: the run, what was done to it, and every check. */
export function formatResult(r: SoakResult): string {
  // A combo's faults are counted under their own kinds; `combo` counts the turns that combined them.
  const faults = Object.entries(r.faults).filter(([kind, n]) => n > 0 && kind !== 'combo').map(([kind, n]) => `${kind} ${n}`).join(', ');
  const total = Object.entries(r.faults).reduce((sum, [kind, n]) => sum + (kind === 'combo' ? 0 : n), 0);
  const rows: [string, string][] = [
    ['seed', String(r.seed)],
    ['minutes', String(r.minutes)],
    ['containers', `${r.containers} (${r.coldStarts} cold starts)`],
    ['invocations', String(r.invocations)],
    ['mix', Object.entries(r.mix).map(([op, n]) => `${op} ${n}`).join(', ')],
    ['session probes (resets by the pools)', `${r.probes} (${r.sessionResets})`],
    ['token provider calls', Object.entries(r.tokenCalls).map(([what, n]) => `${what} ${n}`).join(', ') || 'none'],
    ['faults', `${total}: ${faults || 'none'}`],
    ['turns combining 2–3 faults', String(r.faults.combo)],
    ['ok', String(r.ok)],
    ['failed (notApplied or rejected)', String(r.failed)],
    ['outcome unknown', `${r.unknown} (${r.unknownApplied} of them applied)`],
    ['keyed: keys (delivered more than once), deliveries, ok', `${r.keyed.keys} (${r.keyed.redelivered}), ${r.keyed.deliveries}, ${r.keyed.ok}`],
    ['keyed: OUTCOME_UNKNOWN from the library (with no fault while it ran)', `${r.keyed.unknown.length} (${r.keyed.unknownWithoutFault})`],
    ...r.checks.map((c): [string, string] => [`check: ${c.name}`, String(c.count)]),
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  const lines = [`| ${'what'.padEnd(width)} | value |`, `|${'-'.repeat(width + 2)}|-------|`, ...rows.map(([k, v]) => `| ${k.padEnd(width)} | ${v} |`)];
  const codes = Object.entries(r.codes).sort((a, b) => b[1] - a[1]).map(([code, n]) => `${code} ${n}`).join(', ');
  if (codes) lines.push('', `Error codes: ${codes}`);
  const keyedCodes = Object.entries(r.keyed.codes).sort((a, b) => b[1] - a[1]).map(([code, n]) => `${code} ${n}`).join(', ');
  if (keyedCodes) lines.push('', `Keyed deliveries' error codes: ${keyedCodes}`);
  if (r.keyed.unknown.length > 0) {
    lines.push('', 'Keyed deliveries that ended OUTCOME_UNKNOWN, with the faults applied from 1 s before them to their end (ms from their start):');
    for (const u of r.keyed.unknown.slice(0, 40)) lines.push(`  - ${u}`);
  }
  if (r.violations.length > 0) {
    lines.push('', `${r.violations.length} violation(s); replay with --seed ${r.seed}:`);
    for (const v of r.violations.slice(0, 40)) lines.push(`  - ${v}`);
    if (r.violations.length > 40) lines.push(`  … and ${r.violations.length - 40} more`);
  } else {
    lines.push('', 'No violation.');
  }
  return lines.join('\n');
}
