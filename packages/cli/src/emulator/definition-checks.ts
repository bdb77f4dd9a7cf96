/**
 * What the emulator checks in the functions it is given before it runs them: a `--runtime` command
 * that names one handler while several functions would run it, or starts with npx, and a WebSocket
 * proxy URL without the path a warmpool gateway (or Neon's proxy) serves WebSockets at. And where a
 * `--runtime` command finds the project's installed bins, and which of its paths it cannot find.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { WarmpoolError } from 'warmpool';
import type { FunctionDefinition } from './definitions.js';

/** Replaced in a `--runtime` command by each function's own handler (its `_HANDLER`). */
export const HANDLER_PLACEHOLDER = '{handler}';

/** `functions/get-item.handler`: a module path, a dot, an export name. */
const HANDLER_SHAPE = /^[\w@./-]*[\w-]\.[A-Za-z_$][\w$]*$/;

/** The command one function's containers run. */
export function runtimeCommandFor(command: string[], handler: string): string[] {
  return command.map((arg) => arg.replaceAll(HANDLER_PLACEHOLDER, handler));
}

/**
 * A handler written into the command would serve every function: refused when there are several,
 * with the two ways out.
 */
export function checkRuntimeCommand(command: string[] | undefined, functions: FunctionDefinition[]): void {
  if (!command?.length || functions.length < 2) return;
  const handlers = new Set(functions.map((f) => f.handler));
  const named = command.slice(1).find((arg) => handlers.has(arg) || (!arg.startsWith('-') && HANDLER_SHAPE.test(arg) && !existsSync(arg)));
  if (named === undefined) return;
  const fixed = command.map((arg) => (arg === named ? HANDLER_PLACEHOLDER : arg)).join(' ');
  throw new WarmpoolError(
    'INVALID_OPTION',
    `--runtime "${command.join(' ')}" names the handler ${named}, so it would serve every function (${functions.map((f) => f.name).join(', ')}). ` +
      `Write ${HANDLER_PLACEHOLDER} where each function's own handler goes (--runtime "${fixed}"), or run one function with --functions <name>.`,
  );
}

/** `node_modules/.bin` of the project root and its ancestors, nearest first, where they exist. */
export function projectBins(root: string): string[] {
  const bins: string[] = [];
  for (let dir = path.resolve(root); ; dir = path.dirname(dir)) {
    const bin = path.join(dir, 'node_modules', '.bin');
    if (existsSync(bin)) bins.push(bin);
    if (dir === path.dirname(dir)) return bins;
  }
}

/**
 * `npx` in the command runs in the task root, outside the project: it cannot see the project's
 * packages and would fetch them. Their bins are on the command's PATH without it.
 */
export function npxWarning(command: string[] | undefined): string | undefined {
  if (command?.[0] !== 'npx') return undefined;
  return `--runtime "${command.join(' ')}": npx runs in the bundle's directory, outside this project, and cannot see its packages; drop npx (--runtime "${command.slice(1).join(' ')}"): the project's node_modules/.bin is on the command's PATH`;
}

/**
 * A relative path to a file of the project (`node my-runtime.mjs {handler}`) resolves against the
 * task root, which with bundles is a temporary directory without that file.
 */
export function relativePathWarning(command: string[] | undefined, root: string): string | undefined {
  const local = (arg: string) => !arg.startsWith('-') && !path.isAbsolute(arg) && !arg.includes(HANDLER_PLACEHOLDER) && statSync(path.resolve(root, arg), { throwIfNoEntry: false })?.isFile() === true;
  const files = command?.filter(local) ?? [];
  if (files.length === 0) return undefined;
  const fixed = command!.map((arg) => (local(arg) ? path.resolve(root, arg) : arg)).join(' ');
  return `--runtime "${command!.join(' ')}": the command runs in the bundle's directory, outside this project, where ${files.join(' and ')} cannot be found; write the absolute path (--runtime "${fixed}")`;
}

/** Paths a warmpool gateway accepts WebSockets on (packages/gateway ws-proxy.ts); Neon's proxy uses /v2. */
const WS_PATHS = ['/v2', '/v1'];

/**
 * WARMPOOL_WS_PROXY without the /v2 path: the gateway refuses the upgrade, and all the WebSocket
 * driver reports is an error event, which reads `[object Object]`. Returns the warning, if any.
 */
export function wsProxyWarning(functionName: string, env: Record<string, string | undefined>): string | undefined {
  const value = env.WARMPOOL_WS_PROXY;
  if (!value) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if ((url.protocol !== 'ws:' && url.protocol !== 'wss:') || WS_PATHS.includes(url.pathname.replace(/\/+$/, '') || '/')) return undefined;
  const fixed = new URL(url);
  fixed.pathname = '/v2';
  return `function ${functionName}: WARMPOOL_WS_PROXY ${url.origin}${url.pathname} is not a WebSocket endpoint: a warmpool gateway serves WebSockets at /v2 and refuses other paths, and the connect error then reads "[object Object]". Set WARMPOOL_WS_PROXY=${fixed.origin}/v2`;
}
