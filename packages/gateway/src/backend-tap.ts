import type { Socket } from 'node:net';

/**
 * Reads the message headers of what the server sends on an upstream `/sql` connection, ahead of
 * postgres.js and without holding the messages. postgres.js buffers a whole message before it
 * parses it, so a single 200 MB row would otherwise be in memory (several times over, once
 * converted) before the response budget could see it. Here each DataRow's size is known from its
 * first 7 bytes: a row the budget cannot take stops the connection before its body is read.
 * Any other message larger than the limit (a huge error or notice text, COPY data) stops it too.
 *
 * It also keeps the type size and type modifier of each column of the last RowDescription, which
 * postgres.js does not expose and Neon's `/sql` answers carry (`dataTypeSize`, `dataTypeModifier`).
 */

export interface FieldShape {
  size: number;
  modifier: number;
}

/** Decides whether a row whose values take `valueBytes` still fits the response. */
export type RowAdmission = (valueBytes: number) => boolean;

const DATA_ROW = 0x44; // 'D'
const ROW_DESCRIPTION = 0x54; // 'T'

export class BackendTap {
  readonly #maxMessageBytes: number;
  readonly #onTooLarge: () => void;
  #socket: Socket | undefined;
  /** Header bytes of the current message: type, length (4), and for a DataRow its column count (2). */
  readonly #header = Buffer.alloc(7);
  #headerHave = 0;
  /** Body bytes of the current message still to come. */
  #bodyLeft = 0;
  /** Body of a RowDescription being collected. */
  #description: Buffer[] | undefined;
  #admit: RowAdmission | undefined;
  #fields: FieldShape[] = [];
  #stopped = false;

  /** `onTooLarge` runs once, right after the socket has been paused. */
  constructor(maxMessageBytes: number, onTooLarge: () => void) {
    this.#maxMessageBytes = maxMessageBytes;
    this.#onTooLarge = onTooLarge;
  }

  /** Listens first on `socket`, so every chunk is seen before the driver buffers it. */
  attach(socket: Socket): void {
    this.#socket = socket;
    socket.prependListener('data', (chunk: Buffer) => this.#read(chunk));
  }

  /** From now on rows are checked by `admit`; the column shapes seen so far are forgotten. */
  beginStatement(admit: RowAdmission): void {
    this.#admit = admit;
    this.#fields = [];
  }

  endStatement(): void {
    this.#admit = undefined;
  }

  /** Size and modifier of each column of the statement's last RowDescription. */
  get fields(): readonly FieldShape[] {
    return this.#fields;
  }

  #read(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length && !this.#stopped) {
      if (this.#bodyLeft > 0) {
        const take = Math.min(this.#bodyLeft, chunk.length - at);
        this.#description?.push(chunk.subarray(at, at + take));
        at += take;
        this.#bodyLeft -= take;
        if (this.#bodyLeft === 0 && this.#description) this.#describe(Buffer.concat(this.#description));
        continue;
      }
      const wanted = this.#headerHave > 0 && this.#header[0] === DATA_ROW ? 7 : 5;
      const take = Math.min(wanted - this.#headerHave, chunk.length - at);
      chunk.copy(this.#header, this.#headerHave, at, at + take);
      this.#headerHave += take;
      at += take;
      if (this.#headerHave < 5) continue;
      if (this.#header[0] === DATA_ROW && this.#headerHave < 7) continue;
      this.#startMessage();
    }
  }

  /** The header is complete: decide on the message before its body arrives. */
  #startMessage(): void {
    const type = this.#header[0];
    const body = this.#header.readUInt32BE(1) - 4;
    this.#headerHave = 0;
    this.#description = undefined;
    if (type === DATA_ROW) {
      // Each column is a 4-byte length, then its value: what is left is the values' size.
      const values = body - 2 - 4 * this.#header.readUInt16BE(5);
      this.#bodyLeft = body - 2;
      if (this.#admit ? !this.#admit(values) : body > this.#maxMessageBytes) this.#tooLarge();
      return;
    }
    this.#bodyLeft = body;
    if (body > this.#maxMessageBytes) return this.#tooLarge();
    if (type === ROW_DESCRIPTION) {
      this.#description = [];
      if (body === 0) this.#describe(Buffer.alloc(0));
    }
  }

  #describe(body: Buffer): void {
    this.#description = undefined;
    const fields: FieldShape[] = [];
    try {
      const count = body.readUInt16BE(0);
      let at = 2;
      for (let i = 0; i < count; i++) {
        at = body.indexOf(0, at) + 1; // name
        // table oid (4), attribute number (2), type oid (4), then size and modifier.
        fields.push({ size: body.readInt16BE(at + 10), modifier: body.readInt32BE(at + 12) });
        at += 18;
      }
    } catch {
      return; // Malformed: the driver will fail the statement itself.
    }
    this.#fields = fields;
  }

  #tooLarge(): void {
    this.#stopped = true;
    this.#socket?.pause();
    this.#onTooLarge();
  }
}
