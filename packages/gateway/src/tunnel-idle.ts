/**
 * Whether a WebSocket tunnel's session is idle: a point where it can be closed without cutting a
 * query or a transaction, which the drain waits for. It follows message boundaries of both
 * directions after authentication, without holding any message:
 *
 * - each Query, Sync or FunctionCall the client sends is answered by exactly one ReadyForQuery,
 *   so the session is busy while any is unanswered;
 * - a client message sent since the last of those (Parse, Bind, Execute… before their Sync), or
 *   one only partly received, makes it busy too;
 * - the last ReadyForQuery says whether a transaction is open ('T', 'E') or not ('I').
 *
 * It starts right after AuthenticationOk, waiting for the ReadyForQuery that ends the startup.
 */

const QUERY = 0x51; // 'Q'
const SYNC = 0x53; // 'S'
const FUNCTION_CALL = 0x46; // 'F'
const READY_FOR_QUERY = 0x5a; // 'Z'
const IDLE = 0x49; // 'I'

export class TunnelIdle {
  readonly #client = new MessageBoundaries((type) => this.#fromClient(type));
  readonly #server = new MessageBoundaries((type, first) => this.#fromServer(type, first));
  /** Queries and Syncs not yet answered by a ReadyForQuery; the first is the session start's own. */
  #unanswered = 1;
  /** Client messages sent since the last Query or Sync. */
  #open = 0;
  /** Status of the last ReadyForQuery; the session starts idle once authenticated. */
  #status = IDLE;

  clientBytes(chunk: Buffer): void {
    this.#client.feed(chunk);
  }

  serverBytes(chunk: Buffer): void {
    this.#server.feed(chunk);
  }

  get idle(): boolean {
    return this.#unanswered === 0 && this.#open === 0 && this.#status === IDLE && this.#client.atBoundary && this.#server.atBoundary;
  }

  #fromClient(type: number): void {
    if (type === QUERY || type === SYNC || type === FUNCTION_CALL) {
      this.#unanswered++;
      this.#open = 0;
    } else {
      this.#open++;
    }
  }

  #fromServer(type: number, first: number | undefined): void {
    if (type !== READY_FOR_QUERY) return;
    this.#unanswered = Math.max(0, this.#unanswered - 1);
    this.#status = first ?? IDLE;
  }
}

/** Calls `onMessage(type, firstBodyByte)` for each message of a protocol stream (after startup). */
class MessageBoundaries {
  readonly #onMessage: (type: number, first: number | undefined) => void;
  readonly #header = Buffer.alloc(6);
  #have = 0;
  /** Body bytes of the current message still to skip. */
  #skip = 0;

  constructor(onMessage: (type: number, first: number | undefined) => void) {
    this.#onMessage = onMessage;
  }

  get atBoundary(): boolean {
    return this.#have === 0 && this.#skip === 0;
  }

  feed(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.#skip > 0) {
        const take = Math.min(this.#skip, chunk.length - at);
        this.#skip -= take;
        at += take;
        continue;
      }
      // Type and length, then (when the body is not empty) its first byte.
      const wanted = this.#have >= 5 && this.#header.readInt32BE(1) > 4 ? 6 : 5;
      const take = Math.min(wanted - this.#have, chunk.length - at);
      chunk.copy(this.#header, this.#have, at, at + take);
      this.#have += take;
      at += take;
      if (this.#have < 5) continue;
      const body = this.#header.readInt32BE(1) - 4;
      if (body > 0 && this.#have < 6) continue;
      this.#have = 0;
      this.#skip = Math.max(0, body - 1);
      this.#onMessage(this.#header[0], body > 0 ? this.#header[5] : undefined);
    }
  }
}
