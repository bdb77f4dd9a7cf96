/**
 * The runtime inside an emulated execution environment: in small, what AWS's Node.js runtime
 * interface client does. It imports the handler module once (the init phase; module scope is
 * container scope), then long-polls the Runtime API for invocations and posts each result or error
 * back. It is started the way Lambda starts a runtime, with AWS_LAMBDA_RUNTIME_API, _HANDLER and
 * LAMBDA_TASK_ROOT set, and it imports nothing but Node built-ins so that it can be bundled alone.
 *
 * The handler contract follows the runtime AWS_EXECUTION_ENV names (runtime-rules.ts): on
 * nodejs24.x, and on Managed Instances, a callback handler fails at init with
 * Runtime.CallbackHandlerDeprecated.
 *
 * With AWS_LAMBDA_MAX_CONCURRENCY above 1 (Lambda Managed Instances) it runs as many worker
 * threads as AWS's runtime would (AWS_LAMBDA_NODEJS_WORKER_COUNT, else 8 per CPU; the emulator
 * counts them, see lambda-env.ts), each loading the module once and running its share of the
 * concurrent invocations. Like AWS's runtime, a count of 0 (or not a number) starts no thread.
 *
 * Between invocations the process is frozen (SIGSTOP) while its `next` request is pending, so on a
 * thaw the invocation arrives over HTTP in the same event-loop turns as whatever the database
 * sent during the freeze, as in production.
 */
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { handlerMetadata, loadHandler, runtimeError } from './handler-loader.js';
import { WORKER_THREADS_VARIABLE } from './lambda-env.js';
import { RuntimeClient, logError, patchConsole } from './runtime-client.js';
import { RuntimeLoop } from './runtime-loop.js';
import { refuseCallbackHandler, runtimeRules } from './runtime-rules.js';

const env = process.env;
const client = new RuntimeClient(env.AWS_LAMBDA_RUNTIME_API ?? '127.0.0.1:9001');
const maxConcurrency = Math.max(1, Number(env.AWS_LAMBDA_MAX_CONCURRENCY ?? 1) || 1);
const workers = Math.max(0, Number(env[WORKER_THREADS_VARIABLE])) || 0;
// The emulator's variable, not Lambda's: gone before handler code (and threads' copies of env) exist.
delete env[WORKER_THREADS_VARIABLE];

/** Errors nobody caught: reported for the invocation in flight (the error's own type), then the runtime exits. */
let onUncaught: (err: unknown) => void = (err) => void client.postInitError(err).finally(() => process.exit(129));
let onUnhandled: (err: unknown) => void = (err) => void client.postInitError(err).finally(() => process.exit(128));

async function initThread(): Promise<RuntimeLoop | undefined> {
  const rules = runtimeRules(env.AWS_EXECUTION_ENV, maxConcurrency > 1);
  try {
    const handler = await loadHandler(env._HANDLER ?? '', env.LAMBDA_TASK_ROOT ?? process.cwd());
    const meta = handlerMetadata(handler);
    refuseCallbackHandler(rules, handler, meta.streaming);
    return new RuntimeLoop(client, handler, meta, rules, (err) => onUncaught(err));
  } catch (err) {
    logError('Init Error', err);
    await client.postInitError(err).catch(() => {});
    process.exit(1);
  }
}

function installCrashHandlers(): void {
  process.on('uncaughtException', (error) => {
    logError('Uncaught Exception', error);
    onUncaught(error);
  });
  process.on('unhandledRejection', (reason) => {
    const error = runtimeError('UnhandledPromiseRejection', String(reason));
    logError('Unhandled Promise Rejection', error);
    onUnhandled(error);
  });
}

/** Standard Lambda: one thread, one invocation at a time. */
async function standard(): Promise<void> {
  installCrashHandlers();
  const loop = await initThread();
  // From here an uncaught error fails the invocation in flight (see RuntimeLoop), then exits.
  const current = () => (globalThis as unknown as Record<symbol, string | undefined>)[Symbol.for('aws.lambda.runtime.requestId')];
  const failCurrent = (code: number) => (err: unknown) => {
    const id = current();
    const posted = id ? client.postError(id, err) : client.postInitError(err);
    void posted.catch(() => {}).finally(() => process.exit(code));
  };
  onUncaught = failCurrent(129);
  onUnhandled = failCurrent(128);
  loop?.start();
}

/**
 * Managed instances: worker threads, each with its own module instance and a share of the slots.
 * Threads may outnumber AWS_LAMBDA_MAX_CONCURRENCY (AWS's runtime does not cap them): each then
 * polls with one slot, and the Runtime API still hands out no more than that many at once.
 */
function managed(): void {
  const perWorker = Math.ceil(maxConcurrency / workers);
  let ready = 0;
  const threads = Array.from({ length: workers }, (_, index) => {
    const worker = new Worker(new URL(import.meta.url), { workerData: { index, slots: perWorker } });
    worker.on('message', (m: string) => {
      if (m === 'ready' && ++ready === workers) for (const t of threads) t.postMessage('go');
    });
    // A thread that dies takes the environment with it, as an uncaught error does.
    worker.on('error', (err) => {
      logError('Uncaught Exception', err);
      process.exit(129);
    });
    worker.on('exit', (code) => process.exit(code || 1));
    return worker;
  });
}

async function workerThread(): Promise<void> {
  const loop = await initThread();
  if (!loop) return;
  parentPort!.once('message', () => loop.startConcurrent((workerData as { slots: number }).slots));
  parentPort!.postMessage('ready');
}

patchConsole();
if (!isMainThread) void workerThread();
else if (maxConcurrency > 1) managed();
else void standard();
