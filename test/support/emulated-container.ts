import { type ChildProcess, fork } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sourceLauncher } from '../../packages/cli/src/emulator/bundle.js';
import { ExecutionEnvironment, FunctionErrorException } from '../../packages/cli/src/emulator/environment.js';

/**
 * An emulated Lambda container seen from outside: a child process running one handler. It is
 * invoked one event at a time, frozen with SIGSTOP between invocations as Lambda freezes idle
 * execution environments, thawed with SIGCONT, and killed with SIGKILL (no cleanup) when recycled.
 *
 * Two ways in: `mode: 'ipc'` (the default) sends events over Node's IPC channel;
 * `mode: 'runtime-api'` runs the Lambda bootstrap, which long-polls this container's Runtime API
 * over HTTP as a real runtime does. For pools of containers with cold starts, queueing and
 * recycling, see LambdaEmulator.
 */

export interface ContainerOptions {
  /** Path of the handler module (TypeScript is loaded through tsx). */
  module: string;
  exportName?: string;
  functionName?: string;
  env?: Record<string, string | undefined>;
  /** Freeze the process between invocations. Default true. */
  freeze?: boolean;
  /** How invocations reach the process. Default 'ipc'. */
  mode?: 'ipc' | 'runtime-api';
}

export interface InvocationOutcome {
  ok: boolean;
  result?: unknown;
  error?: { name?: string; code?: string; message?: string; notApplied?: boolean };
  durationMs: number;
}

interface Backend {
  readonly pid: number;
  readonly alive: boolean;
  invoke(event: unknown, timeoutMs: number): Promise<InvocationOutcome>;
  kill(): void;
}

export class EmulatedContainer {
  readonly #backend: Backend;

  private constructor(backend: Backend) {
    this.#backend = backend;
  }

  /** Cold start: spawn the process and import the handler module. */
  static async start(options: ContainerOptions): Promise<EmulatedContainer> {
    const backend = options.mode === 'runtime-api' ? await RuntimeApiBackend.start(options) : await IpcBackend.start(options);
    return new EmulatedContainer(backend);
  }

  get pid(): number {
    return this.#backend.pid;
  }

  get alive(): boolean {
    return this.#backend.alive;
  }

  /** Thaws the container, runs one invocation, freezes it again. Past `timeoutMs` the container is killed. */
  invoke(event: unknown, timeoutMs = 10_000): Promise<InvocationOutcome> {
    return this.#backend.invoke(event, timeoutMs);
  }

  /** Lambda recycling the environment: SIGKILL, no cleanup. */
  kill(): void {
    this.#backend.kill();
  }
}

interface Reply {
  id?: number;
  ok: boolean;
  result?: unknown;
  error?: InvocationOutcome['error'];
  ready?: boolean;
  initError?: string;
}

class IpcBackend implements Backend {
  #child: ChildProcess;
  #freeze: boolean;
  #nextId = 1;
  #pending = new Map<number, (reply: Reply) => void>();
  #frozen = false;
  #exited = false;

  private constructor(child: ChildProcess, freeze: boolean) {
    this.#child = child;
    this.#freeze = freeze;
    child.on('message', (reply: Reply) => {
      if (reply.id === undefined) return;
      this.#pending.get(reply.id)?.(reply);
      this.#pending.delete(reply.id);
    });
    child.on('exit', () => {
      this.#exited = true;
      for (const resolve of this.#pending.values()) resolve({ ok: false, error: { code: 'CONTAINER_EXITED', message: 'the container process exited' } });
      this.#pending.clear();
    });
  }

  static async start(options: ContainerOptions): Promise<IpcBackend> {
    const entry = fileURLToPath(new URL('./emulated-container-process.ts', import.meta.url));
    const child = fork(entry, [options.module, options.exportName ?? 'handler', options.functionName ?? 'function'], {
      // Handler modules may be TypeScript: load them through tsx.
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, ...options.env, AWS_LAMBDA_FUNCTION_NAME: options.functionName ?? 'function' },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    await new Promise<void>((resolve, reject) => {
      child.once('message', (m: Reply) => (m.ready ? resolve() : reject(new Error(`container failed to start: ${m.initError}`))));
      child.once('exit', (code) => reject(new Error(`container exited during start (exit code ${code})`)));
    });
    const backend = new IpcBackend(child, options.freeze ?? true);
    backend.#pause();
    return backend;
  }

  get pid(): number {
    return this.#child.pid!;
  }

  get alive(): boolean {
    return !this.#exited;
  }

  async invoke(event: unknown, timeoutMs: number): Promise<InvocationOutcome> {
    const id = this.#nextId++;
    const started = performance.now();
    const reply = new Promise<Reply>((resolve) => this.#pending.set(id, resolve));
    this.#resume();
    this.#child.send({ id, event, timeoutMs });
    const timer = setTimeout(() => this.kill(), timeoutMs);
    const { ok, result, error } = await reply;
    clearTimeout(timer);
    this.#pause();
    return { ok, result, error, durationMs: performance.now() - started };
  }

  kill(): void {
    if (this.#exited) return;
    if (this.#frozen) process.kill(this.pid, 'SIGCONT');
    this.#child.kill('SIGKILL');
  }

  #pause(): void {
    if (!this.#freeze || this.#exited) return;
    process.kill(this.pid, 'SIGSTOP');
    this.#frozen = true;
  }

  #resume(): void {
    if (!this.#frozen || this.#exited) return;
    process.kill(this.pid, 'SIGCONT');
    this.#frozen = false;
  }
}

class RuntimeApiBackend implements Backend {
  readonly #env: ExecutionEnvironment;

  private constructor(env: ExecutionEnvironment) {
    this.#env = env;
  }

  static async start(options: ContainerOptions): Promise<RuntimeApiBackend> {
    const file = path.resolve(options.module);
    const moduleName = path.basename(file).replace(/\.[cm]?[jt]s$/, '');
    const launcher = sourceLauncher(path.dirname(file));
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries(options.env ?? {})) if (value !== undefined) env[key] = value;
    try {
      const environment = await ExecutionEnvironment.start({
        functionName: options.functionName ?? 'function',
        handler: `${moduleName}.${options.exportName ?? 'handler'}`,
        taskRoot: launcher.taskRoot,
        launch: launcher.launch,
        env,
        memoryMb: 1024,
        timeoutMs: 10_000,
        concurrency: 1,
        freeze: options.freeze ?? true,
        region: 'us-east-1',
        initTimeoutMs: 30_000,
        stdio: 'inherit',
      });
      return new RuntimeApiBackend(environment);
    } catch (err) {
      const detail = err instanceof FunctionErrorException ? `${err.error.errorType}: ${err.error.errorMessage}` : (err as Error).message;
      throw new Error(`container failed to start: ${detail}`);
    }
  }

  get pid(): number {
    return this.#env.pid;
  }

  get alive(): boolean {
    return this.#env.alive;
  }

  async invoke(event: unknown, timeoutMs: number): Promise<InvocationOutcome> {
    const { outcome, durationMs } = await this.#env.invoke(event, { timeoutMs });
    if (outcome.ok) return { ok: true, result: outcome.payload, durationMs };
    const { errorType, errorMessage, code, notApplied } = outcome.error;
    return { ok: false, error: { name: errorType, code: code ?? errorType, message: errorMessage, ...(notApplied !== undefined ? { notApplied } : {}) }, durationMs };
  }

  kill(): void {
    this.#env.kill();
  }
}
