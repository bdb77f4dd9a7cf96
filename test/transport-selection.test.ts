import { afterEach, describe, expect, it, vi } from 'vitest';
import { createPoolFrom } from '../src/create.js';
import { createPool as createEdgePool } from '../src/index.edge.js';
import { EDGE_TRANSPORTS } from '../src/transports/edge.js';
import { createPool } from '../src/index.js';
import { createPool as createHttpPool } from '../src/index.http.js';
import { resolveOptions, type PoolEvent, type PoolOptions } from '../src/options.js';
import { detectRuntime, type Runtime } from '../src/runtime.js';
import { selectTransport, type TransportTable } from '../src/select-transport.js';
import { meansNoSockets, withHttpFallback } from '../src/transports/fallback.js';
import type { Connection, TransportFactory } from '../src/transports/types.js';
import { WarmpoolError } from '../src/errors.js';

// Which transport 'auto' picks on each runtime, what an explicit choice does, what a build
// without TCP (edge) or without HTTP and WebSocket (plain `warmpool` on Node) says, and the
// fallback to HTTP when sockets are not available here.

const url = 'postgres://app:s3cret-pass@db.example.com:5432/shop';
const endpoint = 'https://gw.example.com/sql';

const fake = (name: 'tcp' | 'http' | 'websocket'): TransportFactory => () => ({ name, interactiveTransactions: name !== 'http', connect: () => Promise.reject(new Error('not used')) });
const ALL: TransportTable = { tcp: fake('tcp'), http: fake('http'), websocket: fake('websocket'), fallback: withHttpFallback };

function pick(runtime: Runtime, options: PoolOptions, table: TransportTable = ALL): string {
  return selectTransport(resolveOptions({ connectionString: url, ...options }), runtime, table).name;
}

afterEach(() => {
  vi.unstubAllGlobals();
  vi.unstubAllEnvs();
});

describe("'auto' per runtime", () => {
  it('picks TCP where sockets work and may be kept: Node, Lambda, Bun, Deno', () => {
    for (const runtime of ['node', 'lambda', 'bun', 'deno'] as const) expect(pick(runtime, {}), runtime).toBe('tcp');
  });

  it('picks HTTP on Workers, Vercel Edge and unknown runtimes (browsers)', () => {
    for (const runtime of ['workerd', 'edge-light', 'other'] as const) expect(pick(runtime, { httpEndpoint: endpoint }), runtime).toBe('http');
  });

  it('picks TCP on Workers only through a Hyperdrive binding', () => {
    expect(pick('workerd', { connectionString: undefined, hyperdrive: { connectionString: url }, httpEndpoint: endpoint })).toBe('tcp');
    expect(pick('node', { connectionString: undefined, hyperdrive: { connectionString: url } })).toBe('tcp');
  });

  it('needs an explicit endpoint for HTTP: never one derived from a host that is not Neon', () => {
    expect(() => pick('workerd', {})).toThrow(expect.objectContaining({ code: 'TRANSPORT_UNAVAILABLE', message: expect.stringMatching(/httpEndpoint.*Hyperdrive/s) }));
    expect(() => pick('node', { transport: 'websocket' })).toThrow(expect.objectContaining({ code: 'TRANSPORT_UNAVAILABLE', message: expect.stringMatching(/wsProxy/) }));
    const neon = resolveOptions({ connectionString: 'postgres://u:p@ep-cool-name-123.us-east-2.aws.neon.tech/db' });
    expect([neon.httpEndpoint, neon.wsProxy]).toEqual(['https://api.us-east-2.aws.neon.tech/sql', 'wss://ep-cool-name-123.us-east-2.aws.neon.tech/v2']);
  });

  it('reads the endpoints from WARMPOOL_HTTP_ENDPOINT and WARMPOOL_WS_PROXY', () => {
    vi.stubEnv('WARMPOOL_HTTP_ENDPOINT', 'http://127.0.0.1:4444/sql');
    vi.stubEnv('WARMPOOL_WS_PROXY', 'ws://127.0.0.1:4444/v2');
    expect(resolveOptions({ connectionString: url })).toMatchObject({ httpEndpoint: 'http://127.0.0.1:4444/sql', wsProxy: 'ws://127.0.0.1:4444/v2' });
    expect(resolveOptions({ connectionString: url, httpEndpoint: endpoint }).httpEndpoint).toBe(endpoint);
  });
});

describe('an explicit transport', () => {
  it('is used on any runtime', () => {
    expect(pick('workerd', { transport: 'tcp' })).toBe('tcp');
    expect(pick('node', { transport: 'http', httpEndpoint: endpoint })).toBe('http');
    expect(pick('edge-light', { transport: 'websocket', wsProxy: 'wss://gw.example.com/v2' })).toBe('websocket');
  });

  it('that this build lacks is TRANSPORT_UNAVAILABLE, pointing to the Workers TCP entry', () => {
    expect(() => pick('workerd', { transport: 'tcp' }, EDGE_TRANSPORTS)).toThrow(expect.objectContaining({ code: 'TRANSPORT_UNAVAILABLE', message: expect.stringContaining('warmpool/worker/tcp') }));
    expect(() => pick('workerd', { connectionString: undefined, hyperdrive: { connectionString: url } }, EDGE_TRANSPORTS)).toThrow(expect.objectContaining({ code: 'TRANSPORT_UNAVAILABLE' }));
    expect(() => createEdgePool({ connectionString: url, transport: 'tcp' })).toThrow(expect.objectContaining({ code: 'TRANSPORT_UNAVAILABLE' }));
  });
});

describe('detectRuntime and createPool on each runtime', () => {
  it('detects Node and Lambda here', () => {
    expect(detectRuntime()).toBe('node');
    vi.stubEnv('AWS_LAMBDA_FUNCTION_NAME', 'fn');
    expect(detectRuntime()).toBe('lambda');
  });

  it('detects Deno, Bun, Vercel Edge and Workers by their globals, in that order', () => {
    vi.stubGlobal('navigator', { userAgent: 'Cloudflare-Workers' });
    expect(detectRuntime()).toBe('workerd');
    vi.stubGlobal('EdgeRuntime', 'edge-runtime');
    expect(detectRuntime()).toBe('edge-light');
    vi.stubGlobal('Bun', {});
    expect(detectRuntime()).toBe('bun');
    vi.stubGlobal('Deno', {});
    expect(detectRuntime()).toBe('deno');
  });

  it("createPool's stats show the transport picked for the runtime", async () => {
    const options = { connectionString: url, httpEndpoint: endpoint, applicationName: 'selection' };
    const node = createHttpPool(options);
    expect(node.stats().transport).toBe('tcp');
    vi.stubGlobal('navigator', { userAgent: 'Cloudflare-Workers' });
    const worker = createEdgePool({ ...options, applicationName: 'selection-worker' });
    expect(worker.stats().transport).toBe('http');
    await Promise.all([node.end(), worker.end()]);
  });
});

describe('when the transport is built', () => {
  const counted = (name: 'tcp' | 'http') => {
    const made = { count: 0 };
    const factory: TransportFactory = (options, containerId, counters) => {
      made.count++;
      return fake(name)(options, containerId, counters);
    };
    return { made, factory };
  };

  it('TCP when the pool is made, where sockets may outlive a request: a module-scope pool builds its driver in Lambda\'s init', async () => {
    const tcp = counted('tcp');
    const http = counted('http');
    const a = createPoolFrom({ tcp: tcp.factory }, { connectionString: url, applicationName: 'built-at-once' });
    const b = createPoolFrom({ http: http.factory }, { connectionString: url, transport: 'http', httpEndpoint: endpoint, applicationName: 'built-at-first-use' });
    expect([tcp.made.count, http.made.count]).toEqual([1, 0]);
    await Promise.all([a.end(), b.end()]);
  });

  it('TCP on Workers at first use: they refuse random values (the container id) outside a request', async () => {
    vi.stubGlobal('navigator', { userAgent: 'Cloudflare-Workers' });
    const tcp = counted('tcp');
    const pool = createPoolFrom({ tcp: tcp.factory }, { connectionString: url, transport: 'tcp', applicationName: 'worker-request' }, 'request');
    expect(tcp.made.count).toBe(0);
    expect(pool.stats().transport).toBe('tcp');
    await pool.end();
  });
});

describe("plain 'warmpool' on Node: TCP only, HTTP and WebSocket through 'warmpool/http'", () => {
  const OPT_IN = "import { createPool } from 'warmpool/http'";
  const TCP_ONLY: TransportTable = { tcp: fake('tcp') };
  const unavailable = (message: RegExp | string) => expect.objectContaining({ code: 'TRANSPORT_UNAVAILABLE', message: typeof message === 'string' ? expect.stringContaining(message) : expect.stringMatching(message) });

  it('refuses the http and websocket transports, naming the import that has them', () => {
    expect(() => createPool({ connectionString: url, transport: 'http', httpEndpoint: endpoint })).toThrow(unavailable(OPT_IN));
    expect(() => createPool({ connectionString: url, transport: 'websocket', wsProxy: 'wss://gw.example.com/v2' })).toThrow(unavailable(OPT_IN));
    expect(() => createPool({ connectionString: url, transport: 'http', httpEndpoint: endpoint })).toThrow(WarmpoolError);
  });

  it("refuses 'auto' on a runtime that needs HTTP", () => {
    expect(() => pick('other', { httpEndpoint: endpoint }, TCP_ONLY)).toThrow(unavailable(/Runtime "other" needs the http transport.*warmpool\/http/));
  });

  it('refuses an httpEndpoint set for the fallback, from the option or WARMPOOL_HTTP_ENDPOINT', () => {
    expect(() => createPool({ connectionString: url, httpEndpoint: endpoint })).toThrow(unavailable(/fallback from TCP to HTTP.*warmpool\/http/));
    vi.stubEnv('WARMPOOL_HTTP_ENDPOINT', endpoint);
    expect(() => createPool({ connectionString: url, applicationName: 'selection-env' })).toThrow(unavailable(OPT_IN));
  });

  it('stays on TCP, without a fallback, for a Neon host whose endpoint is only derived', () => {
    const neonUrl = 'postgres://u:p@ep-cool-name-123.us-east-2.aws.neon.tech/db';
    const selected = selectTransport(resolveOptions({ connectionString: neonUrl }), 'lambda', TCP_ONLY);
    expect(selected.factory).toBe(TCP_ONLY.tcp);
    expect(selectTransport(resolveOptions({ connectionString: neonUrl }), 'lambda', ALL).factory).not.toBe(ALL.tcp);
  });

  it('the message names neither the password nor the connection string', () => {
    try {
      createPool({ connectionString: url, transport: 'http', httpEndpoint: endpoint });
      expect.unreachable();
    } catch (err) {
      expect(String((err as Error).message)).not.toMatch(/s3cret-pass|postgres:\/\//);
    }
  });

  it('shares the registry with warmpool/http: the same settings give the same pool', async () => {
    const options = { connectionString: url, applicationName: 'selection-shared' };
    const tcp = createPool(options);
    expect(createHttpPool(options)).toBe(tcp);
    const http = createHttpPool({ ...options, transport: 'http', httpEndpoint: endpoint });
    expect(http.stats().transport).toBe('http');
    // A pool made through warmpool/http does not make the transport available to warmpool.
    expect(() => createPool({ ...options, transport: 'http', httpEndpoint: endpoint })).toThrow(unavailable(OPT_IN));
    await Promise.all([tcp.end(), http.end()]);
  });
});

describe('options of the HTTP and WebSocket transports', () => {
  const bad: [string, PoolOptions, RegExp][] = [
    ['httpEndpoint not a URL', { httpEndpoint: 'gw.example.com/sql' }, /httpEndpoint .*https:\/\//],
    ['httpEndpoint with ws://', { httpEndpoint: 'ws://gw.example.com/sql' }, /httpEndpoint/],
    ['httpEndpoint with credentials', { httpEndpoint: 'https://u:pw@gw.example.com/sql' }, /must not contain credentials/],
    ['wsProxy with https://', { wsProxy: 'https://gw.example.com/v2' }, /wsProxy .*wss:\/\//],
    ['authToken a number', { authToken: 42 as never }, /"authToken" must be a string/],
    ['hyperdrive without connectionString', { hyperdrive: {} as never }, /Hyperdrive binding/],
    ['hyperdrive and connectionString', { hyperdrive: { connectionString: url } }, /either "hyperdrive" or "connectionString"/],
    ['misspelt option', { httpEndPoint: endpoint } as never, /Unknown option "httpEndPoint"/],
  ];
  for (const [name, options, message] of bad) {
    it(`refuses ${name}`, () => {
      expect(() => resolveOptions({ connectionString: url, ...options })).toThrow(expect.objectContaining({ code: 'INVALID_OPTION', message: expect.stringMatching(message) }));
    });
  }

  it('takes the connection from a Hyperdrive binding, without the session timeout a pooler refuses', () => {
    const o = resolveOptions({ hyperdrive: { connectionString: 'postgresql://u:pw@abc123.hyperdrive.local:5432/app' } });
    expect(o).toMatchObject({ host: 'abc123.hyperdrive.local', user: 'u', database: 'app', hyperdrive: true, serverIdleSessionTimeoutMs: 0 });
  });
});

describe('falling back to HTTP when sockets are not available here', () => {
  const noSockets = Object.assign(new Error('connect EACCES 10.0.0.1:5432'), { code: 'EACCES' });

  function table(tcpError: unknown, connects: string[]): TransportTable {
    const connection = { dead: false, suspect: false, close: async () => {} } as Connection;
    return {
      tcp: () => ({ name: 'tcp', interactiveTransactions: true, connect: async () => { connects.push('tcp'); throw new WarmpoolError('CONNECT_FAILED', 'no', { cause: tcpError, notApplied: true }); } }),
      http: () => ({ name: 'http', interactiveTransactions: false, connect: async () => { connects.push('http'); return connection; } }),
      fallback: withHttpFallback,
    };
  }

  it('recognises "no sockets" failures, not a server that is down', () => {
    expect(meansNoSockets(new WarmpoolError('CONNECT_FAILED', 'x', { cause: noSockets }))).toBe(true);
    expect(meansNoSockets(Object.assign(new Error('Requires net access'), { name: 'NotCapable' }))).toBe(true);
    expect(meansNoSockets(new WarmpoolError('CONNECT_FAILED', 'x', { cause: Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }) }))).toBe(false);
  });

  it("switches an 'auto' pool to HTTP for good and says so once", async () => {
    const events: PoolEvent[] = [];
    const connects: string[] = [];
    const db = createPoolFrom(table(noSockets, connects), { connectionString: url, httpEndpoint: endpoint, onEvent: (e) => events.push(e) }, 'request');
    expect(db.stats().transport).toBe('tcp');
    const set = (await import('../src/pool/pool.js')).poolInternals(db).set;
    const first = await set.acquire(Infinity);
    set.release(first, true);
    const second = await set.acquire(Infinity);
    set.release(second, true);
    expect(connects).toEqual(['tcp', 'http', 'http']);
    expect(db.stats().transport).toBe('http');
    expect(events.filter((e) => e.type === 'fallback')).toEqual([{ type: 'fallback', reason: expect.stringMatching(/EACCES.*https:\/\/gw\.example\.com\/sql/) }]);
    await db.end();
  });

  it('does not fall back when the server is merely unreachable, nor without an endpoint, nor when TCP was asked for', () => {
    const refused = Object.assign(new Error('refused'), { code: 'ECONNREFUSED' });
    const connects: string[] = [];
    const db = createPoolFrom(table(refused, connects), { connectionString: url, httpEndpoint: endpoint, maxConnectAttempts: 1 }, 'request');
    return expect(db.query('select 1')).rejects.toMatchObject({ code: 'CONNECT_FAILED' }).then(async () => {
      expect(connects).toEqual(['tcp']);
      const explicit = selectTransport(resolveOptions({ connectionString: url, httpEndpoint: endpoint, transport: 'tcp' }), 'node', ALL);
      expect(explicit.factory).toBe(ALL.tcp);
      const withoutEndpoint = selectTransport(resolveOptions({ connectionString: url }), 'node', ALL);
      expect(withoutEndpoint.factory).toBe(ALL.tcp);
      await db.end();
    });
  });
});
