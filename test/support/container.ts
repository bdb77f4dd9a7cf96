import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** A Lambda-like container in a child process: invoke it, freeze it (SIGSTOP), thaw it, kill it. */

export interface InvokeResult {
  ok: boolean;
  result?: Record<string, unknown>;
  code?: string;
  message?: string;
  notApplied?: boolean;
}

export class Container {
  #child: ChildProcess;
  #nextId = 1;
  #pending = new Map<number, (r: InvokeResult) => void>();

  private constructor(child: ChildProcess) {
    this.#child = child;
    child.on('message', (m: { id?: number } & InvokeResult) => {
      if (m.id !== undefined) {
        this.#pending.get(m.id)?.(m);
        this.#pending.delete(m.id);
      }
    });
  }

  static async start(databaseUrl: string, options: Record<string, unknown> = {}): Promise<Container> {
    const child = fork(fileURLToPath(new URL('./container-main.ts', import.meta.url)), {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, DATABASE_URL: databaseUrl, WARMPOOL_TEST_OPTIONS: JSON.stringify(options) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    await new Promise<void>((resolve, reject) => {
      child.once('message', () => resolve());
      child.once('exit', (code) => reject(new Error(`container exited during start (${code})`)));
    });
    return new Container(child);
  }

  get pid(): number {
    return this.#child.pid!;
  }

  invoke(event: Record<string, unknown>): Promise<InvokeResult> {
    const id = this.#nextId++;
    return new Promise((resolve) => {
      this.#pending.set(id, resolve);
      this.#child.send({ ...event, id });
    });
  }

  freeze(): void {
    process.kill(this.pid, 'SIGSTOP');
  }

  thaw(): void {
    process.kill(this.pid, 'SIGCONT');
  }

  /** Like Lambda recycling a container: no cleanup runs. */
  kill(): void {
    this.#child.kill('SIGKILL');
  }
}

/** Readable failure text for expectations. */
export function describeResult(r: InvokeResult): string {
  return r.ok ? 'ok' : `${r.code}: ${r.message}`;
}
