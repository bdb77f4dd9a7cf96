import type { TransactionStatus } from './types.js';

/**
 * Follows the server's message stream (type byte, int32 length counting itself, body) just far
 * enough to read the status byte of each ReadyForQuery ('Z', length 5) and to count the
 * CommandComplete messages ('C'). Bodies are skipped without being looked at, so the cost per
 * chunk is a few reads per message; a header or a status split across chunks is carried over to
 * the next one.
 */
export class ReadyForQueryReader {
  status: TransactionStatus = 'unknown';
  /** CommandComplete messages read so far: a statement that got none has not finished. */
  commandCompletes = 0;
  /** Body bytes of the current message not read yet. */
  #remaining = 0;
  #inReadyForQuery = false;
  #header = new Uint8Array(5);
  #headerFill = 0;

  read(chunk: Uint8Array): void {
    let i = 0;
    const n = chunk.length;
    while (i < n) {
      if (this.#remaining > 0) {
        if (this.#inReadyForQuery) {
          this.status = statusOf(chunk[i]);
          this.#inReadyForQuery = false;
        }
        const take = Math.min(this.#remaining, n - i);
        i += take;
        this.#remaining -= take;
      } else if (this.#headerFill === 0 && n - i >= 5) {
        this.#begin(chunk[i], readLength(chunk, i + 1));
        i += 5;
      } else {
        this.#header[this.#headerFill++] = chunk[i++];
        if (this.#headerFill === 5) {
          this.#headerFill = 0;
          this.#begin(this.#header[0], readLength(this.#header, 1));
        }
      }
    }
  }

  #begin(type: number, length: number): void {
    this.#remaining = length - 4;
    this.#inReadyForQuery = type === 0x5a /* Z */ && length === 5;
    if (type === 0x43 /* C */) this.commandCompletes++;
  }
}

function readLength(bytes: Uint8Array, at: number): number {
  return ((bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3]) >>> 0;
}

function statusOf(byte: number): TransactionStatus {
  return byte === 0x49 ? 'I' : byte === 0x54 ? 'T' : byte === 0x45 ? 'E' : 'unknown';
}
