import net from 'node:net';
import tls from 'node:tls';
import type { UpstreamTarget } from './options.js';

/**
 * Opens a TCP connection to the configured upstream for a WebSocket tunnel, with TLS when the
 * upstream URL asks for it (SSLRequest, then a TLS handshake on the same socket). The client on
 * the other side of the tunnel then speaks plain protocol and the gateway encrypts for it.
 * The address always comes from the configuration, never from the request.
 */
export function dialUpstream(target: UpstreamTarget, timeoutMs: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: target.host, port: target.port });
    let current: net.Socket = socket;
    const fail = (err: Error) => {
      clearTimeout(timer);
      current.destroy();
      socket.destroy();
      reject(err);
    };
    const timer = setTimeout(() => fail(Object.assign(new Error('connect timeout'), { code: 'CONNECT_TIMEOUT' })), timeoutMs);
    const done = (s: net.Socket) => {
      clearTimeout(timer);
      s.removeListener('error', fail);
      socket.removeListener('error', fail);
      s.setNoDelay(true);
      s.setKeepAlive(true, 60_000);
      resolve(s);
    };
    socket.once('error', fail);
    socket.once('connect', () => {
      if (target.ssl === 'disable') return done(socket);
      socket.write(Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f])); // SSLRequest
      socket.once('data', (answer: Buffer) => {
        // Exactly one byte: anything more would be injected plaintext (CVE-2021-23222).
        if (answer.length === 1 && answer[0] === 0x53 /* S */) {
          const verify = target.ssl === 'verify-ca' || target.ssl === 'verify-full';
          const secure = tls.connect({
            socket,
            servername: net.isIP(target.host) ? undefined : target.host,
            rejectUnauthorized: verify,
            ...(target.ssl === 'verify-ca' ? { checkServerIdentity: () => undefined } : {}),
          });
          current = secure;
          // Errors of the raw socket surface on the TLS socket; never let them go unhandled.
          socket.on('error', () => {});
          secure.once('error', fail);
          secure.once('secureConnect', () => done(secure));
        } else if (answer.length === 1 && answer[0] === 0x4e /* N */ && target.ssl === 'prefer') {
          done(socket);
        } else {
          fail(new Error('the upstream server refused TLS'));
        }
      });
    });
  });
}
