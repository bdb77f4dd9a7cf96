/** The bits of the PostgreSQL frontend protocol the fault proxy reads: startup, Parse, Bind, Query, Sync. */

export function cstring(buf: Buffer, start: number): { value: string; end: number } {
  let end = buf.indexOf(0, start);
  if (end < 0) end = buf.length;
  return { value: buf.toString('utf8', start, end), end };
}

export function bindParams(body: Buffer, at: number): (string | null)[] {
  try {
    const formats = body.readUInt16BE(at);
    const formatCodes: number[] = [];
    at += 2;
    for (let i = 0; i < formats; i++, at += 2) formatCodes.push(body.readUInt16BE(at));
    const count = body.readUInt16BE(at);
    at += 2;
    const params: (string | null)[] = [];
    for (let i = 0; i < count; i++) {
      const length = body.readInt32BE(at);
      at += 4;
      if (length < 0) {
        params.push(null);
        continue;
      }
      const format = formatCodes.length === 1 ? formatCodes[0] : (formatCodes[i] ?? 0);
      params.push(format === 0 ? body.toString('utf8', at, at + length) : null);
      at += length;
    }
    return params;
  } catch {
    return [];
  }
}

export interface Piece {
  bytes: Buffer;
  startup?: { code: number; params: Record<string, string> };
  message?: { type: number; body: Buffer };
}

/** Splits the client→server stream into messages; forwards TLS as raw bytes. */
export class FrontendParser {
  #buffer: Buffer = Buffer.alloc(0);
  #startupPhase = true;
  #raw = false;

  feed(chunk: Buffer): Piece[] {
    if (this.#raw) return [{ bytes: chunk }];
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    const pieces: Piece[] = [];
    for (;;) {
      const buf = this.#buffer;
      if (this.#startupPhase) {
        // After an SSLRequest the client either starts TLS (a record starting 0x16) or a plain startup.
        if (buf.length >= 1 && buf[0] === 0x16) {
          this.#raw = true;
          this.#buffer = Buffer.alloc(0);
          pieces.push({ bytes: buf });
          return pieces;
        }
        if (buf.length < 8) break;
        const length = buf.readUInt32BE(0);
        if (buf.length < length) break;
        const code = buf.readUInt32BE(4);
        const bytes = buf.subarray(0, length);
        const params: Record<string, string> = {};
        if (code === 196608) {
          let at = 8;
          while (at < length - 1) {
            const key = cstring(bytes, at);
            const value = cstring(bytes, key.end + 1);
            if (!key.value) break;
            params[key.value] = value.value;
            at = value.end + 1;
          }
          this.#startupPhase = false;
        } else if (code === 80877102) {
          this.#startupPhase = false;
        }
        pieces.push({ bytes, startup: { code, params } });
        this.#buffer = buf.subarray(length);
        continue;
      }
      if (buf.length < 5) break;
      const length = buf.readUInt32BE(1);
      if (buf.length < length + 1) break;
      const bytes = buf.subarray(0, length + 1);
      pieces.push({ bytes, message: { type: bytes[0], body: bytes.subarray(5) } });
      this.#buffer = buf.subarray(length + 1);
    }
    return pieces;
  }
}
