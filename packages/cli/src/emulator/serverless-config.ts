/**
 * Function definitions from serverless.yml, which stays the source of truth for what is deployed:
 * names, handlers, timeouts, memory, reserved concurrency, environment and HTTP API routes.
 *
 * Variables are resolved the way `osls` resolves the ones used here: `${param:x, 'default'}` from
 * the given params, `${env:X, 'default'}` from the environment, `${opt:x, 'default'}` and
 * `${sls:stage}` to their defaults. A value that still needs AWS (a CloudFormation
 * `{{resolve:ssm:…}}` reference) is left out, so an override (e.g. DATABASE_URL) must supply it.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { FunctionDefinition } from './emulator.js';

export interface ServiceDefinition {
  service: string;
  root: string;
  functions: FunctionDefinition[];
  /** Variables that could not be resolved offline, as `function.VARIABLE`. */
  unresolved: string[];
}

interface RawFunction {
  handler?: string;
  timeout?: number | string;
  memorySize?: number | string;
  runtime?: string;
  reservedConcurrency?: number | string;
  environment?: Record<string, unknown>;
  events?: { httpApi?: string | { method?: string; path?: string } }[];
}

export interface RawService {
  service?: string | { name?: string };
  provider?: { timeout?: number | string; memorySize?: number | string; runtime?: string; environment?: Record<string, unknown> };
  functions?: Record<string, RawFunction>;
}

export async function readServerlessConfig(file: string, params: Record<string, string> = {}): Promise<ServiceDefinition> {
  const YAML = (await import('yaml')).default;
  return serverlessFunctions(YAML.parse(await readFile(file, 'utf8')) as RawService, file, params);
}

export function serverlessFunctions(raw: RawService, file: string, params: Record<string, string> = {}): ServiceDefinition {
  const resolve = (value: unknown): string | undefined => resolveVariables(String(value), params);
  const number = (value: unknown): number | undefined => {
    if (value === undefined || value === null) return undefined;
    const n = Number(resolve(value));
    return Number.isFinite(n) ? n : undefined;
  };
  const unresolved: string[] = [];
  const environment = (fnName: string, vars: Record<string, unknown> | undefined, into: Record<string, string>) => {
    for (const [key, value] of Object.entries(vars ?? {})) {
      const resolved = resolve(value);
      if (resolved === undefined || resolved.includes('{{resolve:')) {
        unresolved.push(`${fnName}.${key}`);
        delete into[key];
      } else {
        into[key] = resolved;
      }
    }
    return into;
  };
  const providerTimeout = number(raw.provider?.timeout) ?? 6;
  const providerMemory = number(raw.provider?.memorySize) ?? 1024;
  const functions: FunctionDefinition[] = Object.entries(raw.functions ?? {}).map(([name, fn]) => {
    if (!fn.handler) throw new Error(`${file}: function ${name} has no handler`);
    const routes = (fn.events ?? [])
      .map((e) => e.httpApi)
      .filter((e): e is NonNullable<typeof e> => e !== undefined)
      .map((e) => (typeof e === 'string' ? e : `${(e.method ?? '*').toUpperCase()} ${e.path ?? '/'}`));
    const reserved = number(fn.reservedConcurrency);
    return {
      name,
      handler: fn.handler,
      timeoutMs: (number(fn.timeout) ?? providerTimeout) * 1000,
      memoryMb: number(fn.memorySize) ?? providerMemory,
      ...((fn.runtime ?? raw.provider?.runtime) ? { runtime: String(fn.runtime ?? raw.provider?.runtime) } : {}),
      ...(reserved !== undefined ? { reservedConcurrency: reserved } : {}),
      environment: environment(name, fn.environment, environment(name, raw.provider?.environment, {})),
      routes,
    };
  });
  const service = typeof raw.service === 'string' ? raw.service : (raw.service?.name ?? 'service');
  return { service, root: path.dirname(path.resolve(file)), functions, unresolved };
}

/** Resolves `${source:name, 'fallback'}` variables (a fallback may hold braces); undefined when one has no value. */
export function resolveVariables(text: string, params: Record<string, string>): string | undefined {
  let out = '';
  let at = 0;
  for (let open = text.indexOf('${'); open >= 0; open = text.indexOf('${', at)) {
    let depth = 0;
    let close = open + 1;
    for (; close < text.length; close++) {
      if (text[close] === '{') depth++;
      else if (text[close] === '}' && --depth === 0) break;
    }
    if (close >= text.length) break;
    const value = resolveOne(text.slice(open + 2, close), params);
    if (value === undefined) return undefined;
    out += text.slice(at, open) + value;
    at = close + 1;
  }
  return out + text.slice(at);
}

function resolveOne(body: string, params: Record<string, string>): string | undefined {
  const comma = body.indexOf(',');
  const ref = (comma >= 0 ? body.slice(0, comma) : body).trim();
  const fallback = comma >= 0 ? body.slice(comma + 1).trim().replace(/^(['"])(.*)\1$/, '$2') : undefined;
  const [source, name = ''] = ref.split(':');
  let value: string | undefined;
  if (source === 'param') value = params[name];
  else if (source === 'env') value = process.env[name];
  else if (source === 'sls' && name === 'stage') value = params.stage ?? 'dev';
  return value ?? fallback;
}
