import { WarmpoolError } from './errors.js';

/**
 * The connection budget of a fleet: every container of every function may hold up to `max`
 * connections, so the peak is the sum of concurrency × max, and it must fit in what the server
 * leaves to applications. When it does not, each function gets a share of the usable connections
 * in proportion to its demand, and that share is turned into a reserved concurrency (at its max)
 * and a max (at its concurrency).
 */

export interface BudgetFunction {
  name: string;
  /** Peak concurrent containers (on Lambda Managed Instances: concurrent requests). */
  concurrency: number;
  /** Connections per container (the pool's `max`). Default 1. */
  max?: number;
}

export interface BudgetInput {
  /** The server's `max_connections`. */
  maxConnections: number;
  /** Slots applications cannot use: `superuser_reserved_connections` + `reserved_connections`. */
  reservedConnections: number;
  /** Kept free for people, migrations and monitoring. Default 0. */
  headroom?: number;
  functions: readonly BudgetFunction[];
}

export interface BudgetLine {
  name: string;
  concurrency: number;
  max: number;
  /** concurrency × max: what this function can hold at its peak. */
  demand: number;
  /** Connections this function may hold: all of its demand when the fleet fits, else its share. */
  share: number;
  /** Reserved concurrency that keeps it within its share at its max: floor(share / max). */
  reservedConcurrency: number;
  /** Largest max that keeps it within its share at its concurrency: floor(share / concurrency), 0 if none. */
  safeMax: number;
}

export interface Budget {
  usable: number;
  demand: number;
  fits: boolean;
  functions: BudgetLine[];
  /** The arithmetic, one step a line. */
  explanation: string[];
}

function whole(value: unknown, name: string, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new WarmpoolError('INVALID_OPTION', `${name} must be a whole number of at least ${min}, got ${typeof value === 'number' ? value : typeof value}.`);
  }
  return value;
}

export function computeBudget(input: BudgetInput): Budget {
  const maxConnections = whole(input.maxConnections, 'maxConnections', 1);
  const reserved = whole(input.reservedConnections, 'reservedConnections', 0);
  const headroom = whole(input.headroom ?? 0, 'headroom', 0);
  if (!Array.isArray(input.functions) || input.functions.length === 0) {
    throw new WarmpoolError('INVALID_OPTION', 'Give at least one function with its concurrency, e.g. { name: "api", concurrency: 50 } (warmpool budget --function api=50).');
  }
  const usable = maxConnections - reserved - headroom;
  if (usable < 1) {
    throw new WarmpoolError('INVALID_OPTION', `No connections are left for applications: max_connections ${maxConnections} − reserved ${reserved} − headroom ${headroom} = ${usable}. Lower the headroom or raise max_connections.`);
  }
  const lines = input.functions.map((f) => {
    const concurrency = whole(f.concurrency, `Concurrency of "${f.name}"`, 1);
    const max = whole(f.max ?? 1, `max of "${f.name}"`, 1);
    return { name: String(f.name), concurrency, max, demand: concurrency * max };
  });
  const demand = lines.reduce((sum, f) => sum + f.demand, 0);
  const fits = demand <= usable;
  const explanation = [
    `usable = max_connections ${maxConnections} − reserved ${reserved} − headroom ${headroom} = ${usable}`,
    `demand = ${lines.map((f) => `${f.name} ${f.concurrency} × ${f.max}`).join(' + ')} = ${demand}`,
    fits ? `${demand} ≤ ${usable}: the fleet fits; ${usable - demand} connections to spare` : `${demand} > ${usable}: the fleet does not fit; each function gets usable × its demand / ${demand}, rounded down`,
  ];
  const functions = lines.map((f): BudgetLine => {
    const share = fits ? f.demand : Math.floor((usable * f.demand) / demand);
    const line = { ...f, share, reservedConcurrency: Math.floor(share / f.max), safeMax: Math.floor(share / f.concurrency) };
    explanation.push(fits
      ? `${f.name}: reserved concurrency ${line.reservedConcurrency} keeps it at ${f.demand} connections with max ${f.max}`
      : `${f.name}: share ${usable} × ${f.demand} / ${demand} = ${share}; reserved concurrency ${share} / ${f.max} = ${line.reservedConcurrency} at max ${f.max}` +
        (line.safeMax >= 1 ? `, or max ${share} / ${f.concurrency} = ${line.safeMax} at concurrency ${f.concurrency}` : `; at concurrency ${f.concurrency} not even max 1 fits`));
    return line;
  });
  return { usable, demand, fits, functions, explanation };
}
