/**
 * `warmpool loadtest --config <file> --function <name>`: the user's own function as a strategy,
 * run through the same scenario as the built-in ones. On the run's throwaway server, the config's
 * "migrate" function (if any) is invoked once first, as `warmpool emulate --embedded-postgres` does.
 */
import { WarmpoolError } from 'warmpool';
import { LambdaEmulator } from '../emulator/emulator.js';
import { readServiceConfig } from '../emulator/service-config.js';
import type { Strategy } from './strategies.js';
import type { FunctionRequest } from './targets/function.js';

export interface UserFunction {
  /** serverless.yml or template.yaml. */
  config: string;
  function: string;
  params: Record<string, string>;
  request: FunctionRequest;
}

export async function userFunctionStrategy(user: UserFunction): Promise<Strategy> {
  const service = await readServiceConfig(user.config, user.params);
  const definition = service.functions.find((f) => f.name === user.function);
  if (!definition) {
    throw new WarmpoolError('INVALID_OPTION', `--function ${user.function}: ${user.config} has no such function (it has: ${service.functions.map((f) => f.name).join(', ') || 'none'})`);
  }
  // What the config leaves to AWS comes from this command's environment; DATABASE_URL from the run.
  const fromEnvironment: Record<string, string> = {};
  for (const ref of service.unresolved) {
    const [fn, key] = [ref.slice(0, ref.indexOf('.')), ref.slice(ref.indexOf('.') + 1)];
    if (fn === definition.name && key !== 'DATABASE_URL' && process.env[key] !== undefined) fromEnvironment[key] = process.env[key]!;
  }
  const migrate = service.functions.find((f) => f.name === 'migrate');
  return {
    name: definition.name,
    summary: `your function ${definition.name} (${definition.handler}) from ${user.config}: ${user.request.method} ${user.request.path}`,
    code: { runtime: 'function', definition: { ...definition, environment: { ...definition.environment, ...fromEnvironment } }, root: service.root, request: user.request },
    // Unknown: the budget assumes one connection per container, as warmpool's default max of 1.
    perContainerCap: 1,
    async prepare(context) {
      if (migrate && context.embedded) {
        const emulator = await LambdaEmulator.create({ functions: [migrate], root: service.root, bundle: context.bundle, env: { ...fromEnvironment, DATABASE_URL: context.databaseUrl }, stdio: 'ignore' });
        try {
          const result = await emulator.invoke('migrate', {});
          if (!result.ok) throw new Error(`The "migrate" function of ${user.config} failed: ${result.error?.errorType}: ${result.error?.errorMessage}`);
        } finally {
          await emulator.close();
        }
      }
      return { env: {}, teardown: async () => {} };
    },
  };
}
