/**
 * The warmpool checkout the sample Worker strategies run from: the working directory, when it holds
 * the sample Worker (functions/worker/) and its wrangler.toml, as when `npm start` runs in a clone.
 * The CLI ships no sample; these strategies exist for a checkout.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

export function sampleCheckout(cwd: string = process.cwd()): string | undefined {
  const has = (...parts: string[]) => existsSync(path.join(cwd, ...parts));
  return has('functions', 'worker', 'index.ts') && has('functions', 'schema.ts') && has('wrangler.toml') ? cwd : undefined;
}

export function requireCheckout(): string {
  const dir = sampleCheckout();
  if (!dir) throw new Error(`The sample Worker strategies run the sample of a warmpool checkout (functions/worker/, wrangler.toml); ${process.cwd()} has none: run them from a clone of warmpool.`);
  return dir;
}

/** A TypeScript module of the checkout, bundled by esbuild (its packages imported from where they are). */
export async function importCheckoutModule(file: string): Promise<Record<string, unknown>> {
  const { build } = await import('esbuild');
  const out = await build({ entryPoints: [file], bundle: true, packages: 'external', platform: 'node', format: 'esm', write: false, logLevel: 'silent' });
  return (await import(`data:text/javascript;base64,${Buffer.from(out.outputFiles[0].text).toString('base64')}`)) as Record<string, unknown>;
}
