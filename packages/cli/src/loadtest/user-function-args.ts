/** The loadtest options that name the user's function and the request it is sent. */
import { readFileSync } from 'node:fs';
import { WarmpoolError } from 'warmpool';
import { configFile, readServiceConfig } from '../emulator/service-config.js';
import type { UserFunction } from './user-function.js';

interface Values {
  config?: string;
  function?: string;
  method?: string;
  path?: string;
  body?: string;
  header?: string[];
  param?: string[];
}

const usage = (message: string) => new WarmpoolError('INVALID_OPTION', message);

export function pairs(list: string[] | undefined, separator: string, option: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of list ?? []) {
    const at = item.indexOf(separator);
    if (at <= 0) throw usage(`--${option} "${item}": expected name${separator}value`);
    out[option === 'header' ? item.slice(0, at).trim().toLowerCase() : item.slice(0, at)] = item.slice(at + 1).trim();
  }
  return out;
}

export async function userFunctionArgs(values: Values): Promise<UserFunction> {
  if (!values.function) throw usage('--config needs --function <name>: the function to load-test');
  const config = configFile(values.config);
  const params = pairs(values.param, '=', 'param');
  const service = await readServiceConfig(config, params);
  const definition = service.functions.find((f) => f.name === values.function);
  if (!definition) throw usage(`--function ${values.function}: ${config} has no such function (it has: ${service.functions.map((f) => f.name).join(', ') || 'none'})`);
  const [routeMethod, routePath] = (definition.routes?.[0] ?? '').split(' ');
  const path = values.path ?? (routePath && !routePath.includes('{') ? routePath : undefined);
  if (!path) throw usage(`--function ${values.function}: pass --path (its route ${definition.routes?.[0] ?? '(none)'} gives no concrete path)`);
  if (!path.startsWith('/')) throw usage(`--path must start with "/", got "${path}"`);
  const body = values.body?.startsWith('@') ? readFileSync(values.body.slice(1), 'utf8') : values.body;
  const method = (values.method ?? (routeMethod && routeMethod !== '*' && !values.path ? routeMethod : body !== undefined ? 'POST' : 'GET')).toUpperCase();
  return { config, function: values.function, params, request: { method, path, ...(body !== undefined ? { body } : {}), headers: pairs(values.header, ':', 'header') } };
}
