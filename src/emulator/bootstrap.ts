/**
 * The runtime inside an emulated execution environment: in small, what Lambda's Node.js runtime
 * interface client does. It imports the handler module once (the init phase; module scope is
 * container scope), then long-polls the Runtime API for invocations and posts each result or error
 * back. It is started the way Lambda starts a runtime, with AWS_LAMBDA_RUNTIME_API, _HANDLER and
 * LAMBDA_TASK_ROOT set, and it imports nothing but Node built-ins so that it can be bundled alone.
 *
 * Between invocations the process is frozen (SIGSTOP) while its `next` request is pending, so on a
 * thaw the invocation arrives over HTTP in the same event-loop turns as whatever the database
 * sent during the freeze, as in production.
 */
import { existsSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

type Callback = (error?: unknown, result?: unknown) => void;
type Handler = (event: unknown, context: LambdaContext, callback: Callback) => unknown;

interface LambdaContext {
  callbackWaitsForEmptyEventLoop: boolean;
  functionName: string;
  functionVersion: string;
  invokedFunctionArn: string;
  memoryLimitInMB: string;
  awsRequestId: string;
  logGroupName: string;
  logStreamName: string;
  identity?: unknown;
  clientContext?: unknown;
  getRemainingTimeInMillis(): number;
  done(error?: unknown, result?: unknown): void;
  fail(error: unknown): void;
  succeed(result: unknown): void;
}

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

const env = process.env;
const [apiHost, apiPort] = (env.AWS_LAMBDA_RUNTIME_API ?? '127.0.0.1:9001').split(':');
const PREFIX = '/2018-06-01/runtime';
const agent = new http.Agent({ keepAlive: true });
const inFlight = new Set<string>();

function call(method: 'GET' | 'POST', route: string, body?: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    // No timeout on `next`: it may stay open across a freeze of any length.
    const req = http.request({ host: apiHost, port: Number(apiPort), method, path: `${PREFIX}${route}`, agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (body !== undefined) {
      req.setHeader('Content-Type', 'application/json');
      req.setHeader('Content-Length', Buffer.byteLength(body));
      req.end(body);
    } else {
      req.end();
    }
  });
}

function errorBody(err: unknown, errorType?: string): { body: string; type: string } {
  const e = (err ?? {}) as { name?: unknown; message?: unknown; stack?: unknown; code?: unknown; notApplied?: unknown };
  const type = errorType ?? (typeof e.name === 'string' ? e.name : 'Error');
  const body = {
    errorType: type,
    errorMessage: typeof e.message === 'string' ? e.message : String(err),
    stackTrace: typeof e.stack === 'string' ? e.stack.split('\n').slice(1).map((l) => l.trim()) : [],
    ...(typeof e.code === 'string' || typeof e.code === 'number' ? { code: String(e.code) } : {}),
    ...(typeof e.notApplied === 'boolean' ? { notApplied: e.notApplied } : {}),
  };
  return { body: JSON.stringify(body), type };
}

async function postError(route: string, err: unknown, errorType?: string): Promise<void> {
  const { body, type } = errorBody(err, errorType);
  await call('POST', route, body, { 'Lambda-Runtime-Function-Error-Type': type });
}

/** `dir/module.export`: the module is the file name up to the last dot, relative to LAMBDA_TASK_ROOT. */
async function loadHandler(): Promise<Handler> {
  const spec = env._HANDLER ?? '';
  const slash = spec.lastIndexOf('/');
  const dot = spec.lastIndexOf('.');
  if (dot <= slash + 1) throw Object.assign(new Error(`Bad handler ${spec}: expected <path>/<module>.<export>`), { name: 'Runtime.MalformedHandlerName' });
  const base = path.resolve(env.LAMBDA_TASK_ROOT ?? process.cwd(), spec.slice(0, dot));
  const exportName = spec.slice(dot + 1);
  const file = ['.js', '.mjs', '.cjs', '.ts', ''].map((ext) => base + ext).find((f) => existsSync(f) && !f.endsWith('/'));
  if (!file) throw Object.assign(new Error(`Cannot find module '${spec.slice(0, dot)}'`), { name: 'Runtime.ImportModuleError' });
  let loaded: Record<string, unknown>;
  try {
    loaded = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (err) {
    const e = err as Error & { code?: string };
    if (e?.code === 'ERR_MODULE_NOT_FOUND') throw Object.assign(new Error(e.message), { name: 'Runtime.ImportModuleError', stack: e.stack });
    if (e instanceof SyntaxError) throw Object.assign(new Error(e.message), { name: 'Runtime.UserCodeSyntaxError', stack: e.stack });
    throw err;
  }
  const handler = loaded[exportName] ?? (loaded.default as Record<string, unknown> | undefined)?.[exportName];
  if (typeof handler !== 'function') {
    throw Object.assign(new Error(`${spec} is undefined or not exported`), { name: 'Runtime.HandlerNotFound' });
  }
  return handler as Handler;
}

function contextFor(reply: Reply, settle: Callback): LambdaContext {
  const header = (name: string) => {
    const value = reply.headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const deadline = Number(header('lambda-runtime-deadline-ms'));
  const json = (text: string | undefined) => {
    try {
      return text ? JSON.parse(text) : undefined;
    } catch {
      return undefined;
    }
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: env.AWS_LAMBDA_FUNCTION_NAME ?? '',
    functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION ?? '$LATEST',
    invokedFunctionArn: header('lambda-runtime-invoked-function-arn') ?? '',
    memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE ?? '128',
    awsRequestId: header('lambda-runtime-aws-request-id') ?? '',
    logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME ?? '',
    logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME ?? '',
    identity: json(header('lambda-runtime-cognito-identity')),
    clientContext: json(header('lambda-runtime-client-context')),
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: settle,
    fail: (error) => settle(error ?? new Error('handled')),
    succeed: (result) => settle(null, result),
  };
}

/**
 * Async handlers answer when their promise settles. Callback handlers answer when they call back;
 * waiting for an empty event loop (callbackWaitsForEmptyEventLoop) is not emulated.
 */
function run(handler: Handler, event: unknown, reply: Reply): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle: Callback = (error, result) => {
      if (settled) return;
      settled = true;
      if (error !== undefined && error !== null) reject(error);
      else resolve(result);
    };
    const returned = handler(event, contextFor(reply, settle), settle);
    if (returned && typeof (returned as Promise<unknown>).then === 'function') (returned as Promise<unknown>).then((r) => settle(null, r), (e) => settle(e ?? new Error('rejected')));
    else if (handler.length < 3) settle(null, returned);
  });
}

async function serve(handler: Handler): Promise<never> {
  for (;;) {
    const next = await call('GET', '/invocation/next');
    const requestId = String(next.headers['lambda-runtime-aws-request-id'] ?? '');
    const trace = next.headers['lambda-runtime-trace-id'];
    if (typeof trace === 'string') env._X_AMZN_TRACE_ID = trace;
    inFlight.add(requestId);
    try {
      const event = next.body === '' ? null : JSON.parse(next.body);
      const result = await run(handler, event, next);
      await call('POST', `/invocation/${encodeURIComponent(requestId)}/response`, JSON.stringify(result ?? null));
    } catch (err) {
      await postError(`/invocation/${encodeURIComponent(requestId)}/error`, err);
    } finally {
      inFlight.delete(requestId);
    }
  }
}

/** As Lambda's runtime: an error nobody caught fails the invocations in flight, then the runtime exits. */
function crash(errorType: string) {
  return (err: unknown) => {
    const pending = [...inFlight].map((id) => postError(`/invocation/${encodeURIComponent(id)}/error`, err, errorType).catch(() => {}));
    void Promise.all(pending).finally(() => process.exit(129));
  };
}

async function main(): Promise<void> {
  let handler: Handler;
  try {
    handler = await loadHandler();
  } catch (err) {
    // Import and lookup failures carry a Runtime.* type; an error the module threw keeps its own.
    await postError('/init/error', err).catch(() => {});
    process.exit(1);
  }
  process.on('uncaughtException', crash('Runtime.UncaughtException'));
  process.on('unhandledRejection', crash('Runtime.UnhandledPromiseRejection'));
  const slots = Math.max(1, Number(env.AWS_LAMBDA_MAX_CONCURRENCY ?? 1) || 1);
  await Promise.all(Array.from({ length: slots }, () => serve(handler)));
}

void main();
