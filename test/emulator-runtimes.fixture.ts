// Handlers test/emulator-runtimes.test.ts runs under nodejs22.x and nodejs24.x: the handler
// contract each runtime offers (callbacks, the context's methods, a plain function's return value).
import type { Callback, Context } from 'aws-lambda';

declare const awslambda: { streamifyResponse<T>(handler: T): T };

/** The classic callback handler. */
export function callbackStyle(_event: unknown, _context: Context, callback: Callback) {
  callback(null, { via: 'callback' });
}

/** Async, but declaring the callback parameter it never uses: the parameter count is what counts. */
export async function asyncWithCallbackParameter(_event: unknown, _context: Context, _callback: Callback) {
  return { via: 'promise' };
}

/** What the context offers. */
export async function contextMethods(_event: unknown, context: Context) {
  const ctx = context as unknown as Record<string, unknown>;
  return {
    succeed: typeof ctx.succeed,
    fail: typeof ctx.fail,
    done: typeof ctx.done,
    callbackWaitsForEmptyEventLoop: 'callbackWaitsForEmptyEventLoop' in ctx,
    awsRequestId: typeof context.awsRequestId,
  };
}

/** A plain function that returns a value, neither a promise nor a callback. */
export function returnsPlainValue(_event: unknown, _context: Context) {
  return { via: 'return' };
}

/** A plain function that answers through context.succeed. */
export function usesSucceed(_event: unknown, context: Context) {
  context.succeed({ via: 'succeed' });
}

/** Streaming handlers take three parameters (event, stream, context) on every runtime. */
export const streams = awslambda.streamifyResponse(async (_event: unknown, stream: NodeJS.WritableStream, _context: Context) => {
  stream.end('streamed');
});
