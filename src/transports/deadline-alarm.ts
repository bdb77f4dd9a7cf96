import { removeUnordered } from '../unordered.js';

/**
 * One timer per connection for the deadlines of its statements in flight. Setting and clearing
 * a timer around every statement costs more than the rest of a warm statement's transport work;
 * the statements of later invocations have later deadlines than the one the timer is already set
 * for, so most statements touch no timer at all. The timer is set for the earliest deadline
 * watched; when it fires, it expires the statements that are due (by the wall clock, as the
 * deadlines are) and is set again for the earliest one left. It does not hold the process open:
 * a statement in flight has its socket for that.
 */

export interface Watched {
  /** Wall-clock time (epoch ms) at which `expire` is called, unless unwatched before. */
  readonly deadline: number;
  expire(): void;
}

export class DeadlineAlarm {
  /** The connection's statements in flight (unordered.ts says why an array). */
  #watched: Watched[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** When the timer fires (epoch ms); Infinity while it is not set. */
  #at = Infinity;

  watch(entry: Watched): void {
    this.#watched.push(entry);
    if (entry.deadline < this.#at) this.#set(entry.deadline);
  }

  unwatch(entry: Watched): void {
    removeUnordered(this.#watched, entry);
  }

  /** Forgets every statement and clears the timer (the connection is closing). */
  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#at = Infinity;
    this.#watched = [];
  }

  #set(at: number): void {
    clearTimeout(this.#timer);
    this.#at = at;
    this.#timer = setTimeout(this.#fire, Math.max(0, at - Date.now()));
    (this.#timer as { unref?: () => void }).unref?.();
  }

  #fire = (): void => {
    this.#timer = undefined;
    this.#at = Infinity;
    const now = Date.now();
    const due = this.#watched.filter((entry) => entry.deadline <= now);
    const left = this.#watched.filter((entry) => entry.deadline > now);
    this.#watched = left;
    for (const entry of due) {
      // An expiry that destroyed the connection stopped the alarm: the rest go with the socket.
      if (this.#watched !== left) return;
      entry.expire();
    }
    let next = Infinity;
    for (const entry of this.#watched) next = Math.min(next, entry.deadline);
    if (next !== Infinity) this.#set(next);
  };
}
