// A thin PostgreSQL connection on node-postgres's pg-protocol (its serializer and parser) and
// node:net: the floor the benches hold the drivers and warmpool against, what the wire alone
// costs. One connection, opened at the first query; each query is Parse/Bind/Describe/Execute/Sync
// of the unnamed statement in one write, with text parameters, and queries sent while others are
// in flight are pipelined (answers come back in order).
//
// What it does not do, on purpose: TLS, retrying (a closed connection is reopened by the next
// query, and the queries in flight fail), timeouts, cancel, prepared-statement reuse (the server
// parses every query), binary formats, arrays and any type beyond the common ones below (other
// columns stay strings; int8 and numeric too, as postgres.js and pg return them), COPY,
// notifications, SCRAM-SHA-256-PLUS, SASLprep, connection-string parameters other than the user,
// password, host, port and database. A reference for the benches, not a driver.
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import net from 'node:net';
import { type DatabaseError, parse, serialize } from 'pg-protocol';

export interface Result {
  rows: Record<string, unknown>[];
  /** The CommandComplete tag, such as `SELECT 1` or `INSERT 0 1`. */
  command: string;
}

type Decode = (text: string) => unknown;

/** The fields of pg-protocol's backend messages that this reads; `name` tells which are set. */
interface Message {
  name: string;
  fields?: unknown[];
  text?: string;
  data?: string;
  salt?: Buffer;
  mechanisms?: string[];
}

interface Pending {
  resolve(result: Result): void;
  reject(err: Error): void;
  names: string[];
  decoders: Decode[];
  rows: Record<string, unknown>[];
  command: string;
  error: Error | undefined;
}

const asString: Decode = (text) => text;
const asNumber: Decode = Number;
const DECODERS: Record<number, Decode> = {
  16: (text) => text === 't', // bool
  21: asNumber, // int2
  23: asNumber, // int4
  26: asNumber, // oid
  700: asNumber, // float4
  701: asNumber, // float8
  114: JSON.parse, // json
  3802: JSON.parse, // jsonb
  1082: asString, // date: a calendar day, no time zone to pick
  1114: (text) => new Date(`${text}Z`), // timestamp, read as UTC
  1184: (text) => new Date(text), // timestamptz
};

/** A parameter as text: null stays NULL, a Buffer goes as it is (pg-protocol marks it binary). */
function toText(value: unknown): string | Buffer | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || Buffer.isBuffer(value)) return value;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** SCRAM-SHA-256 (RFC 7677) without channel binding: the client-final message and the signature the server must send. */
function scram(password: string, clientNonce: string, serverFirst: string): { clientFinal: string; serverSignature: string } {
  const attrs = new Map(serverFirst.split(',').map((kv) => [kv[0], kv.slice(2)] as const));
  const nonce = attrs.get('r') ?? '';
  if (!nonce.startsWith(clientNonce) || nonce.length === clientNonce.length) throw new Error('SCRAM: bad server nonce');
  const salted = pbkdf2Sync(password, Buffer.from(attrs.get('s') ?? '', 'base64'), Number(attrs.get('i')), 32, 'sha256');
  const hmac = (key: Buffer, text: string) => createHmac('sha256', key).update(text).digest();
  const clientKey = hmac(salted, 'Client Key');
  const withoutProof = `c=biws,r=${nonce}`;
  const authMessage = `n=*,r=${clientNonce},${serverFirst},${withoutProof}`;
  const signature = hmac(createHash('sha256').update(clientKey).digest(), authMessage);
  const proof = Buffer.from(clientKey.map((byte, i) => byte ^ signature[i])).toString('base64');
  return { clientFinal: `${withoutProof},p=${proof}`, serverSignature: hmac(hmac(salted, 'Server Key'), authMessage).toString('base64') };
}

const md5 = (text: string | Buffer) => createHash('md5').update(text).digest('hex');

export class ReferenceConnection {
  readonly #url: URL;
  readonly #applicationName: string | undefined;
  #socket: net.Socket | undefined;
  /** Settles when the startup's ReadyForQuery arrives; undefined until the first query. */
  #opening: Promise<void> | undefined;
  #ready = false;
  /** Queries sent and not yet answered by their ReadyForQuery, oldest first. */
  readonly #pending: Pending[] = [];

  constructor(url: string, options: { applicationName?: string } = {}) {
    this.#url = new URL(url);
    this.#applicationName = options.applicationName;
  }

  query(text: string, params: readonly unknown[] = []): Promise<Result> {
    if (this.#ready) return this.#send(text, params);
    this.#opening ??= this.#open();
    return this.#opening.then(() => this.#send(text, params));
  }

  #send(text: string, params: readonly unknown[]): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      const values = params.length === 0 ? [] : params.map(toText);
      const messages = [serialize.parse({ text }), serialize.bind({ values }), serialize.describe({ type: 'P' }), serialize.execute(), serialize.sync()];
      this.#socket!.write(Buffer.concat(messages));
      this.#pending.push({ resolve, reject, names: [], decoders: [], rows: [], command: '', error: undefined });
    });
  }

  #open(): Promise<void> {
    const url = this.#url;
    const user = decodeURIComponent(url.username);
    const password = decodeURIComponent(url.password);
    const socket = net.connect(Number(url.port || 5432), url.hostname.replace(/^\[|\]$/g, ''));
    socket.setNoDelay(true);
    this.#socket = socket;
    return new Promise<void>((resolve, reject) => {
      let nonce = '';
      let serverSignature = '';
      const fail = (err: Error) => {
        this.#ready = false;
        if (this.#socket === socket) this.#opening = undefined; // the next query opens a new one
        socket.destroy();
        reject(err);
        for (const p of this.#pending.splice(0)) p.reject(err);
      };
      socket.on('error', fail);
      socket.on('close', () => fail(new Error('connection closed')));
      socket.on('connect', () => {
        const startup: Record<string, string> = { user, database: decodeURIComponent(url.pathname.slice(1)) || user, client_encoding: 'UTF8' };
        if (this.#applicationName) startup.application_name = this.#applicationName;
        socket.write(serialize.startup(startup));
      });
      void parse(socket, (message) => {
        const msg = message as Message;
        if (this.#ready) return this.#onMessage(msg);
        try {
          switch (msg.name) {
            case 'authenticationCleartextPassword':
              return void socket.write(serialize.password(password));
            case 'authenticationMD5Password': {
              const inner = Buffer.from(md5(password + user));
              return void socket.write(serialize.password(`md5${md5(Buffer.concat([inner, msg.salt!]))}`));
            }
            case 'authenticationSASL': {
              if (!msg.mechanisms!.includes('SCRAM-SHA-256')) throw new Error('SASL: no SCRAM-SHA-256');
              nonce = randomBytes(18).toString('base64');
              return void socket.write(serialize.sendSASLInitialResponseMessage('SCRAM-SHA-256', `n,,n=*,r=${nonce}`));
            }
            case 'authenticationSASLContinue': {
              const step = scram(password, nonce, msg.data!);
              serverSignature = step.serverSignature;
              return void socket.write(serialize.sendSCRAMClientFinalMessage(step.clientFinal));
            }
            case 'authenticationSASLFinal':
              if (msg.data!.trim() !== `v=${serverSignature}`) throw new Error('SCRAM: bad server signature');
              return;
            case 'error':
              throw message as DatabaseError;
            case 'readyForQuery':
              this.#ready = true;
              return resolve();
          }
        } catch (err) {
          fail(err as Error);
        }
      });
    });
  }

  #onMessage(msg: Message): void {
    const current = this.#pending[0];
    switch (msg.name) {
      case 'dataRow': {
        const fields = msg.fields as (string | null)[];
        const row: Record<string, unknown> = {};
        for (let i = 0; i < fields.length; i++) {
          const text = fields[i];
          row[current.names[i]] = text === null ? null : current.decoders[i](text);
        }
        current.rows.push(row);
        return;
      }
      case 'rowDescription':
        for (const field of msg.fields as { name: string; dataTypeID: number }[]) {
          current.names.push(field.name);
          current.decoders.push(DECODERS[field.dataTypeID] ?? asString);
        }
        return;
      case 'commandComplete':
        current.command = msg.text!;
        return;
      case 'error':
        if (current) current.error = msg as unknown as DatabaseError;
        else this.#socket!.destroy(msg as unknown as DatabaseError); // a FATAL between queries
        return;
      case 'readyForQuery':
        this.#pending.shift();
        if (current.error) current.reject(current.error);
        else current.resolve({ rows: current.rows, command: current.command });
        return;
    }
  }

  /** Terminate, then wait for the server to close the socket. */
  async end(): Promise<void> {
    const socket = this.#socket;
    this.#ready = false;
    this.#opening = undefined;
    this.#socket = undefined;
    if (!socket || socket.destroyed) return;
    await new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      socket.end(serialize.end());
    });
  }
}
