// Counts round trips where a client feels them, at its own sockets: a turn is a write on a
// connection that has been answered since its last write, i.e. the client waited for the server
// before sending again. Writes that start within `waveMs` of the last counted turn, on any of the
// client's connections, are one wave sent in parallel (pg.Pool's Promise.all on three
// connections), not a turn each. A sequence of real turns cannot come closer than one RTT, so
// half of it is a safe wave. It sits on loopback in front of the delay proxy and adds no delay.
import net from 'node:net';

export interface TurnCounter {
  /** The URL pointed at this front. */
  url: string;
  turns(): number;
  close(): void;
}

export async function turnCounter(target: string, waveMs: number): Promise<TurnCounter> {
  const upstream = new URL(target);
  let turns = 0;
  let lastTurnAt = -Infinity;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const server = net.connect(Number(upstream.port), upstream.hostname);
    client.setNoDelay(true);
    server.setNoDelay(true);
    sockets.add(client).add(server);
    let answered = true; // the first write opens a turn
    client.on('data', (chunk: Buffer) => {
      const now = performance.now();
      if (answered && now - lastTurnAt >= waveMs) (turns++, (lastTurnAt = now));
      answered = false;
      server.write(chunk);
    });
    server.on('data', (chunk: Buffer) => {
      answered = true;
      client.write(chunk);
    });
    const end = () => (client.destroy(), server.destroy(), sockets.delete(client), sockets.delete(server));
    client.on('error', end).on('close', end);
    server.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(target);
  url.hostname = '127.0.0.1';
  url.port = String((server.address() as net.AddressInfo).port);
  return {
    url: url.toString(),
    turns: () => turns,
    close: () => {
      server.close();
      for (const socket of sockets) socket.destroy();
    },
  };
}
