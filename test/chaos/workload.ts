import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EmulatedContainer, type InvocationOutcome } from '../support/emulated-container.js';
import type { History } from '../support/ledger.js';
import { type ChaosOp, type KeyedResult, type Writes, writesOf } from './events.js';
import { type Deliveries, nextEvent } from './mix.js';
import type { Target } from './nemesis.js';

/**
 * One emulated Lambda container slot of the soak: it invokes the chaos handler in a loop with the
 * seeded mix of work (mix.ts), frozen (SIGSTOP) for 0–3 s between invocations, and starts a new container
 * (a cold start) when the nemesis has SIGKILLed the old one.
 */

const HANDLER = fileURLToPath(new URL('./handler.ts', import.meta.url));
/** An invocation's RSS is compared with the one after this many warm invocations. */
const RSS_BASELINE_AFTER = 5;

export interface SlotOptions {
  index: number;
  databaseUrl: string;
  timeoutMs: number;
  eventsDir: string;
  /** Pool options; the slot adds applicationName. */
  poolOptions: Record<string, unknown>;
  /** Set: the password comes from a token provider that sometimes fails or hangs, seeded with this. */
  tokenSeed?: number;
  random: () => number;
  history: History;
  /** What each operation writes. */
  writes: Map<string, Writes>;
  /** The keys sent lately by every slot, shared: a redelivery repeats one. */
  deliveries: Deliveries;
  /** What each keyed invocation that succeeded returned. */
  keyedResults: Map<string, KeyedResult>;
}

export interface InvocationRecord {
  opId: string;
  durationMs: number;
  pastTimeout: boolean;
}

export class Slot implements Target {
  readonly options: SlotOptions;
  /** Invocations past their timeout: what happened, and when (to find the faults around them). */
  readonly pastTimeout: { opId: string; doneFile: string; text: string; startedAt: number; endedAt: number }[] = [];
  /** Largest RSS growth over the warm baseline seen in any generation of this slot, in bytes. */
  rssGrowth = 0;
  invocations = 0;
  coldStarts = 0;
  /** Invocations by kind of work. */
  readonly mix: Partial<Record<ChaosOp, number>> = {};
  /** Session resets the pools of this slot reported (the last count each container returned). */
  #resetsOfEnded = 0;
  #resets = 0;
  #container: EmulatedContainer | undefined;
  #generation = 0;
  #busy = false;
  #cutByNemesis = false;
  /** SIGKILL sent; the exit event may not have arrived yet, and this process must not be invoked. */
  #killed = false;
  #rssBaseline: number | undefined;
  #warmInvocations = 0;

  constructor(options: SlotOptions) {
    this.options = options;
  }

  get appPrefix(): string {
    return `chaos-c${this.options.index}-`;
  }

  get busy(): boolean {
    return this.#busy;
  }

  get alive(): boolean {
    return !this.#killed && (this.#container?.alive ?? false);
  }

  get eventsFile(): string {
    return path.join(this.options.eventsDir, `container-${this.options.index}.jsonl`);
  }

  /** Where the containers of this slot append what their session probes saw. */
  get stateFile(): string {
    return path.join(this.options.eventsDir, `container-${this.options.index}.state.jsonl`);
  }

  /** Where its token provider, if it has one, appends each call. */
  /** Where the container notes when each handler settled, by its own clock (a late reply may be the harness's). */
  get doneFile(): string {
    return path.join(this.options.eventsDir, `container-${this.options.index}.done.jsonl`);
  }

  get tokenFile(): string {
    return path.join(this.options.eventsDir, `container-${this.options.index}.tokens.jsonl`);
  }

  get sessionResets(): number {
    return this.#resetsOfEnded + this.#resets;
  }

  kill(): void {
    if (this.#busy) this.#cutByNemesis = true;
    this.#killed = true;
    this.#container?.kill();
  }

  /** Invokes until `until` (epoch ms); the last invocation may end after it. */
  async run(until: number): Promise<void> {
    while (Date.now() < until) {
      if (!this.alive) await this.#start();
      await this.#invokeOnce();
      // Frozen between invocations, as Lambda leaves an idle container.
      await new Promise((resolve) => setTimeout(resolve, Math.floor(this.options.random() * 3_000)));
    }
  }

  stop(): void {
    this.#container?.kill();
  }

  async #start(): Promise<void> {
    const { databaseUrl, poolOptions, index, tokenSeed } = this.options;
    this.#generation++;
    this.coldStarts++;
    this.#resetsOfEnded += this.#resets;
    this.#resets = 0;
    this.#killed = false;
    this.#rssBaseline = undefined;
    this.#warmInvocations = 0;
    this.#container = await EmulatedContainer.start({
      module: HANDLER,
      functionName: `chaos-${index}`,
      env: {
        DATABASE_URL: databaseUrl,
        CHAOS_EVENTS_FILE: this.eventsFile,
        CHAOS_STATE_FILE: this.stateFile,
        CHAOS_TOKEN_FILE: this.tokenFile,
        CHAOS_DONE_FILE: this.doneFile,
        CHAOS_TOKEN_SEED: tokenSeed === undefined ? undefined : String(tokenSeed * 100 + this.#generation),
        CHAOS_POOL_OPTIONS: JSON.stringify({ ...poolOptions, applicationName: `${this.appPrefix}g${this.#generation}` }),
      },
    });
  }

  async #invokeOnce(): Promise<void> {
    const { history, writes, timeoutMs } = this.options;
    const event = nextEvent(history.nextId(), this.options.random, this.options.deliveries);
    writes.set(event.opId, writesOf(event));
    this.mix[event.op] = (this.mix[event.op] ?? 0) + 1;
    const kind = event.op === 'read' ? 'read' : 'write';
    this.#busy = true;
    this.#cutByNemesis = false;
    const startedAt = Date.now();
    const outcome = await this.#container!.invoke(event, timeoutMs);
    this.#busy = false;
    this.invocations++;
    const exited = outcome.error?.code === 'CONTAINER_EXITED';
    if (exited && this.#cutByNemesis) {
      // SIGKILLed mid-invocation: whatever was sent may have applied.
      history.ops.push({ opId: event.opId, outcome: 'outcome-unknown', code: 'CONTAINER_KILLED', kind });
    } else {
      history.outcome(event.opId, outcome, kind);
    }
    Object.assign(history.ops[history.ops.length - 1]!, { startedAt, endedAt: Date.now() });
    if ((exited && !this.#cutByNemesis) || outcome.durationMs > timeoutMs) {
      const options = JSON.stringify(this.options.poolOptions);
      this.pastTimeout.push({ opId: event.opId, doneFile: this.doneFile, text: `${event.opId} (${event.op}, container ${this.options.index} ${options}) took ${Math.round(outcome.durationMs)} ms: ${describe(outcome)}`, startedAt, endedAt: Date.now() });
    }
    if (!exited) this.#sampleRss();
    const reply = outcome.result as { sessionResets?: number; keyed?: KeyedResult } | undefined;
    if (typeof reply?.sessionResets === 'number') this.#resets = Math.max(this.#resets, reply.sessionResets);
    if (outcome.ok && reply?.keyed) this.options.keyedResults.set(event.opId, reply.keyed);
  }


  #sampleRss(): void {
    const rss = rssOf(this.#container!.pid);
    if (rss === undefined) return;
    this.#warmInvocations++;
    if (this.#warmInvocations === RSS_BASELINE_AFTER) this.#rssBaseline = rss;
    if (this.#rssBaseline !== undefined) this.rssGrowth = Math.max(this.rssGrowth, rss - this.#rssBaseline);
  }
}


/** Resident set size of a process from /proc, in bytes. */
function rssOf(pid: number): number | undefined {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

function describe(outcome: InvocationOutcome): string {
  return outcome.ok ? 'ok' : `${outcome.error?.code}: ${outcome.error?.message}`;
}
