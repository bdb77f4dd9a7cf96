import type net from 'node:net';
import type { ProxyConnection } from './fault-proxy.js';

/** One direction of a connection: a queue with latency, bandwidth, slicing and stall applied. */
export class Lane {
  #queue: { bytes: Buffer; at: number }[] = [];
  #queued = 0;
  #callbacks: { afterBytes: number; fn: () => void }[] = [];
  #pushedTotal = 0;
  #writtenTotal = 0;
  #pumping = false;
  #stopped = false;
  #ending = false;
  #nextFree = 0;
  #paused = false;

  constructor(
    private readonly connection: ProxyConnection,
    private readonly dest: net.Socket,
    private readonly source: net.Socket,
    private readonly direction: 'up' | 'down',
  ) {}

  push(bytes: Buffer): void {
    if (this.#stopped || bytes.length === 0) return;
    this.#queue.push({ bytes, at: Date.now() });
    this.#queued += bytes.length;
    this.#pushedTotal += bytes.length;
    // Backpressure: a slow lane stops reading its source, so the sender blocks as on a slow link.
    if (this.#queued > 256 * 1024 && !this.#paused) {
      this.#paused = true;
      this.source.pause();
    }
    void this.#pump();
  }

  /** Runs `fn` once everything pushed so far has been written to the destination. */
  onWrite(fn: () => void): void {
    if (this.#writtenTotal >= this.#pushedTotal) fn();
    else this.#callbacks.push({ afterBytes: this.#pushedTotal, fn });
  }

  /** Resumes pumping after the faults changed. */
  kick(): void {
    void this.#pump();
  }

  stop(): void {
    this.#stopped = true;
    this.#queue = [];
    this.#queued = 0;
    this.#callbacks = [];
  }

  endAfterFlush(): void {
    this.#ending = true;
    if (!this.#pumping && this.#queue.length === 0) this.dest.end();
  }

  async #pump(): Promise<void> {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      while (this.#queue.length > 0 && !this.#stopped) {
        const faults = this.connection.faults;
        if (faults.stall) return; // blackhole: hold nothing, forward nothing
        const item = this.#queue[0];
        const rate = faults.bytesPerSecond;
        const earliest = Math.max(item.at + faults.latencyMs, this.#nextFree);
        const wait = earliest - Date.now();
        if (wait > 0) await delay(wait);
        if (this.#stopped || this.connection.faults.stall) return;
        let bytes = item.bytes;
        // A bandwidth limit sends at most ~50 ms worth at a time.
        if (rate > 0) bytes = bytes.subarray(0, Math.max(1, Math.floor(rate / 20)));
        const budget = this.connection.budget(this.direction);
        const exhausted = budget <= bytes.length;
        if (exhausted) bytes = bytes.subarray(0, budget);
        await this.#write(bytes);
        if (this.#stopped) return;
        if (rate > 0) this.#nextFree = Date.now() + (bytes.length / rate) * 1000;
        if (this.direction === 'down') this.connection.spendReplyBudget(bytes.length);
        if (exhausted) {
          this.connection.budgetExhausted();
          return;
        }
        if (bytes.length === item.bytes.length) this.#queue.shift();
        else item.bytes = item.bytes.subarray(bytes.length);
        this.#queued -= bytes.length;
        this.#writtenTotal += bytes.length;
        while (this.#callbacks.length > 0 && this.#callbacks[0].afterBytes <= this.#writtenTotal) this.#callbacks.shift()!.fn();
        if (this.#paused && this.#queued < 64 * 1024) {
          this.#paused = false;
          this.source.resume();
        }
      }
      while (this.#callbacks.length > 0 && this.#callbacks[0].afterBytes <= this.#writtenTotal) this.#callbacks.shift()!.fn();
      if (this.#ending && this.#queue.length === 0 && !this.#stopped) this.dest.end();
    } finally {
      this.#pumping = false;
    }
  }

  async #write(bytes: Buffer): Promise<void> {
    if (bytes.length === 0 || this.dest.destroyed) return;
    const sliceMax = this.connection.faults.sliceBytes;
    if (sliceMax <= 0) {
      this.connection.countForwarded(this.direction, bytes.length);
      if (!this.dest.write(bytes)) await drainOrClose(this.dest);
      return;
    }
    for (let at = 0; at < bytes.length && !this.#stopped && !this.dest.destroyed; ) {
      const size = 1 + Math.floor(this.connection.random() * sliceMax);
      const slice = bytes.subarray(at, at + size);
      at += slice.length;
      this.connection.countForwarded(this.direction, slice.length);
      const ok = this.dest.write(slice);
      // Let the slice leave as its own segment; now and then wait a little longer.
      if (!ok) await drainOrClose(this.dest);
      else await (this.connection.random() < 0.02 ? delay(1) : new Promise((r) => setImmediate(r)));
    }
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function drainOrClose(socket: net.Socket): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      socket.off('drain', done);
      socket.off('close', done);
      resolve();
    };
    socket.once('drain', done);
    socket.once('close', done);
  });
}
