import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * An emulated Lambda container seen from outside: a child process running one handler. It is
 * invoked one event at a time, frozen with SIGSTOP between invocations as Lambda freezes idle
 * execution environments, thawed with SIGCONT, and killed with SIGKILL (no cleanup) when recycled.
 */

export interface ContainerOptions {
  /** Path of the handler module (TypeScript is loaded through tsx). */
  module: string;
  exportName?: string;
  functionName?: string;
  env?: Record<string, string | undefined>;
  /** Freeze the process between invocations. Default true. */
  freeze?: boolean;
}

export interface InvocationOutcome {
  ok: boolean;
  result?: unknown;
  error?: { name?: string; code?: string; message?: string; notApplied?: boolean };
  durationMs: number;
}

interface Reply {
  id?: number;
  ok: boolean;
  result?: unknown;
  error?: InvocationOutcome['error'];
  ready?: boolean;
  initError?: string;
}

export class EmulatedContainer {
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

  /** Cold start: spawn the process and import the handler module. */
  static async start(options: ContainerOptions): Promise<EmulatedContainer> {
    // Run from source (.ts, through tsx) or from the built package (.js).
    const fromSource = import.meta.url.endsWith('.ts');
    const entry = fileURLToPath(new URL(`./container-process.${fromSource ? 'ts' : 'js'}`, import.meta.url));
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
    const container = new EmulatedContainer(child, options.freeze ?? true);
    container.#pause();
    return container;
  }

  get pid(): number {
    return this.#child.pid!;
  }

  get alive(): boolean {
    return !this.#exited;
  }

  /** Thaws the container, runs one invocation, freezes it again. */
  async invoke(event: unknown, timeoutMs = 10_000): Promise<InvocationOutcome> {
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

  /** Lambda recycling the environment: SIGKILL, no cleanup. */
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
