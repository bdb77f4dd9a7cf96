/**
 * The Lambda service, emulated for one machine: it places each invocation in an idle warm
 * execution environment of its function, else cold-starts a new one up to the concurrency limits,
 * else queues or throttles it. Idle environments are frozen, recycled after an idle TTL (and
 * optionally at random), and an invocation past its timeout kills its environment.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { type Launcher, bundleLauncher, sourceLauncher } from './bundle.js';
import { DEFAULTS, type EmulatorOptions, type FunctionDefinition, type InvokeOptions, type InvokeResult, MAX_REQUEST_BYTES, type RecycleReason } from './definitions.js';
import { type EnvironmentOptions, ExecutionEnvironment, FunctionErrorException, RUNTIME_CRASHES, UNDELIVERED } from './environment.js';
import type { FunctionError } from './runtime-api.js';

import { checkRuntimeCommand, npxWarning, projectBins, relativePathWarning, wsProxyWarning } from './definition-checks.js';
import { runtimeMismatch } from './lambda-env.js';

export type { EmulatorOptions, FunctionDefinition, InvokeOptions, InvokeResult, RecycleReason } from './definitions.js';

interface Waiter {
  event: unknown;
  requestId: string;
  timeoutMs?: number;
  clientContext?: string;
  cognitoIdentity?: string;
  started: number;
  resolve(result: InvokeResult): void;
}

interface FunctionState {
  definition: FunctionDefinition;
  environments: Set<ExecutionEnvironment>;
  /** Cold starts under way. */
  starting: number;
  queue: Waiter[];
}


/**
 * Events: 'cold-start' (fn, env), 'recycle' (fn, env, reason), 'invoke' (fn, result), and with
 * `stdio: 'pipe'` 'log' (fn, env, text).
 */
export class LambdaEmulator extends EventEmitter {
  readonly #options: typeof DEFAULTS & EmulatorOptions;
  readonly #launcher: Launcher;
  readonly #functions = new Map<string, FunctionState>();
  /** Recycled environments whose processes still hold their sockets. */
  readonly #lingering = new Set<ExecutionEnvironment>();
  readonly #idleTimers = new Map<ExecutionEnvironment, NodeJS.Timeout>();
  /** Recycled while running: retired when the runtime next asks for work. */
  readonly #retireAtIdle = new Set<ExecutionEnvironment>();
  #closed = false;
  #initsRunning = 0;
  readonly #initWaiters: (() => void)[] = [];
  coldStarts = 0;

  private constructor(options: typeof DEFAULTS & EmulatorOptions, launcher: Launcher) {
    super();
    this.#options = options;
    this.#launcher = launcher;
    for (const definition of options.functions) {
      this.#functions.set(definition.name, { definition, environments: new Set(), starting: 0, queue: [] });
    }
  }

  static async create(options: EmulatorOptions): Promise<LambdaEmulator> {
    checkRuntimeCommand(options.runtimeCommand, options.functions);
    const resolved = { ...DEFAULTS, ...definedOnly(options) } as typeof DEFAULTS & EmulatorOptions;
    const handlers = options.functions.map((f) => f.handler);
    const launcher = resolved.bundle ? await bundleLauncher(options.root, handlers) : sourceLauncher(options.root);
    return new LambdaEmulator(resolved, launcher);
  }

  get functionNames(): string[] {
    return [...this.#functions.keys()];
  }

  definition(name: string): FunctionDefinition | undefined {
    return this.#functions.get(name)?.definition;
  }

  /** Live environments (not recycled) per function, busy ones, and recycled ones still lingering. */
  stats(): { functions: Record<string, { environments: number; busy: number; starting: number; queued: number }>; lingering: number } {
    const functions: Record<string, { environments: number; busy: number; starting: number; queued: number }> = {};
    for (const [name, state] of this.#functions) {
      let busy = 0;
      for (const env of state.environments) if (env.busy > 0) busy++;
      functions[name] = { environments: state.environments.size, busy, starting: state.starting, queued: state.queue.length };
    }
    return { functions, lingering: this.#lingering.size };
  }

  /** Where the emulator differs from what the functions declare (e.g. their Node version). */
  get warnings(): string[] {
    const runtimes = new Set([...this.#functions.values()].map((s) => s.definition.runtime));
    const endpoints = [...this.#functions.values()].map((s) => wsProxyWarning(s.definition.name, { ...s.definition.environment, ...this.#options.env }));
    const bundled = this.#options.bundle ? [npxWarning(this.#options.runtimeCommand), relativePathWarning(this.#options.runtimeCommand, this.#options.root)] : [];
    return [...[...runtimes].map((r) => runtimeMismatch(r)), ...endpoints, ...bundled].filter((w): w is string => w !== undefined);
  }

  /** Synchronous invocation (RequestResponse), as the Invoke API. */
  invoke(functionName: string, event: unknown, options: InvokeOptions = {}): Promise<InvokeResult> {
    const state = this.#functions.get(functionName);
    if (!state) return Promise.reject(new Error(`No function "${functionName}" (have: ${this.functionNames.join(', ')})`));
    const requestId = options.requestId ?? randomUUID();
    const started = performance.now();
    return new Promise<InvokeResult>((resolve) => {
      const waiter: Waiter = {
        event,
        requestId,
        timeoutMs: options.timeoutMs,
        started,
        resolve,
        ...(options.clientContext !== undefined ? { clientContext: JSON.stringify(options.clientContext) } : {}),
        ...(options.identity !== undefined ? { cognitoIdentity: JSON.stringify(options.identity) } : {}),
      };
      const size = Buffer.byteLength(JSON.stringify(event ?? null));
      if (size > MAX_REQUEST_BYTES) {
        const error = { errorType: 'RequestEntityTooLargeException', errorMessage: `Request must be smaller than ${MAX_REQUEST_BYTES} bytes for the InvokeFunction operation` };
        resolve({ ...failure(waiter, error), statusCode: 413 });
        return;
      }
      if (this.#closed) {
        resolve(failure(waiter, { errorType: 'ServiceException', errorMessage: 'The emulator is shut down' }));
        return;
      }
      if (this.#place(state, waiter)) return;
      if (this.#options.onLimit === 'queue') {
        state.queue.push(waiter);
        return;
      }
      resolve({ ...failure(waiter, { errorType: 'TooManyRequestsException', errorMessage: 'Rate Exceeded.' }), statusCode: 429 });
    });
  }

  /** Recycles every idle environment of a function (or all), as Lambda does after a deploy. */
  recycleIdle(functionName?: string): void {
    for (const [name, state] of this.#functions) {
      if (functionName && name !== functionName) continue;
      for (const env of [...state.environments]) if (env.busy === 0) this.#recycle(state, env, 'idle-ttl');
    }
  }

  /** Kills every container, live or lingering, and waits (up to 5 s) until their processes are gone. */
  async close(): Promise<void> {
    this.#closed = true;
    const all = new Set(this.#lingering);
    for (const state of this.#functions.values()) {
      for (const waiter of state.queue.splice(0)) waiter.resolve(failure(waiter, { errorType: 'ServiceException', errorMessage: 'The emulator is shut down' }));
      for (const env of state.environments) all.add(env);
    }
    for (const timer of this.#idleTimers.values()) clearTimeout(timer);
    this.#idleTimers.clear();
    const exits = [...all].map((env) => new Promise((resolve) => (env.alive ? env.once('exit', resolve) : resolve(undefined))));
    for (const state of this.#functions.values()) for (const env of [...state.environments]) this.#recycle(state, env, 'shutdown');
    for (const env of all) env.kill();
    await Promise.race([Promise.all(exits), new Promise((resolve) => setTimeout(resolve, 5_000))]);
    await this.#launcher.cleanup();
  }

  /** Warm environment first (most recently idle), else a cold start within the limits. */
  #place(state: FunctionState, waiter: Waiter): boolean {
    let best: ExecutionEnvironment | undefined;
    for (const env of state.environments) {
      if (env.available && (!best || env.idleSince > best.idleSince)) best = env;
    }
    if (best) {
      this.#run(state, best, waiter, false);
      return true;
    }
    if (this.#canStart(state)) {
      void this.#coldStart(state, waiter);
      return true;
    }
    return false;
  }

  #canStart(state: FunctionState): boolean {
    const fnLimit = state.definition.reservedConcurrency ?? Infinity;
    let total = 0;
    for (const s of this.#functions.values()) total += s.environments.size + s.starting;
    return state.environments.size + state.starting < fnLimit && total < this.#options.concurrencyLimit;
  }

  async #coldStart(state: FunctionState, waiter: Waiter): Promise<void> {
    state.starting++;
    let env: ExecutionEnvironment;
    await this.#initSlot();
    try {
      env = await ExecutionEnvironment.start(this.#environmentOptions(state.definition));
    } catch (err) {
      this.#releaseInitSlot();
      state.starting--;
      const error = err instanceof FunctionErrorException ? err.error : { errorType: 'Runtime.Unknown', errorMessage: String((err as Error)?.message ?? err) };
      waiter.resolve(failure(waiter, error, true));
      this.#drain(state);
      return;
    }
    this.#releaseInitSlot();
    state.starting--;
    this.coldStarts++;
    if (this.#closed) {
      env.kill();
      waiter.resolve(failure(waiter, { errorType: 'ServiceException', errorMessage: 'The emulator is shut down' }, true));
      return;
    }
    state.environments.add(env);
    env.on('available', () => this.#drain(state));
    env.on('log', (text: string) => this.emit('log', state.definition.name, env, text));
    env.on('idle', () => {
      if (this.#retireAtIdle.delete(env)) env.retire(this.#options.lingerMs);
      else this.#armIdleTimer(state, env);
    });
    env.on('exit', () => {
      if (state.environments.delete(env)) this.emit('recycle', state.definition.name, env, 'exited' satisfies RecycleReason);
      this.#lingering.delete(env);
      this.#retireAtIdle.delete(env);
      this.#clearIdleTimer(env);
      this.#drain(state);
    });
    this.emit('cold-start', state.definition.name, env);
    this.#run(state, env, waiter, true);
  }

  async #initSlot(): Promise<void> {
    if (this.#initsRunning < this.#options.maxConcurrentInits) this.#initsRunning++;
    else await new Promise<void>((resolve) => this.#initWaiters.push(resolve));
  }

  /** Hands the slot to the next waiter, if any. */
  #releaseInitSlot(): void {
    const next = this.#initWaiters.shift();
    if (next) next();
    else this.#initsRunning--;
  }

  #run(state: FunctionState, env: ExecutionEnvironment, waiter: Waiter, cold: boolean): void {
    this.#clearIdleTimer(env);
    const invokeOptions = { requestId: waiter.requestId, timeoutMs: waiter.timeoutMs, clientContext: waiter.clientContext, cognitoIdentity: waiter.cognitoIdentity };
    void env.invoke(waiter.event, invokeOptions).then(({ outcome, durationMs }) => {
      if (!outcome.ok && outcome.error.errorType === UNDELIVERED) {
        // Its environment died before the runtime took it: Lambda would run it elsewhere.
        if (!this.#place(state, waiter)) state.queue.push(waiter);
        return;
      }
      const result: InvokeResult = {
        ok: outcome.ok,
        ...(outcome.ok ? { payload: outcome.payload, ...(outcome.streamed ? { streamed: outcome.streamed } : {}) } : { error: outcome.error }),
        statusCode: 200,
        requestId: waiter.requestId,
        cold,
        environment: env.id,
        latencyMs: performance.now() - waiter.started,
        durationMs,
        ...(cold ? { initMs: env.initMs } : {}),
      };
      // A standard environment is reset after a timeout; a managed instance keeps running the others.
      if (!outcome.ok && outcome.error.errorType === 'Sandbox.Timedout' && this.#options.containerConcurrency <= 1) this.#recycle(state, env, 'timeout');
      else if (!outcome.ok && RUNTIME_CRASHES.has(outcome.error.errorType)) this.#recycle(state, env, 'crashed');
      else if (this.#options.recycleProbability > 0 && Math.random() < this.#options.recycleProbability) this.#recycleWhenIdle(state, env);
      this.emit('invoke', state.definition.name, result);
      waiter.resolve(result);
    });
  }

  /** Queued invocations go to environments that free up, or to new ones while the limits allow. */
  #drain(state: FunctionState): void {
    while (state.queue.length > 0 && this.#place(state, state.queue[0])) state.queue.shift();
    // A slot freed in another function may let this one start an environment.
    if (state.queue.length === 0) {
      for (const other of this.#functions.values()) {
        if (other !== state && other.queue.length > 0) {
          while (other.queue.length > 0 && this.#place(other, other.queue[0])) other.queue.shift();
        }
      }
    }
  }

  #armIdleTimer(state: FunctionState, env: ExecutionEnvironment): void {
    this.#clearIdleTimer(env);
    const ttl = this.#options.idleTtlMs * (1 + Math.random() * this.#options.idleTtlJitter);
    const timer = setTimeout(() => {
      this.#idleTimers.delete(env);
      if (env.busy === 0) this.#recycle(state, env, 'idle-ttl');
    }, ttl);
    this.#idleTimers.set(env, timer);
  }

  #clearIdleTimer(env: ExecutionEnvironment): void {
    const timer = this.#idleTimers.get(env);
    if (timer) clearTimeout(timer);
    this.#idleTimers.delete(env);
  }

  /** Out of service at once; retired at its next idle point, when its runtime asks for work again. */
  #recycleWhenIdle(state: FunctionState, env: ExecutionEnvironment): void {
    if (!state.environments.delete(env)) return;
    this.emit('recycle', state.definition.name, env, 'random' satisfies RecycleReason);
    this.#lingering.add(env);
    if (env.busy === 0 && env.frozen) env.retire(this.#options.lingerMs);
    else this.#retireAtIdle.add(env);
  }

  #recycle(state: FunctionState, env: ExecutionEnvironment, reason: RecycleReason): void {
    this.#clearIdleTimer(env);
    const wasLive = state.environments.delete(env);
    if (wasLive) this.emit('recycle', state.definition.name, env, reason);
    if (!env.alive) return;
    if (reason === 'timeout' || reason === 'crashed' || reason === 'shutdown') {
      env.kill();
      return;
    }
    this.#lingering.add(env);
    env.retire(this.#options.lingerMs);
  }

  #environmentOptions(definition: FunctionDefinition): EnvironmentOptions {
    return {
      functionName: definition.name,
      handler: definition.handler,
      taskRoot: this.#launcher.taskRoot,
      launch: this.#launcher.launch,
      env: { ...definition.environment, ...this.#options.env },
      ...(this.#options.environmentVariables ? { envFor: this.#options.environmentVariables } : {}),
      memoryMb: definition.memoryMb ?? 1024,
      timeoutMs: definition.timeoutMs ?? 6_000,
      concurrency: this.#options.containerConcurrency,
      // Managed instances are never frozen.
      freeze: this.#options.freeze && this.#options.containerConcurrency <= 1,
      region: this.#options.region,
      initTimeoutMs: this.#options.initTimeoutMs,
      stdio: this.#options.stdio,
      runtimeCommand: this.#options.runtimeCommand,
      ...(this.#options.runtimeCommand ? { runtimePath: projectBins(this.#options.root) } : {}),
      runtime: definition.runtime,
    };
  }
}

function failure(waiter: Waiter, error: FunctionError, cold = false): InvokeResult {
  return {
    ok: false,
    error,
    statusCode: 200,
    requestId: waiter.requestId,
    cold,
    environment: '',
    latencyMs: performance.now() - waiter.started,
    durationMs: 0,
  };
}

function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Partial<T>;
}
