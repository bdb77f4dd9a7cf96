/**
 * One emulated Lambda execution environment: a child process running the bootstrap, which imports
 * the handler once and takes invocations from this environment's own Runtime API server. The
 * process is frozen with SIGSTOP whenever every runtime slot waits on `next` with nothing in
 * flight, and thawed with SIGCONT when an invocation is handed over. Recycling kills it with
 * SIGKILL and no cleanup.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import path from 'node:path';
import { workerThreads } from 'warmpool/internal';
import { runtimeCommandFor } from './definition-checks.js';
import { WORKER_THREADS_VARIABLE, lambdaEnvironment, logStreamName, traceId } from './lambda-env.js';
import { type FunctionError, type Invocation, type RuntimeOutcome, RuntimeApiServer } from './runtime-api.js';

export interface LaunchSpec {
  /** Arguments for `node`: loader flags and the bootstrap file. */
  args: string[];
  cwd: string;
}

export interface EnvironmentOptions {
  functionName: string;
  /** Lambda handler string relative to taskRoot, e.g. 'functions/get-item.handler'. */
  handler: string;
  taskRoot: string;
  launch: LaunchSpec;
  /** The function's own environment (serverless.yml, overrides); Lambda's reserved variables are added. */
  env: Record<string, string>;
  /** Variables of one environment, from its id, over `env`. */
  envFor?: (environmentId: string) => Record<string, string>;
  memoryMb: number;
  timeoutMs: number;
  /** Invocations one environment runs at once (1 on standard Lambda). */
  concurrency: number;
  /** SIGSTOP while idle. Default true. */
  freeze: boolean;
  region: string;
  /** Lambda's init phase limit. */
  initTimeoutMs: number;
  /** 'pipe': the runtime's stdout and stderr come as 'log' events (text). */
  stdio: 'inherit' | 'ignore' | 'pipe';
  /** Runs this command as the runtime instead of the built-in bootstrap (e.g. another runtime interface client). */
  runtimeCommand?: string[];
  /** Put before PATH for `runtimeCommand`: the project's node_modules/.bin directories. */
  runtimePath?: string[];
  /** The runtime identifier Lambda would run, e.g. 'nodejs22.x' (AWS_EXECUTION_ENV). */
  runtime?: string;
}

export interface InvokeOptions {
  requestId?: string;
  /** Overrides the function timeout for this invocation. */
  timeoutMs?: number;
  /** JSON, sent as Lambda-Runtime-Client-Context (context.clientContext). */
  clientContext?: string;
  /** JSON, sent as Lambda-Runtime-Cognito-Identity (context.identity). */
  cognitoIdentity?: string;
}

export interface EnvironmentResult {
  requestId: string;
  outcome: RuntimeOutcome;
  /** From handing the invocation over to its response, in ms. */
  durationMs: number;
}

const ACCOUNT = '123456789012';
/** Outcome of an invocation the runtime never took because it exited first: the emulator places it again. */
export const UNDELIVERED = 'Emulator.Undelivered';
/** Errors after which the runtime process exits (see bootstrap.ts). */
export const RUNTIME_CRASHES = new Set(['Runtime.UncaughtException', 'Runtime.UnhandledPromiseRejection', 'Runtime.ExitError']);

export class ExecutionEnvironment extends EventEmitter {
  /** Hex id, the tail of the log stream name: unique per environment, like Lambda's. */
  readonly id: string;
  readonly functionName: string;
  readonly logStreamName: string;
  readonly initMs: number;
  readonly #options: EnvironmentOptions;
  readonly #child: ChildProcess;
  readonly #api: RuntimeApiServer;
  #frozen = false;
  #exited = false;
  #retired = false;
  #lingerTimer?: NodeJS.Timeout;
  invocations = 0;
  /** The init phase ran past its limit and was retried within the first invocation. */
  initRetried = false;
  /** Time the first invocation already spent (a retried init). */
  #firstInvokeSpentMs = 0;
  /** performance.now() of the last time the environment became idle. */
  idleSince = performance.now();

  private constructor(options: EnvironmentOptions, id: string, child: ChildProcess, api: RuntimeApiServer, initMs: number) {
    super();
    this.#options = options;
    this.id = id;
    this.functionName = options.functionName;
    this.logStreamName = logStreamName(id);
    this.#child = child;
    this.#api = api;
    this.initMs = initMs;
    api.onPoll = () => queueMicrotask(() => this.#onPoll());
    child.on('exit', (code, signal) => this.#onExit(code, signal));
    child.stdout?.on('data', (chunk: Buffer) => this.emit('log', chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => this.emit('log', chunk.toString('utf8')));
  }

  /**
   * Cold start: spawn the runtime and wait until it has loaded the handler and asks for work. An
   * init longer than `initTimeoutMs` is retried once, as Lambda retries it at the first invocation,
   * within the function timeout; the retry's time is taken from that first invocation's budget.
   */
  static async start(options: EnvironmentOptions): Promise<ExecutionEnvironment> {
    const started = performance.now();
    const id = randomBytes(16).toString('hex');
    let api = await RuntimeApiServer.listen();
    let child = spawnRuntime(options, id, api.address);
    let retryMs = 0;
    try {
      try {
        await awaitInit(child, api, options.initTimeoutMs, initTimeout(options.initTimeoutMs));
      } catch (err) {
        if (!(err instanceof FunctionErrorException) || err.error.errorType !== INIT_TIMEOUT) throw err;
        api.close();
        await new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(undefined) : child.once('exit', resolve)));
        const retryStarted = performance.now();
        api = await RuntimeApiServer.listen();
        child = spawnRuntime(options, id, api.address);
        await awaitInit(child, api, options.timeoutMs, {
          errorType: 'Sandbox.Timedout',
          errorMessage: `Task timed out after ${(options.timeoutMs / 1000).toFixed(2)} seconds (init retried at the first invocation after the ${options.initTimeoutMs} ms init limit)`,
        });
        retryMs = performance.now() - retryStarted;
      }
    } catch (err) {
      api.close();
      throw err;
    }
    const environment = new ExecutionEnvironment(options, id, child, api, performance.now() - started);
    environment.initRetried = retryMs > 0;
    environment.#firstInvokeSpentMs = retryMs;
    environment.#onPoll();
    return environment;
  }

  get pid(): number {
    return this.#child.pid!;
  }

  get alive(): boolean {
    return !this.#exited;
  }

  get frozen(): boolean {
    return this.#frozen;
  }

  get retired(): boolean {
    return this.#retired;
  }

  /** Invocations handed over and not answered yet. */
  get busy(): number {
    return this.#api.inFlight;
  }

  /** Can take one more invocation now. */
  get available(): boolean {
    return this.alive && !this.#retired && this.#api.inFlight < this.#options.concurrency;
  }

  /** Thaws the environment if needed and runs one invocation in it. */
  invoke(event: unknown, options: InvokeOptions = {}): Promise<EnvironmentResult> {
    const requestId = options.requestId ?? randomUUID();
    const timeoutMs = Math.max(1, (options.timeoutMs ?? this.#options.timeoutMs) - this.#firstInvokeSpentMs);
    this.#firstInvokeSpentMs = 0;
    const started = performance.now();
    this.invocations++;
    return new Promise<EnvironmentResult>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const invocation: Invocation = {
        requestId,
        event,
        deadlineMs: Date.now() + timeoutMs,
        invokedFunctionArn: `arn:aws:lambda:${this.#options.region}:${ACCOUNT}:function:${this.functionName}`,
        traceId: traceId(),
        clientContext: options.clientContext,
        cognitoIdentity: options.cognitoIdentity,
        settle: (outcome) => {
          clearTimeout(timer);
          resolve({ requestId, outcome, durationMs: performance.now() - started });
        },
      };
      if (!this.alive) {
        invocation.settle({ ok: false, error: exitError(requestId, 'the environment is gone') });
        return;
      }
      timer = setTimeout(() => {
        this.#api.abandon(requestId, {
          errorType: 'Sandbox.Timedout',
          errorMessage: `RequestId: ${requestId} Error: Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`,
        });
        // Lambda resets a standard environment after a timeout: the runtime process dies. On
        // Managed Instances only that invocation fails; the others in the environment go on.
        if (this.#options.concurrency <= 1) this.kill();
      }, timeoutMs);
      // Handed over first, thawed second: the invocation is already in the socket when the process
      // resumes, so it races whatever the database sent during the freeze.
      this.#api.deliver(invocation);
      this.#thaw();
    });
  }

  /** SIGKILL now: the kernel closes the process's sockets (the server sees FIN). */
  kill(): void {
    clearTimeout(this.#lingerTimer);
    this.#retired = true;
    if (this.#exited) return;
    try {
      if (this.#frozen) process.kill(this.pid, 'SIGCONT');
    } catch {
      // already gone
    }
    this.#child.kill('SIGKILL');
  }

  /**
   * Takes the environment out of service. Lambda tears the whole microVM down, so its TCP
   * connections never send FIN: the server keeps those sessions until its own timeouts. To show
   * that, the process stays frozen with its sockets open for `lingerMs` before it is killed.
   */
  retire(lingerMs: number): void {
    if (this.#retired) return;
    this.#retired = true;
    if (lingerMs > 0 && this.#frozen) {
      this.#lingerTimer = setTimeout(() => this.kill(), lingerMs);
    } else {
      this.kill();
    }
  }

  #onPoll(): void {
    if (this.#exited) return;
    if (this.#api.inFlight < this.#options.concurrency) this.emit('available', this);
    // Frozen only if nobody handed it work in the meantime.
    if (this.#api.inFlight === 0 && this.#api.waitingPolls >= this.#options.concurrency && !this.#frozen) {
      this.idleSince = performance.now();
      this.#freeze();
      this.emit('idle', this);
    }
  }

  #freeze(): void {
    if (!this.#options.freeze || this.#exited || this.#frozen) return;
    try {
      process.kill(this.pid, 'SIGSTOP');
      this.#frozen = true;
    } catch {
      // exited meanwhile; the exit handler cleans up
    }
  }

  #thaw(): void {
    if (!this.#frozen || this.#exited) return;
    try {
      process.kill(this.pid, 'SIGCONT');
    } catch {
      // exited meanwhile
    }
    this.#frozen = false;
  }

  #onExit(code: number | null, signal: string | null): void {
    this.#exited = true;
    this.#frozen = false;
    this.#retired = true;
    clearTimeout(this.#lingerTimer);
    const how = signal ? `signal: ${signal}` : `exit status ${code}`;
    this.#api.failAll((requestId) => exitError(requestId, `Runtime exited with error: ${how}`), { errorType: UNDELIVERED, errorMessage: 'the runtime exited before taking the invocation' });
    this.#api.close();
    this.emit('exit', this);
  }
}

const INIT_TIMEOUT = 'Runtime.InitTimeout';

function initTimeout(limitMs: number): FunctionError {
  return { errorType: INIT_TIMEOUT, errorMessage: `Init phase did not finish in ${limitMs} ms` };
}

/** The runtime: `node <bootstrap>` by default, or the command given (another runtime interface client). */
function spawnRuntime(options: EnvironmentOptions, id: string, runtimeApi: string): ChildProcess {
  const custom = !!options.runtimeCommand?.length;
  const [command, ...args] = custom ? runtimeCommandFor(options.runtimeCommand!, options.handler) : [process.execPath, ...options.launch.args];
  const env = lambdaEnvironment(options, id, runtimeApi);
  if (!custom && options.concurrency > 1) env[WORKER_THREADS_VARIABLE] = String(workerThreads(env));
  // The command runs in the task root (a runtime client takes it as the app root), where the
  // project's packages are not: its installed bins are found on PATH instead.
  if (custom && options.runtimePath?.length) env.PATH = [...options.runtimePath, ...(env.PATH ? [env.PATH] : [])].join(path.delimiter);
  return spawn(command, args, {
    cwd: options.launch.cwd,
    env,
    stdio: ['ignore', options.stdio, options.stdio],
  });
}

/** Resolves when the runtime first asks for work; rejects on an init error, an exit, or past `limitMs` (then kills it). */
function awaitInit(child: ChildProcess, api: RuntimeApiServer, limitMs: number, onTimeout: FunctionError): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      done(functionError(onTimeout));
    }, limitMs);
    function done(err?: unknown) {
      clearTimeout(timer);
      child.off('exit', onExit);
      child.off('error', onError);
      api.onPoll = () => {};
      api.onInitError = () => {};
      if (err) reject(err);
      else resolve();
    }
    const onExit = (code: number | null, signal: string | null) =>
      done(functionError({ errorType: 'Runtime.ExitError', errorMessage: `Runtime exited during init with ${signal ? `signal: ${signal}` : `exit status ${code}`}` }));
    const onError = (err: Error) => done(err);
    api.onPoll = () => done();
    api.onInitError = (error) => {
      child.kill('SIGKILL');
      done(functionError(error));
    };
    child.once('exit', onExit);
    child.once('error', onError);
  });
}

function exitError(requestId: string, message: string): FunctionError {
  return { errorType: 'Runtime.ExitError', errorMessage: `RequestId: ${requestId} Error: ${message}` };
}

/** An Error carrying a FunctionError, for failures before any invocation exists (init). */
export class FunctionErrorException extends Error {
  readonly error: FunctionError;
  constructor(error: FunctionError) {
    super(`${error.errorType}: ${error.errorMessage}`);
    this.name = 'FunctionErrorException';
    this.error = error;
  }
}

function functionError(error: FunctionError): FunctionErrorException {
  return new FunctionErrorException(error);
}
