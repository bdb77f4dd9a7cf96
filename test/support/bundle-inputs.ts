import { fileURLToPath } from 'node:url';
import { build, type Metafile } from 'esbuild';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** The files an esbuild bundle of `contents` (resolved from the repo root) takes in: for Node, or for Workers when `edge`. */
export async function bundleInputs(contents: string, edge: boolean): Promise<string[]> {
  const result = await build({
    stdin: { contents, resolveDir: root, loader: 'ts' }, bundle: true, format: 'esm', write: false, metafile: true, logLevel: 'silent',
    ...(edge ? { platform: 'neutral', conditions: ['workerd', 'worker', 'browser'], mainFields: ['module', 'main'], external: ['cloudflare:*', 'node:*'] } : { platform: 'node', target: 'node20' }),
  } as const);
  return Object.keys((result.metafile as Metafile).inputs);
}
