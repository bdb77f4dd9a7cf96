import { describe, expect, it } from 'vitest';
import { ReadyForQueryReader } from '../src/transports/ready-for-query.js';

// The TCP transport reads the transaction status of each ReadyForQuery from the session's socket,
// however the server's bytes are cut into chunks.

function message(type: string, body: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.write(type, 0, 'latin1');
  header.writeUInt32BE(body.length + 4, 1);
  return Buffer.concat([header, body]);
}

const readyForQuery = (status: string) => message('Z', Buffer.from(status, 'latin1'));
/** A DataRow whose body is full of bytes that look like a ReadyForQuery ('Z', 0, 0, 0, 5, 'E'). */
const trickyRow = message('D', Buffer.concat(Array.from({ length: 50 }, () => Buffer.from([0x5a, 0, 0, 0, 5, 0x45]))));

const stream = Buffer.concat([
  message('R', Buffer.from([0, 0, 0, 0])),
  message('S', Buffer.from('TimeZone\0UTC\0')),
  message('K', Buffer.alloc(8)),
  readyForQuery('I'),
  message('C', Buffer.from('BEGIN\0')),
  readyForQuery('T'),
  message('1', Buffer.alloc(0)),
  trickyRow,
  message('C', Buffer.from('SELECT 1\0')),
  readyForQuery('T'),
]);

describe('the ReadyForQuery reader', () => {
  it('reads the last status, wherever the chunks are cut', () => {
    for (let cut = 1; cut < stream.length; cut++) {
      const reader = new ReadyForQueryReader();
      reader.read(stream.subarray(0, cut));
      reader.read(stream.subarray(cut));
      expect(reader.status, `cut at ${cut}`).toBe('T');
    }
  });

  it('follows the stream byte by byte', () => {
    const reader = new ReadyForQueryReader();
    const seen: string[] = [];
    for (let i = 0; i < stream.length; i++) {
      const before = reader.status;
      reader.read(stream.subarray(i, i + 1));
      if (reader.status !== before) seen.push(reader.status);
    }
    expect(seen).toEqual(['I', 'T']);
  });

  it('sees an aborted transaction and the idle state after ROLLBACK', () => {
    const reader = new ReadyForQueryReader();
    reader.read(Buffer.concat([message('E', Buffer.from('SERROR\0C22012\0Mdivision by zero\0\0')), readyForQuery('E')]));
    expect(reader.status).toBe('E');
    reader.read(Buffer.concat([message('C', Buffer.from('ROLLBACK\0')), readyForQuery('I')]));
    expect(reader.status).toBe('I');
  });
});
