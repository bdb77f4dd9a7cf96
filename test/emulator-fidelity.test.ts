import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { type EmulatorOptions, type FunctionDefinition, LambdaEmulator } from '../packages/cli/src/emulator/emulator.js';
import type { ExecutionEnvironment } from '../packages/cli/src/emulator/environment.js';
import { HttpFront } from '../packages/cli/src/emulator/http-front.js';
import { runtimeMismatch } from '../packages/cli/src/emulator/lambda-env.js';
import { workerThreads } from '../src/worker-threads.js';
import { databaseUrl } from './support/env.js';

// Each Lambda behaviour checked against AWS's Node.js runtime interface client and the Lambda
// docs, observed from outside the emulated container: what the invocation returned, what the
// runtime logged, the process's state.

const testDir = fileURLToPath(new URL('.', import.meta.url));
const open: { close(): Promise<void> }[] = [];
afterAll(async () => {
  await Promise.all(open.map((o) => o.close()));
});

interface Started {
  emulator: LambdaEmulator;
  logs: string[];
  envs: ExecutionEnvironment[];
}

async function start(exportName: string, fn: Partial<FunctionDefinition> = {}, options: Partial<EmulatorOptions> = {}): Promise<Started> {
  const emulator = await LambdaEmulator.create({
    functions: [{ name: 'f', handler: `emulator-fidelity.fixture.${exportName}`, timeoutMs: 5_000, ...fn, environment: { DATABASE_URL: databaseUrl(), ...fn.environment } }],
    root: testDir,
    stdio: 'pipe',
    ...options,
  });
  open.push(emulator);
  const logs: string[] = [];
  const envs: ExecutionEnvironment[] = [];
  emulator.on('log', (_fn: string, _env: unknown, text: string) => logs.push(text));
  emulator.on('cold-start', (_fn: string, env: ExecutionEnvironment) => envs.push(env));
  return { emulator, logs, envs };
}

function processState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return undefined;
  }
}

describe('callback handlers and the event loop (callbackWaitsForEmptyEventLoop)', () => {
  it('answer only once a pending timer has run, by default', async () => {
    const { emulator } = await start('timer');
    const waited = await emulator.invoke('f', { ms: 300 });
    expect(waited).toMatchObject({ ok: true, payload: { answered: true } });
    expect(waited.durationMs).toBeGreaterThanOrEqual(300);
    // The response waited for the timer, so it had run before the container was frozen.
    expect(await emulator.invoke('f', { ms: 300 })).toMatchObject({ cold: false, payload: { previousTimerFired: true } });
  });

  it('answer at once with callbackWaitsForEmptyEventLoop = false: the timer is still pending when frozen', async () => {
    const { emulator, envs } = await start('timer');
    const quick = await emulator.invoke('f', { ms: 60_000, dontWait: true });
    expect(quick).toMatchObject({ ok: true, payload: { answered: true } });
    const env = envs[0];
    // SIGSTOP takes effect asynchronously: poll the process state.
    let state = processState(env.pid);
    for (let i = 0; i < 250 && state !== 'T'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      state = processState(env.pid);
    }
    expect(state).toBe('T');
    expect(await emulator.invoke('f', { ms: 60_000, dontWait: true })).toMatchObject({ cold: false, payload: { previousTimerFired: false } });
  });

  it('run into the function timeout with an idle pool socket open; answer at once when told not to wait', async () => {
    const waits = await start('poolCallback', { timeoutMs: 1_500 });
    const timedOut = await waits.emulator.invoke('f', {});
    expect(timedOut).toMatchObject({ ok: false, error: { errorType: 'Sandbox.Timedout' } });
    expect(timedOut.error?.errorMessage).toMatch(/Task timed out after 1\.50 seconds/);

    const answers = await start('poolCallback', { timeoutMs: 1_500 });
    expect(await answers.emulator.invoke('f', { dontWait: true })).toMatchObject({ ok: true, payload: { rows: [{ one: 1 }] } });
    expect(await answers.emulator.invoke('f', { dontWait: true })).toMatchObject({ ok: true, cold: false });
  });

  it('answer null for a 3-argument handler that never calls back, Runtime.NodeJsExit for an async one that never settles', async () => {
    const plain = await start('neverCallsBack');
    expect(await plain.emulator.invoke('f', {})).toMatchObject({ ok: true, payload: null });
    const asyncOne = await start('neverSettles');
    const exited = await asyncOne.emulator.invoke('f', {});
    expect(exited).toMatchObject({ ok: false, error: { errorType: 'Runtime.NodeJsExit' } });
    expect(exited.error?.errorMessage).toMatch(/^The Lambda runtime client detected an unexpected Node.js exit code/);
    // The runtime goes on: the same container takes the next invocation.
    expect(await asyncOne.emulator.invoke('f', {})).toMatchObject({ cold: false, error: { errorType: 'Runtime.NodeJsExit' } });
  });
});

describe('error shapes', () => {
  it('pass errorType, errorMessage and trace through, and log the error as Lambda does', async () => {
    const { emulator, logs } = await start('throws', { environment: { NODE_OPTIONS: '--enable-source-maps' } });
    const failed = await emulator.invoke('f', {});
    expect(failed).toMatchObject({ ok: false, error: { errorType: 'CustomError', errorMessage: 'boom', code: 'E_BOOM' } });
    expect(failed.error?.trace?.[0]).toBe('CustomError: boom');
    // Source maps: the stack points into the fixture's source, not the bundle.
    expect(failed.error?.trace?.[1]).toMatch(/emulator-fidelity\.fixture\.ts:\d+/);
    const line = logs.join('').split('\n').find((l) => l.includes('Invoke Error'));
    expect(line).toMatch(new RegExp(`^\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\t${failed.requestId}\\tERROR\\tInvoke Error \\t\\{`));
    expect(JSON.parse(line!.slice(line!.indexOf('\t{') + 1))).toMatchObject({ errorType: 'CustomError', errorMessage: 'boom', code: 'E_BOOM' });
  });

  it('type an unhandled rejection Runtime.UnhandledPromiseRejection and restart the runtime', async () => {
    const { emulator } = await start('rejectsUnhandled');
    const failed = await emulator.invoke('f', {});
    expect(failed).toMatchObject({ ok: false, error: { errorType: 'Runtime.UnhandledPromiseRejection', errorMessage: 'Error: nobody waited for this' } });
    expect((await emulator.invoke('f', {})).cold).toBe(true);
  });

  it('give init errors the runtime client types and messages', async () => {
    const missing = await start('x', { handler: 'no-such-module.handler' }, { bundle: false });
    const notFound = await missing.emulator.invoke('f', {});
    expect(notFound.error?.errorType).toBe('Runtime.ImportModuleError');
    expect(notFound.error?.errorMessage).toMatch(/^Error: Cannot find module 'no-such-module'/);
    const malformed = await start('x', { handler: 'nodot' }, { bundle: false });
    expect((await malformed.emulator.invoke('f', {})).error).toMatchObject({ errorType: 'Runtime.MalformedHandlerName', errorMessage: 'Bad handler' });
    const unexported = await start('nothing');
    expect((await unexported.emulator.invoke('f', {})).error).toMatchObject({ errorType: 'Runtime.HandlerNotFound', errorMessage: 'emulator-fidelity.fixture.nothing is undefined or not exported' });
    const dir = await mkdtemp(path.join(os.tmpdir(), 'emulator-syntax-'));
    open.push({ close: () => rm(dir, { recursive: true, force: true }) });
    await writeFile(path.join(dir, 'broken.mjs'), 'export const handler = async () => {;\n');
    const broken = await start('x', { handler: 'broken.handler' }, { bundle: false, root: dir });
    const syntax = await broken.emulator.invoke('f', {});
    expect(syntax.error?.errorType).toBe('Runtime.UserCodeSyntaxError');
    expect(syntax.error?.errorMessage).toMatch(/^SyntaxError: /);
  });
});

describe('response streaming (awslambda.streamifyResponse)', () => {
  it('streams chunks with the HTTP prelude, and sends an error after the first byte as trailers', async () => {
    const { emulator } = await start('streams', {}, {
      functions: [
        { name: 'streams', handler: 'emulator-fidelity.fixture.streams', routes: ['GET /stream'], environment: { DATABASE_URL: databaseUrl() } },
        { name: 'fails', handler: 'emulator-fidelity.fixture.streamFails', environment: { DATABASE_URL: databaseUrl() } },
      ],
    });
    const streamed = await emulator.invoke('streams', {});
    expect(streamed.ok).toBe(true);
    expect(streamed.streamed?.contentType).toBe('application/vnd.awslambda.http-integration-response');
    const front = await HttpFront.listen(emulator, { port: 0 });
    open.push(front);
    const res = await fetch(`${front.url}/stream`);
    expect(res.status).toBe(201);
    expect(res.headers.get('x-streamed')).toBe('yes');
    expect(await res.text()).toBe('first,second');
    const failed = await emulator.invoke('fails', {});
    expect(failed).toMatchObject({ ok: false, error: { errorType: 'TypeError', errorMessage: 'broke mid-stream' } });
    expect(failed.error?.trace?.[0]).toBe('TypeError: broke mid-stream');
  });
});

describe('init, request limit, context', () => {
  it('retry an init longer than the init limit within the first invocation, or time that invocation out', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'emulator-init-'));
    open.push({ close: () => rm(dir, { recursive: true, force: true }) });
    const slow = { FIXTURE_INIT_MS: '800', FIXTURE_INIT_LOG: path.join(dir, 'a.log') };
    const retried = await start('initAttempts', { timeoutMs: 5_000, environment: slow }, { initTimeoutMs: 300 });
    expect(await retried.emulator.invoke('f', {})).toMatchObject({ ok: true, cold: true, payload: { attempts: 2 } });
    expect(retried.envs[0].initRetried).toBe(true);
    const short = { FIXTURE_INIT_MS: '800', FIXTURE_INIT_LOG: path.join(dir, 'b.log') };
    const failed = await start('initAttempts', { timeoutMs: 400, environment: short }, { initTimeoutMs: 300 });
    expect(await failed.emulator.invoke('f', {})).toMatchObject({ ok: false, error: { errorType: 'Sandbox.Timedout' } });
  });

  it('refuse a request over 6 MB as the Invoke API does, before any container starts', async () => {
    const { emulator, envs } = await start('context');
    const refused = await emulator.invoke('f', { blob: 'x'.repeat(7 * 1024 * 1024) });
    expect(refused).toMatchObject({
      ok: false,
      statusCode: 413,
      error: { errorType: 'RequestEntityTooLargeException', errorMessage: 'Request must be smaller than 6291456 bytes for the InvokeFunction operation' },
    });
    expect(envs).toHaveLength(0);
  });

  it('pass client context and Cognito identity, and set placeholder credentials', async () => {
    const { emulator } = await start('context');
    const clientContext = { client: { app_title: 'demo' }, custom: { tenant: 't1' } };
    const identity = { cognitoIdentityId: 'us-east-1:abc', cognitoIdentityPoolId: 'us-east-1:pool' };
    const result = await emulator.invoke('f', {}, { clientContext, identity });
    const payload = result.payload as { clientContext: unknown; identity: unknown; credentials: string[] };
    expect(payload).toMatchObject({ clientContext, identity });
    expect(payload.credentials.every((c) => typeof c === 'string' && /EMULATED|emulated/.test(c))).toBe(true);
  });

  it('say when the declared runtime is not the Node it runs', () => {
    expect(runtimeMismatch('nodejs22.x', '22.11.0')).toBeUndefined();
    expect(runtimeMismatch('nodejs22.x', '20.20.2')).toMatch(/declare nodejs22\.x but .* Node 20\.20\.2/);
  });
});

describe('managed instances (container concurrency above 1)', () => {
  it('load the module once per worker thread, never freeze, and time out only the late invocation', async () => {
    const { emulator, envs } = await start('thread', { timeoutMs: 1_000, environment: { AWS_LAMBDA_NODEJS_WORKER_COUNT: '2' } }, { containerConcurrency: 4 });
    await emulator.invoke('f', { ms: 0 });
    const results = await Promise.all([1, 2, 3, 4].map(() => emulator.invoke('f', { ms: 300 })));
    expect(results.every((r) => r.ok && r.environment === results[0].environment)).toBe(true);
    const payloads = results.map((r) => r.payload as { threadId: number; pid: number; calls: number });
    expect(new Set(payloads.map((p) => p.pid)).size).toBe(1);
    expect(new Set(payloads.map((p) => p.threadId)).size).toBe(2);
    const env = envs[0];
    expect(env.frozen).toBe(false);
    expect(processState(env.pid)).not.toBe('T');
    const [late, onTime] = await Promise.all([emulator.invoke('f', { ms: 3_000 }), emulator.invoke('f', { ms: 100 })]);
    expect(late).toMatchObject({ ok: false, error: { errorType: 'Sandbox.Timedout' } });
    expect(onTime).toMatchObject({ ok: true, environment: env.id });
    expect(env.alive).toBe(true);
    expect(await emulator.invoke('f', { ms: 0 })).toMatchObject({ ok: true, cold: false, environment: env.id });
  });

  it("start as many threads as AWS's runtime: 8 per CPU without AWS_LAMBDA_NODEJS_WORKER_COUNT, even above the concurrency", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'emulator-threads-'));
    open.push({ close: () => rm(dir, { recursive: true, force: true }) });
    const log = path.join(dir, 'init.log');
    const { emulator } = await start('thread', { environment: { FIXTURE_INIT_MS: '1', FIXTURE_INIT_LOG: log } }, { containerConcurrency: 2 });
    const result = await emulator.invoke('f', { ms: 0 });
    expect(result).toMatchObject({ ok: true, payload: { emulatorVariables: [] } });
    // Each thread loads the module once; this machine's count by the same rule (test/worker-threads.test.ts).
    const threads = readFileSync(log, 'utf8').split('\n').filter(Boolean).length;
    expect(threads).toBe(workerThreads({}));
    expect(threads).toBeGreaterThan(2);
  });
});

describe('--runtime: another runtime interface client', () => {
  it('runs the given command in the container with the Lambda environment', async () => {
    const alt = path.join(testDir, 'support/alt-runtime.mjs');
    const { emulator } = await start('context', {}, { runtimeCommand: [process.execPath, alt, 'emulator-fidelity.fixture.context'] });
    expect(await emulator.invoke('f', { hi: 1 })).toMatchObject({
      ok: true,
      payload: { runtime: 'alternative', argv: ['emulator-fidelity.fixture.context'], handler: 'emulator-fidelity.fixture.context', event: { hi: 1 } },
    });
  });
});
