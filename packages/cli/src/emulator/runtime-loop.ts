/**
 * One runtime thread's invocation loop, with the semantics of the RIC's Runtime.js and
 * CallbackContext.js:
 * - an async handler answers when its promise settles;
 * - a callback answers at once with `callbackWaitsForEmptyEventLoop = false`, and otherwise only when
 *   the event loop is empty (a `beforeExit` listener): a pending timer delays it, and an open socket
 *   (an idle pool) holds it until the function times out;
 * - a handler that never answers and leaves the loop empty gets `null` as its response if it is a
 *   plain function, and Runtime.NodeJsExit if it is an `async function`;
 * - a streaming handler writes to a response stream; an error is sent as trailers.
 * Where the runtime has no callbacks (nodejs24.x and later, Managed Instances; see runtime-rules.ts)
 * the handler gets `(event, context)` and its return value, or what its promise resolves to, is the
 * answer at once. Managed-instance threads run many invocations at once and never wait for an empty loop.
 */
import type { Handler, HandlerMetadata } from './handler-loader.js';
import { runtimeError } from './handler-loader.js';
import { responseStream } from './response-stream.js';
import { type Reply, type RuntimeClient, logError, setRequestId } from './runtime-client.js';
import type { RuntimeRules } from './runtime-rules.js';

type Callback = (error?: unknown, result?: unknown) => void;
const NOOP = () => {};
const NODE_JS_EXIT =
  'The Lambda runtime client detected an unexpected Node.js exit code. This is most commonly caused by a Promise that was never settled. For more information, see https://nodejs.org/docs/latest/api/process.html#exit-codes';

let beforeExit: () => void = NOOP;
let listening = false;

function header(reply: Reply, name: string): string | undefined {
  const value = reply.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function parseJson(text: string | undefined, name: string): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`Cannot parse ${name} as json: ${String(err)}`);
  }
}

/** The context's data from the environment and the `next` headers, as the RIC's InvokeContext. */
function invokeData(reply: Reply): Record<string, unknown> {
  const env = process.env;
  const deadline = Number(header(reply, 'lambda-runtime-deadline-ms'));
  const trace = header(reply, 'lambda-runtime-trace-id');
  if (trace) env._X_AMZN_TRACE_ID = trace;
  else delete env._X_AMZN_TRACE_ID;
  return {
    functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION,
    functionName: env.AWS_LAMBDA_FUNCTION_NAME,
    memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME,
    clientContext: parseJson(header(reply, 'lambda-runtime-client-context'), 'ClientContext'),
    identity: parseJson(header(reply, 'lambda-runtime-cognito-identity'), 'CognitoIdentity'),
    invokedFunctionArn: header(reply, 'lambda-runtime-invoked-function-arn'),
    awsRequestId: header(reply, 'lambda-runtime-aws-request-id'),
    getRemainingTimeInMillis: () => deadline - Date.now(),
  };
}

function isPromise(value: unknown): value is Promise<unknown> {
  return !!value && typeof (value as { then?: unknown }).then === 'function';
}

export class RuntimeLoop {
  readonly #client: RuntimeClient;
  readonly #handler: Handler;
  readonly #meta: HandlerMetadata;
  readonly #rules: RuntimeRules;
  readonly #fatal: (err: unknown) => void;

  constructor(client: RuntimeClient, handler: Handler, meta: HandlerMetadata, rules: RuntimeRules, fatal: (err: unknown) => void) {
    this.#client = client;
    this.#handler = handler;
    this.#meta = meta;
    this.#rules = rules;
    this.#fatal = fatal;
  }

  /** Standard Lambda: one invocation at a time, the event-loop rule applies. */
  start(): void {
    if (!listening) process.on('beforeExit', () => beforeExit());
    listening = true;
    this.#schedule();
  }

  /** Managed instances: `slots` invocations at once in this thread; answers come from promises or callbacks only. */
  startConcurrent(slots: number): void {
    for (let i = 0; i < slots; i++) void this.#concurrentSlot();
  }

  #schedule(): void {
    setImmediate(() => {
      this.#once().catch((err) => {
        console.log(`Unexpected Top Level Error: ${String(err)}`);
        this.#fatal(err);
      });
    });
  }

  async #once(): Promise<void> {
    const next = await this.#client.next();
    const id = header(next, 'lambda-runtime-aws-request-id') ?? '';
    setRequestId(id);
    if (this.#meta.streaming) return this.#streaming(next, id);
    if (!this.#rules.callbacks) return this.#promiseOnly(next, id);
    const post = (p: Promise<void>) => p.then(() => this.#schedule(), this.#fatal);
    let completed = false;
    let finished = false;
    let waitForEmptyEventLoop = true;
    const complete = (result: unknown) => {
      if (completed) {
        console.error('Invocation has already been reported as done. Cannot call complete more than once per invocation.');
        return;
      }
      completed = true;
      post(this.#client.postResponse(id, result));
    };
    const postError = (err: unknown) => {
      logError('Invoke Error', err);
      post(this.#client.postError(id, err));
    };
    const once = <T extends unknown[]>(fn: (...args: T) => void) => (...args: T) => {
      if (finished) return;
      finished = true;
      fn(...args);
    };
    const done: Callback = (err, result) => {
      beforeExit = NOOP;
      if (err !== undefined && err !== null) postError(err);
      else complete(result);
    };
    const callback: Callback = (err, result) => {
      beforeExit = NOOP;
      if (err !== undefined && err !== null) postError(err);
      else if (!waitForEmptyEventLoop) complete(result);
      else beforeExit = () => setImmediate(() => complete(result));
    };
    const context = {
      get callbackWaitsForEmptyEventLoop() {
        return waitForEmptyEventLoop;
      },
      set callbackWaitsForEmptyEventLoop(value: boolean) {
        waitForEmptyEventLoop = value;
      },
      succeed: once((result: unknown) => done(null, result)),
      fail: once((err: unknown) => done(err === undefined || err === null ? 'handled' : err, null)),
      done: once(done),
    };
    const isAsync = this.#meta.isAsync;
    beforeExit = () => {
      completed = true;
      if (isAsync) {
        const error = runtimeError('NodeJsExit', NODE_JS_EXIT);
        logError('Invoke Error', error);
        post(this.#client.postError(id, error));
      } else {
        post(this.#client.postResponse(id, null));
      }
    };
    const wrapped = once(callback);
    try {
      const result = this.#handler(JSON.parse(next.body), Object.assign(context, invokeData(next)), wrapped);
      if (isPromise(result)) result.then(context.succeed, context.fail).catch(context.fail);
    } catch (err) {
      wrapped(err);
    }
  }

  /** nodejs24.x and later: `(event, context)`, and the answer is what the handler returns or resolves to. */
  async #promiseOnly(next: Reply, id: string): Promise<void> {
    let settled = false;
    beforeExit = () => {
      // The handler's promise never settled and nothing else is left to run.
      settled = true;
      const error = runtimeError('NodeJsExit', NODE_JS_EXIT);
      logError('Invoke Error', error);
      this.#client.postError(id, error).then(() => this.#schedule(), this.#fatal);
    };
    let outcome: { ok: true; result: unknown } | { ok: false; error: unknown };
    try {
      outcome = { ok: true, result: await this.#handler(JSON.parse(next.body), invokeData(next)) };
    } catch (error) {
      outcome = { ok: false, error };
    }
    if (settled) return;
    beforeExit = NOOP;
    if (outcome.ok) await this.#client.postResponse(id, outcome.result);
    else {
      logError('Invoke Error', outcome.error);
      await this.#client.postError(id, outcome.error);
    }
    this.#schedule();
  }

  async #streaming(next: Reply, id: string): Promise<void> {
    let waitForEmptyEventLoop = true;
    const { request, done } = this.#client.streamRequest(id);
    const { stream, fail } = responseStream(request);
    const scheduleNext = () => {
      beforeExit = NOOP;
      if (!waitForEmptyEventLoop) this.#schedule();
      else beforeExit = () => setImmediate(() => this.#schedule());
    };
    const failWith = async (err: unknown) => {
      logError('Invoke Error', err);
      fail(err);
      await done.catch(() => {});
      scheduleNext();
    };
    beforeExit = () => this.#schedule();
    const context = {
      get callbackWaitsForEmptyEventLoop() {
        return waitForEmptyEventLoop;
      },
      set callbackWaitsForEmptyEventLoop(value: boolean) {
        waitForEmptyEventLoop = value;
      },
    };
    try {
      const returned = this.#handler(JSON.parse(next.body), stream, Object.assign(context, invokeData(next)));
      if (!isPromise(returned)) return await failWith('Streaming does not support non-async handlers.');
      if ((await returned) !== undefined) console.warn('Streaming handlers ignore return values.');
      await done;
      if (!stream.writableFinished) return await failWith('Response stream is not finished.');
      scheduleNext();
    } catch (err) {
      await failWith(err);
    }
  }

  async #concurrentSlot(): Promise<void> {
    for (;;) {
      const next = await this.#client.next();
      const id = header(next, 'lambda-runtime-aws-request-id') ?? '';
      try {
        // Managed Instances run AWS's newer runtime client on every Node.js runtime: no callbacks.
        const result = await this.#handler(JSON.parse(next.body), invokeData(next));
        await this.#client.postResponse(id, result);
      } catch (err) {
        logError('Invoke Error', err);
        await this.#client.postError(id, err).catch(this.#fatal);
      }
    }
  }
}
