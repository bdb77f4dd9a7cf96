/**
 * The runtime's side of the Lambda Runtime API, as AWS's Node.js runtime interface client (RIC)
 * speaks it: long-poll `next`, post a response or an error, post an init error. Error bodies are
 * the RIC's (`errorType`, `errorMessage`, `trace`), and handler errors are logged as the RIC logs
 * them. Node built-ins only: this is bundled into the bootstrap.
 */
import http from 'node:http';
import util from 'node:util';

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface RapidError {
  errorType: string;
  errorMessage: string;
  trace?: string[];
  /** Emulator extensions: warmpool's error code and `notApplied` flag, when the error has them. */
  code?: string;
  notApplied?: boolean;
}

const PREFIX = '/2018-06-01/runtime';
export const ERROR_TYPE_HEADER = 'Lambda-Runtime-Function-Error-Type';

function isErrorLike(e: unknown): e is Error {
  const o = e as Record<string, unknown> | null;
  return !!o && typeof o.name === 'string' && typeof o.message === 'string' && typeof o.stack === 'string' && !!o.name && !!o.message;
}

/** Errors.toRapidResponse of the RIC: an Error keeps its own name as errorType; anything else is typed by `typeof`. */
export function toRapidResponse(error: unknown): RapidError {
  try {
    if (util.types.isNativeError(error) || isErrorLike(error)) {
      const e = error as Error & { code?: unknown; notApplied?: unknown };
      return {
        errorType: e.name,
        errorMessage: e.message,
        trace: typeof e.stack === 'string' ? e.stack.split('\n') : [],
        ...(typeof e.code === 'string' || typeof e.code === 'number' ? { code: String(e.code) } : {}),
        ...(typeof e.notApplied === 'boolean' ? { notApplied: e.notApplied } : {}),
      };
    }
    return { errorType: typeof error, errorMessage: String(error), trace: [] };
  } catch {
    return { errorType: 'handled', errorMessage: 'callback called with Error argument, but there was a problem while retrieving one or more of its message, name, and stack' };
  }
}

/** The request id the console prefixes its lines with (the RIC's global, under the same symbol). */
const REQUEST_ID = Symbol.for('aws.lambda.runtime.requestId');
const globals = globalThis as unknown as Record<symbol, string | undefined>;
export function setRequestId(id: string | undefined): void {
  globals[REQUEST_ID] = id;
}

/** `<ISO time>\t<request id>\t<LEVEL>\t<message>`, as the RIC's text log format. */
function write(level: string, args: unknown[]): void {
  const line = `${new Date().toISOString()}\t${globals[REQUEST_ID]}\t${level}\t${util.format(...args)}\n`;
  (level === 'ERROR' || level === 'WARN' || level === 'FATAL' ? process.stderr : process.stdout).write(line);
}

/** console.* as on Lambda (text format). Newlines are kept, not turned into \r as in CloudWatch, so a terminal stays readable. */
export function patchConsole(): void {
  console.trace = (...a: unknown[]) => write('TRACE', a);
  console.debug = (...a: unknown[]) => write('DEBUG', a);
  console.info = (...a: unknown[]) => write('INFO', a);
  console.log = console.info;
  console.warn = (...a: unknown[]) => write('WARN', a);
  console.error = (...a: unknown[]) => write('ERROR', a);
}

/** The RIC's text error log: `… ERROR\tInvoke Error \t{"errorType":…,"errorMessage":…,"stack":[…]}`. */
export function logError(label: string, err: unknown): void {
  const error = err instanceof Error ? err : new Error(String(err));
  let json: string;
  try {
    json = JSON.stringify(error, (_key, value) => {
      if (!(value instanceof Error)) return value;
      const out: Record<string, unknown> = { errorType: value.name, errorMessage: value.message, code: (value as { code?: unknown }).code, ...value };
      if (typeof value.stack === 'string') out.stack = value.stack.split('\n');
      return out;
    });
  } catch {
    json = JSON.stringify(toRapidResponse(error));
  }
  console.error(label, `\t${json}`);
}

export class RuntimeClient {
  readonly #host: string;
  readonly #port: number;
  readonly #agent = new http.Agent({ keepAlive: true });

  constructor(address: string) {
    const [host, port] = address.split(':');
    this.#host = host;
    this.#port = Number(port);
  }

  /** No timeout: `next` stays open across a freeze of any length. */
  next(): Promise<Reply> {
    return this.#call('GET', '/invocation/next');
  }

  async postResponse(requestId: string, result: unknown): Promise<void> {
    let body: string;
    try {
      body = JSON.stringify(result === undefined ? null : result);
    } catch {
      throw new Error('Unable to stringify response body');
    }
    await this.#call('POST', `/invocation/${encodeURIComponent(requestId)}/response`, body);
  }

  async postError(requestId: string, err: unknown): Promise<void> {
    const rapid = toRapidResponse(err);
    await this.#call('POST', `/invocation/${encodeURIComponent(requestId)}/error`, JSON.stringify(rapid), { [ERROR_TYPE_HEADER]: rapid.errorType });
  }

  async postInitError(err: unknown): Promise<void> {
    const rapid = toRapidResponse(err);
    await this.#call('POST', '/init/error', JSON.stringify(rapid), { [ERROR_TYPE_HEADER]: rapid.errorType });
  }

  /** A streamed response: chunked POST with the response-mode header and the error trailers announced. */
  streamRequest(requestId: string): { request: http.ClientRequest; done: Promise<void> } {
    let request!: http.ClientRequest;
    const done = new Promise<void>((resolve, reject) => {
      request = http.request(
        {
          host: this.#host,
          port: this.#port,
          method: 'POST',
          path: `${PREFIX}/invocation/${encodeURIComponent(requestId)}/response`,
          agent: this.#agent,
          headers: {
            'Lambda-Runtime-Function-Response-Mode': 'streaming',
            'Transfer-Encoding': 'chunked',
            Trailer: `${ERROR_TYPE_HEADER}, Lambda-Runtime-Function-Error-Body`,
            'Content-Type': 'application/octet-stream',
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve());
          res.on('error', reject);
        },
      );
      request.on('error', reject);
    });
    return { request, done };
  }

  #call(method: 'GET' | 'POST', route: string, body?: string, headers: Record<string, string> = {}): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const req = http.request({ host: this.#host, port: this.#port, method, path: `${PREFIX}${route}`, agent: this.#agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('error', reject);
      if (body !== undefined) {
        req.setHeader('Content-Type', 'application/json');
        req.setHeader('Content-Length', Buffer.byteLength(body));
        req.end(body);
      } else {
        req.end();
      }
    });
  }
}
