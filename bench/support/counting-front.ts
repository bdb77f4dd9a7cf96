// A TCP front between a bench's pool and PostgreSQL that counts the server's ReadyForQuery
// messages, so a bench can say how many statements (and, for statements sent one after another,
// round trips) an operation cost.
import net from 'node:net';

/** A TCP front that counts the server's ReadyForQuery messages ('Z', length 5): one per statement. */
export async function countingFront(target: URL): Promise<{ url: string; readyForQuery: () => number; close: () => void }> {
  let count = 0;
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port), target.hostname);
    // As the pool's own socket: without it, Nagle holds a statement sent right after another (COMMIT after the store).
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    client.pipe(upstream);
    upstream.on('data', (chunk: Buffer) => {
      for (let i = chunk.indexOf(0x5a); i >= 0 && i + 5 < chunk.length + 1; i = chunk.indexOf(0x5a, i + 1)) {
        if (chunk.readUInt32BE(i + 1) === 5 && i + 5 < chunk.length && [0x49, 0x54, 0x45].includes(chunk[i + 5])) count++;
      }
      client.write(chunk);
    });
    const end = () => (client.destroy(), upstream.destroy());
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(target);
  url.port = String((server.address() as net.AddressInfo).port);
  return { url: url.toString(), readyForQuery: () => count, close: () => server.close() };
}
