/**
 * How the emulated runtime gets started: from esbuild bundles (what serverless-esbuild deploys,
 * with the settings of serverless.yml's `custom.esbuild`: ESM, `.mjs`, a `require` shim), or from
 * source through tsx. Bundles start in a fraction of the time and need no node_modules, as on Lambda.
 */
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeConditions } from './conditions.js';
import type { LaunchSpec } from './environment.js';

export interface Launcher {
  /** Where `_HANDLER` paths are resolved (LAMBDA_TASK_ROOT). */
  taskRoot: string;
  launch: LaunchSpec;
  /** Deletes the bundles; safe to call twice. */
  cleanup(): Promise<void>;
}

const fromSource = import.meta.url.endsWith('.ts');
const bootstrapFile = fileURLToPath(new URL(`./bootstrap.${fromSource ? 'ts' : 'js'}`, import.meta.url));
const SOURCE_EXTENSIONS = ['.ts', '.mts', '.js', '.mjs', '.cjs'];

/** The module part of a handler string: 'functions/get-item.handler' → 'functions/get-item'. */
export function handlerModule(handler: string): string {
  const slash = handler.lastIndexOf('/');
  const dot = handler.lastIndexOf('.');
  if (dot <= slash + 1) throw new Error(`Bad handler "${handler}": expected <path>/<module>.<export>`);
  return handler.slice(0, dot);
}

export function resolveHandlerSource(root: string, handler: string): string {
  const base = path.resolve(root, handlerModule(handler));
  const file = SOURCE_EXTENSIONS.map((ext) => base + ext).find((f) => existsSync(f));
  if (!file) throw new Error(`Handler "${handler}": no ${base}{${SOURCE_EXTENSIONS.join(',')}}`);
  return file;
}

/** Runs the handlers from source; TypeScript is loaded through tsx, as `npm start` runs. */
export function sourceLauncher(root: string): Launcher {
  return {
    taskRoot: root,
    // The CLI's own tsx, wherever the install put it.
    launch: { args: ['--import', import.meta.resolve('tsx'), bootstrapFile], cwd: process.cwd() },
    cleanup: async () => {},
  };
}

/** Bundles each handler module and the bootstrap with esbuild into a temporary task root. */
export async function bundleLauncher(root: string, handlers: string[]): Promise<Launcher> {
  const esbuild = await import('esbuild');
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'warmpool-emulator-'));
  const taskRoot = path.join(dir, 'task');
  const runtimeDir = path.join(dir, 'runtime');
  const common: import('esbuild').BuildOptions = {
    bundle: true,
    platform: 'node',
    conditions: ['module', ...nodeConditions()],
    format: 'esm',
    target: 'node20',
    logLevel: 'silent',
    // As serverless.yml's custom.esbuild: with NODE_OPTIONS=--enable-source-maps, stacks point into the sources.
    sourcemap: true,
    // pg's optional native binding is never installed.
    external: ['pg-native'],
    banner: { js: "import { createRequire as __emulatorCreateRequire } from 'node:module'; const require = __emulatorCreateRequire(import.meta.url);" },
  };
  try {
    const entries = [...new Set(handlers.map((h) => resolveHandlerSource(root, h)))];
    await esbuild.build({ ...common, entryPoints: entries, outbase: root, outdir: taskRoot, outExtension: { '.js': '.mjs' } });
    await esbuild.build({ ...common, entryPoints: [bootstrapFile], outfile: path.join(runtimeDir, 'bootstrap.mjs') });
  } catch (err) {
    await fs.rm(dir, { recursive: true, force: true });
    throw err;
  }
  let removed: Promise<void> | undefined;
  return {
    taskRoot,
    launch: { args: [path.join(runtimeDir, 'bootstrap.mjs')], cwd: taskRoot },
    cleanup: () => (removed ??= fs.rm(dir, { recursive: true, force: true })),
  };
}
