// One container of bench/warm-invocation.ts: a process running one strategy's handler, as a
// Lambda container runs one function; the bench runs it from one bundle of every strategy. The
// bench plays the Runtime API: it writes one byte on fd 3 per event, and this process calls the
// handler from that read (an I/O callback, where the runtime client calls it after /next
// returns) and answers one byte when it resolves. Control (CPU readings, the end) goes over the
// IPC channel, outside the measured path.
//
//   node <bundle>.cjs <strategy> <database url>
//   node --import tsx bench/support/warm-container.ts <strategy> <database url>
import net from 'node:net';
import { STRATEGIES, fakeContext } from './strategies.js';

export type ContainerMessage = { type: 'ready' } | { type: 'cpu'; us: number } | { type: 'error'; message: string };
export type BenchMessage = { type: 'cpu' } | { type: 'end' };

const [name, url] = process.argv.slice(2);
const factory = STRATEGIES.find((s) => s.name === name);
if (!factory || !url) throw new Error(`usage: warm-container.ts <${STRATEGIES.map((s) => s.name).join('|')}> <database url>`);
const strategy = factory.setup(url);
const send = (message: ContainerMessage) => process.send!(message);

const events = new net.Socket({ fd: 3, readable: true, writable: true });
const done = Buffer.from([1]);
events.on('data', (chunk: Buffer) => {
  for (let i = 0; i < chunk.length; i++) {
    strategy.handler({}, fakeContext()).then(
      () => events.write(done),
      (err: unknown) => send({ type: 'error', message: err instanceof Error ? err.message : String(err) }),
    );
  }
});

process.on('message', (message: BenchMessage) => {
  if (message.type === 'cpu') {
    const { user, system } = process.cpuUsage();
    send({ type: 'cpu', us: user + system });
  } else if (message.type === 'end') {
    events.destroy();
    void strategy.teardown().finally(() => process.connected && process.disconnect());
  }
});

send({ type: 'ready' });
