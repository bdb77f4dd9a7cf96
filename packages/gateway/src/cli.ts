import { WarmpoolError } from 'warmpool';
import { logSink } from './log.js';
import { GATEWAY_DEFAULTS, resolveGatewayOptions, type GatewayOptions } from './options.js';
import { startGateway } from './server.js';

/**
 * `warmpool gateway …`: arguments and environment → `startGateway`, until SIGTERM or SIGINT,
 * which start a drain (exit 0 once drained); a second one exits at once (128 + signal number).
 */

const D = GATEWAY_DEFAULTS;
const MiB = (n: number) => `${n} (${n / 1024 / 1024} MiB)`;

export const GATEWAY_HELP = `Usage: warmpool gateway --upstream <postgres-url> [options]

A Neon-compatible HTTP (/sql) and WebSocket (/v2) endpoint in front of ONE PostgreSQL server,
for the @neondatabase/serverless driver and warmpool's HTTP/WebSocket transports.
Prints "warmpool gateway listening on <url>" when ready.

Upstream and listening:
  --upstream <url>              postgres://host:port/database[?sslmode=…] (env WARMPOOL_UPSTREAM).
                                Only host, port, database and sslmode are used: each request
                                brings its own user and password, which this server checks.
  --host <address>              interface to bind (default ${D.host})
  --port <n>                    port, 0 = any free one (default ${D.port})

Access:
  --token <secret>              also require "Authorization: Bearer <secret>" (WebSocket: ?token=)
                                (env WARMPOOL_GATEWAY_TOKEN; prefer the variable: arguments show in ps)
  --allow-host <name>           accept this Host header besides localhost/127.0.0.1/::1 and the bind
                                address; repeatable; '*' = any (default: none)
  --allow-origin <origin>       let browsers on this origin call the gateway (CORS); repeatable;
                                '*' = any (default: none, requests with an Origin are refused)

Limits (default):
  --max-body-bytes <n>          largest request body: 413 beyond (${MiB(D.maxBodyBytes)})
  --max-response-bytes <n>      largest response: the query is cancelled and 507 answered (${MiB(D.maxResponseBytes)})
  --statement-timeout-ms <n>    statement_timeout of every statement, cancelled by the gateway 1 s later (${D.statementTimeoutMs})
  --max-connections <n>         upstream connections for /sql, all users together (${D.maxConnections})
  --max-queue <n>               requests waiting for a connection: 429 beyond (${D.maxQueue})
  --queue-timeout-ms <n>        longest wait for a connection: 503 after (${D.queueTimeoutMs})
  --max-websockets <n>          concurrent WebSocket tunnels, each its own upstream connection; 0 = off (${D.maxWebSockets})
  --connect-timeout-ms <n>      opening an upstream connection: TCP, TLS and authentication (${D.connectTimeoutMs})
  --idle-timeout-ms <n>         an idle upstream connection is closed after (${D.idleTimeoutMs})
  --credential-ttl-ms <n>       a password the server accepted is trusted (as a keyed hash) this long
                                before a new connection checks it again; 0 = check on every request (${D.credentialTtlMs})
  --request-timeout-ms <n>      receiving a request's headers and body (${D.requestTimeoutMs})
  --headers-timeout-ms <n>      receiving a request's headers, at most the request timeout (${D.headersTimeoutMs});
                                both timeouts are checked every second
  --max-client-connections <n>  client sockets open at once; at the cap the oldest one without a received
                                request (half-open or a body still arriving after 2 s first, then idle) is
                                let go, 503 if all are busy (${D.maxClientConnections})
  --max-client-connections-per-address <n>
                                the same cap for one remote address, 429 if all are busy (${D.maxClientConnectionsPerAddress})

Shutdown (SIGTERM or SIGINT drains; a second signal exits at once):
  --drain-delay-ms <n>          keep serving new requests this long after the signal while /health
                                already answers 503, e.g. 5000 on Kubernetes (${D.drainDelayMs})
  --drain-timeout-ms <n>        then requests in flight and busy WebSocket tunnels have this long to
                                finish before they are cut; keep delay + timeout under the platform's
                                stop timeout (ECS 30 s, Kubernetes terminationGracePeriodSeconds) (${D.drainTimeoutMs})

Health and logs:
  GET /health                   200 {"ok":true}; 503 {"ok":false,"draining":true} once draining
  GET /ready                    also checks that the upstream accepts connections, 503 and the failed step if not
  --ready-timeout-ms <n>        limit of that check: TCP, TLS and the server's first answer (${D.readyTimeoutMs})
  --log-format <text|json>      json: one object per line (time, level, event, requestId, route,
                                status, durationMs, acquireMs, upstreamMs, client) (default text)

Credentials, tokens, queries and parameters are never logged.
`;

const NUMERIC_FLAGS: Record<string, keyof typeof GATEWAY_DEFAULTS> = {
  '--port': 'port',
  '--max-body-bytes': 'maxBodyBytes',
  '--max-response-bytes': 'maxResponseBytes',
  '--statement-timeout-ms': 'statementTimeoutMs',
  '--max-connections': 'maxConnections',
  '--max-queue': 'maxQueue',
  '--queue-timeout-ms': 'queueTimeoutMs',
  '--max-websockets': 'maxWebSockets',
  '--connect-timeout-ms': 'connectTimeoutMs',
  '--idle-timeout-ms': 'idleTimeoutMs',
  '--credential-ttl-ms': 'credentialTtlMs',
  '--request-timeout-ms': 'requestTimeoutMs',
  '--headers-timeout-ms': 'headersTimeoutMs',
  '--max-client-connections': 'maxClientConnections',
  '--max-client-connections-per-address': 'maxClientConnectionsPerAddress',
  '--drain-delay-ms': 'drainDelayMs',
  '--drain-timeout-ms': 'drainTimeoutMs',
  '--ready-timeout-ms': 'readyTimeoutMs',
};

export function parseGatewayArgs(args: readonly string[], env: NodeJS.ProcessEnv): GatewayOptions | 'help' {
  const options: Record<string, unknown> = {};
  const allowHosts: string[] = [];
  const allowOrigins: string[] = [];
  for (let i = 0; i < args.length; i++) {
    let flag = args[i];
    let value: string | undefined;
    if (flag === '--help' || flag === '-h') return 'help';
    const eq = flag.indexOf('=');
    if (flag.startsWith('--') && eq > 0) {
      value = flag.slice(eq + 1);
      flag = flag.slice(0, eq);
    } else {
      value = args[++i];
    }
    if (value === undefined) throw new WarmpoolError('INVALID_OPTION', `${flag} needs a value.`);
    if (flag in NUMERIC_FLAGS) {
      if (!/^\d+$/.test(value)) throw new WarmpoolError('INVALID_OPTION', `${flag} must be a whole number; got "${value}".`);
      options[NUMERIC_FLAGS[flag]] = Number(value);
    } else if (flag === '--upstream') options.upstream = value;
    else if (flag === '--host') options.host = value;
    else if (flag === '--token') options.token = value;
    else if (flag === '--allow-host') allowHosts.push(value);
    else if (flag === '--allow-origin') allowOrigins.push(value);
    else if (flag === '--log-format') {
      if (value !== 'text' && value !== 'json') throw new WarmpoolError('INVALID_OPTION', `--log-format must be text or json; got "${value}".`);
      options.logFormat = value;
    }
    else throw new WarmpoolError('INVALID_OPTION', `Unknown option ${flag}. See: warmpool gateway --help`);
  }
  options.upstream ??= env.WARMPOOL_UPSTREAM;
  options.token ??= env.WARMPOOL_GATEWAY_TOKEN || undefined;
  if (allowHosts.length) options.allowHosts = allowHosts;
  if (allowOrigins.length) options.allowOrigins = allowOrigins;
  return options as unknown as GatewayOptions;
}

/** Runs until SIGINT/SIGTERM; resolves to the exit code. */
export async function runGatewayCli(args: readonly string[]): Promise<number> {
  let options: GatewayOptions | 'help';
  try {
    options = parseGatewayArgs(args, process.env);
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    return 2;
  }
  if (options === 'help') {
    console.log(GATEWAY_HELP);
    return 0;
  }
  const logFormat = options.logFormat ?? 'text';
  const log = logSink(logFormat, (line) => console.error(line));
  let gateway;
  try {
    gateway = await startGateway({ ...options, log: (line) => console.error(line) });
  } catch (err) {
    const code = err instanceof WarmpoolError ? `${err.code}: ` : '';
    console.error(`${code}${err instanceof Error ? err.message : String(err)}`);
    return err instanceof WarmpoolError ? 2 : 1;
  }
  const { upstream, host, token, drainDelayMs, drainTimeoutMs } = resolveGatewayOptions(options);
  log({
    level: 'info',
    event: 'upstream',
    message: `upstream ${upstream.host}:${upstream.port}/${upstream.database} (sslmode ${upstream.ssl}); credentials come from each request`,
  });
  if (host !== '127.0.0.1' && host !== 'localhost' && host !== '::1') {
    log({
      level: 'warn',
      event: 'plaintext',
      message: `listening on ${host}: put TLS in front (passwords travel in the Neon-Connection-String header)` + (token ? '' : ', and consider --token'),
    });
  }
  // On stdout, the line scripts wait for (in JSON mode, inside the object's message).
  const listening = `warmpool gateway listening on ${gateway.url}`;
  if (logFormat === 'json') logSink('json', (line) => console.log(line))({ level: 'info', event: 'listening', message: listening, url: gateway.url });
  else console.log(listening);
  const gw = gateway;
  return new Promise<number>((resolve) => {
    let signalled = false;
    const stop = (signal: NodeJS.Signals) => {
      if (signalled) {
        // The operator (or the orchestrator) insists: no more waiting.
        log({ level: 'warn', event: 'drain.abandoned', message: `${signal} again: exiting without finishing the drain`, signal });
        process.exit(128 + (signal === 'SIGINT' ? 2 : 15));
      }
      signalled = true;
      log({ level: 'info', event: 'signal', message: `${signal}: draining`, signal });
      void gw.drain({ delayMs: drainDelayMs, timeoutMs: drainTimeoutMs }).then(() => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        // Everything is closed; a handle left by a dependency must not keep a stopped server up.
        setTimeout(() => process.exit(0), 1_000).unref();
        resolve(0);
      });
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
