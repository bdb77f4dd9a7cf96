/**
 * Which JavaScript runtime this is. Checked in a fixed order; the names follow the package.json
 * export conditions. This is the only place that looks at runtime globals.
 */
export type Runtime = 'lambda' | 'node' | 'workerd' | 'edge-light' | 'deno' | 'bun' | 'other';

export function detectRuntime(): Runtime {
  const global = globalThis as Record<string, unknown> & { process?: { env?: Record<string, string | undefined>; versions?: Record<string, string> }; navigator?: { userAgent?: string } };
  if (typeof global.Deno !== 'undefined') return 'deno';
  if (typeof global.Bun !== 'undefined') return 'bun';
  if (typeof global.EdgeRuntime === 'string') return 'edge-light';
  if (global.navigator?.userAgent === 'Cloudflare-Workers') return 'workerd';
  if (global.process?.versions?.node) {
    const env = global.process.env ?? {};
    return env.AWS_LAMBDA_FUNCTION_NAME || env.AWS_EXECUTION_ENV?.startsWith('AWS_Lambda') ? 'lambda' : 'node';
  }
  return 'other';
}
