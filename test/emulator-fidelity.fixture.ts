// Handlers test/emulator-fidelity.test.ts runs in emulated containers, one per Lambda behaviour:
// callback handlers and the event loop, error shapes, streaming, slow init, worker threads.
import { appendFileSync, readFileSync } from 'node:fs';
import { threadId } from 'node:worker_threads';
import type { Callback, Context } from 'aws-lambda';
import { createPool } from '../src/index.js';

declare const awslambda: {
  streamifyResponse<T>(handler: T): T;
  HttpResponseStream: { from(stream: NodeJS.WritableStream, prelude: unknown): NodeJS.WritableStream };
};

// A slow init counts its attempts in a file, so a retried init can be seen from outside.
if (process.env.FIXTURE_INIT_MS) {
  appendFileSync(process.env.FIXTURE_INIT_LOG!, 'init\n');
  await new Promise((resolve) => setTimeout(resolve, Number(process.env.FIXTURE_INIT_MS)));
}

interface Event {
  ms?: number;
  dontWait?: boolean;
}

let timerFired = false;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A callback handler that leaves a timer pending. */
export function timer(event: Event, context: Context, callback: Callback) {
  if (event.dontWait) context.callbackWaitsForEmptyEventLoop = false;
  const previousTimerFired = timerFired;
  timerFired = false;
  setTimeout(() => (timerFired = true), event.ms ?? 300);
  callback(null, { answered: true, previousTimerFired });
}

const db = createPool({ connectionString: process.env.DATABASE_URL, max: 1 });

/** The classic one: a module-scope pool (its idle socket stays open) and a callback handler. */
export function poolCallback(event: Event, context: Context, callback: Callback) {
  if (event.dontWait) context.callbackWaitsForEmptyEventLoop = false;
  db.sql`select 1 as one`.then(
    (rows) => callback(null, { rows }),
    (err) => callback(err),
  );
}

/** Three arguments, never calls back, leaves nothing pending. */
export function neverCallsBack(_event: Event, _context: Context, _callback: Callback) {}

/** An async function whose promise never settles, with nothing else pending. */
export async function neverSettles() {
  await new Promise(() => {});
}

export async function throws() {
  throw Object.assign(new Error('boom'), { name: 'CustomError', code: 'E_BOOM' });
}

export async function rejectsUnhandled() {
  void Promise.reject(new Error('nobody waited for this'));
  await sleep(5_000);
}

export async function context(_event: Event, ctx: Context) {
  return {
    clientContext: ctx.clientContext,
    identity: ctx.identity,
    credentials: [process.env.AWS_ACCESS_KEY_ID, process.env.AWS_SECRET_ACCESS_KEY, process.env.AWS_SESSION_TOKEN],
  };
}

export const initAttempts = async () => ({ attempts: readFileSync(process.env.FIXTURE_INIT_LOG!, 'utf8').trim().split('\n').length });

export const streams = awslambda.streamifyResponse(async (_event: Event, stream: NodeJS.WritableStream) => {
  const http = awslambda.HttpResponseStream.from(stream, { statusCode: 201, headers: { 'x-streamed': 'yes' } });
  http.write('first,');
  await sleep(20);
  http.write('second');
  http.end();
});

export const streamFails = awslambda.streamifyResponse(async (_event: Event, stream: NodeJS.WritableStream) => {
  stream.write('partial');
  await sleep(20);
  throw new TypeError('broke mid-stream');
});

let calls = 0;
/** Managed instances: which thread ran it, and that thread's own module state. */
export async function thread(event: Event) {
  calls++;
  await sleep(event.ms ?? 200);
  return { threadId, pid: process.pid, calls, emulatorVariables: Object.keys(process.env).filter((k) => k.includes('WARMPOOL_EMULATOR')) };
}
