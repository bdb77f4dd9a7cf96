/**
 * The response stream a streaming handler (`awslambda.streamifyResponse`) writes to, as the RIC's
 * ResponseStream.js: a chunked POST to the Runtime API in the streaming response mode; an error
 * after the first byte is sent as the trailers Lambda-Runtime-Function-Error-Type and -Body.
 * `HttpResponseStream.from` writes the HTTP integration prelude (JSON, then 8 NUL bytes).
 */
import type http from 'node:http';
import { ERROR_TYPE_HEADER, toRapidResponse } from './runtime-client.js';

export const HTTP_INTEGRATION_CONTENT_TYPE = 'application/vnd.awslambda.http-integration-response';
export const ERROR_BODY_TRAILER = 'Lambda-Runtime-Function-Error-Body';

export interface ResponseStream {
  write(chunk: unknown, encoding?: BufferEncoding, callback?: (err?: Error | null) => void): boolean;
  end(callback?: () => void): void;
  setContentType(contentType: string): void;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  once(event: string, listener: (...args: unknown[]) => void): unknown;
  destroy(error?: Error): void;
  readonly writableFinished: boolean;
  readonly writableEnded: boolean;
  _onBeforeFirstWrite?: (write: (chunk: string | Uint8Array) => void) => void;
}

export class HttpResponseStream {
  static from(stream: ResponseStream, prelude: unknown): ResponseStream {
    stream.setContentType(HTTP_INTEGRATION_CONTENT_TYPE);
    const json = JSON.stringify(prelude);
    stream._onBeforeFirstWrite = (write) => {
      write(json);
      write(new Uint8Array(8));
    };
    return stream;
  }
}

/** Wraps the chunked request; `fail` ends it with the error trailers. */
export function responseStream(req: http.ClientRequest): { stream: ResponseStream; fail(err: unknown): void } {
  let written = false;
  const stream: ResponseStream = {
    write(chunk, encoding, callback) {
      if (typeof chunk !== 'string' && !Buffer.isBuffer(chunk) && !(chunk instanceof Uint8Array)) chunk = JSON.stringify(chunk);
      if (!written && typeof stream._onBeforeFirstWrite === 'function') stream._onBeforeFirstWrite((c) => req.write(c));
      written = true;
      return req.write(chunk as string | Uint8Array, encoding as BufferEncoding, callback);
    },
    end(callback) {
      if (!written && typeof stream._onBeforeFirstWrite === 'function') stream._onBeforeFirstWrite((c) => req.write(c));
      written = true;
      req.end(callback);
    },
    setContentType(contentType) {
      if (written) {
        const error = new Error('Cannot set content-type, too late.');
        error.name = 'Runtime.InvalidStreamingOperation';
        throw error;
      }
      req.setHeader('Content-Type', contentType);
    },
    on: (event, listener) => req.on(event, listener),
    once: (event, listener) => req.once(event, listener),
    destroy: (error) => void req.destroy(error),
    get writableFinished() {
      return req.writableFinished;
    },
    get writableEnded() {
      return req.writableEnded;
    },
  };
  const fail = (err: unknown) => {
    if (req.writableEnded) return;
    const rapid = toRapidResponse(err);
    req.addTrailers({ [ERROR_TYPE_HEADER]: rapid.errorType, [ERROR_BODY_TRAILER]: Buffer.from(JSON.stringify(rapid)).toString('base64') });
    req.end();
  };
  return { stream, fail };
}
