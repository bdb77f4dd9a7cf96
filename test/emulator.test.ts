import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { EmulatedContainer } from './support/emulated-container.js';
import { type EmulatorOptions, type FunctionDefinition, LambdaEmulator } from '../packages/cli/src/emulator/emulator.js';
import type { ExecutionEnvironment } from '../packages/cli/src/emulator/environment.js';
import { HttpFront } from '../packages/cli/src/emulator/http-front.js';
import { type Invocation, RuntimeApiServer } from '../packages/cli/src/emulator/runtime-api.js';
import { readServerlessConfig } from '../packages/cli/src/emulator/serverless-config.js';
import { readServiceConfig } from '../packages/cli/src/emulator/service-config.js';
import { databaseUrl } from './support/env.js';

// The emulator runs test/emulator.fixture.ts in child processes that get their invocations from the
// Lambda Runtime API, frozen with SIGSTOP in between. Each behaviour is observed from outside: the
// process's state in /proc, its pid, what the handler saw.

const testDir = fileURLToPath(new URL('.', import.meta.url));
const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const open: { close(): Promise<void> }[] = [];
afterAll(async () => {
  await Promise.all(open.map((o) => o.close()));
});

interface Started {
  emulator: LambdaEmulator;
  /** environment id → its process */
  pids: Map<string, number>;
}

async function start(fn: Partial<FunctionDefinition> = {}, options: Partial<EmulatorOptions> = {}): Promise<Started> {
  const emulator = await LambdaEmulator.create({
    functions: [{ name: 'fixture', handler: 'emulator.fixture.handler', timeoutMs: 5_000, ...fn }],
    root: testDir,
    stdio: 'ignore',
    ...options,
  });
  open.push(emulator);
  const pids = new Map<string, number>();
  emulator.on('cold-start', (_fn: string, env: ExecutionEnvironment) => pids.set(env.id, env.pid));
  return { emulator, pids };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** R running, S sleeping, T stopped (SIGSTOP); undefined when the process is gone. */
function processState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state === 'Z' || state === 'X' ? undefined : state;
  } catch {
    return undefined;
  }
}

async function until(check: () => boolean, timeoutMs = 5_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await sleep(20);
  }
  return true;
}

describe('emulated Lambda containers', () => {
  it('keep module state across warm invocations in one container', async () => {
    const { emulator } = await start();
    const results = [];
    for (let i = 0; i < 3; i++) results.push(await emulator.invoke('fixture', { op: 'count' }));
    expect(results.map((r) => (r.payload as { count: number }).count)).toEqual([1, 2, 3]);
    expect(results.map((r) => r.cold)).toEqual([true, false, false]);
    expect(new Set(results.map((r) => r.environment)).size).toBe(1);
  });

  it('are stopped between invocations, and their timers do not fire until thawed', async () => {
    const { emulator, pids } = await start();
    const armed = await emulator.invoke('fixture', { op: 'arm', ms: 1_000 });
    const pid = pids.get(armed.environment)!;
    const { armedAt } = armed.payload as { armedAt: number };
    expect(await until(() => processState(pid) === 'T')).toBe(true);
    // Frozen before the timer fell due (the runtime asks for its next invocation right away).
    expect(Date.now()).toBeLessThan(armedAt + 1_000);
    await sleep(1_500);
    expect(processState(pid)).toBe('T');
    const thawedAt = Date.now();
    const { payload } = await emulator.invoke('fixture', { op: 'fired' });
    const { firedAt } = payload as { firedAt: number[] };
    expect(firedAt).toHaveLength(1);
    // Due 1 s after it was armed, it ran only once the invocation had thawed the process.
    expect(firedAt[0]).toBeGreaterThanOrEqual(thawedAt - 2);
  });

  it('lose their state when recycled after the idle TTL; the old process lingers frozen, then is killed', async () => {
    const { emulator, pids } = await start({}, { idleTtlMs: 300, lingerMs: 2_000 });
    const recycled = new Promise<string>((resolve) => emulator.once('recycle', (_fn: string, _env: unknown, reason: string) => resolve(reason)));
    const first = await emulator.invoke('fixture', { op: 'count' });
    const oldPid = pids.get(first.environment)!;
    expect(await recycled).toBe('idle-ttl');
    // Recycled, not yet killed: its sockets stay open, as when Lambda drops a microVM without FIN.
    expect(processState(oldPid)).toBe('T');
    const second = await emulator.invoke('fixture', { op: 'count' });
    expect(second).toMatchObject({ ok: true, cold: true, payload: { count: 1 } });
    expect(second.environment).not.toBe(first.environment);
    expect(await until(() => processState(oldPid) === undefined)).toBe(true);
  });

  it('give a second concurrent invocation a second container, and reuse both when warm', async () => {
    const { emulator } = await start();
    const both = await Promise.all([1, 2].map(() => emulator.invoke('fixture', { op: 'sleep', ms: 300 })));
    expect(both.map((r) => r.cold)).toEqual([true, true]);
    expect(both[0].environment).not.toBe(both[1].environment);
    const again = await emulator.invoke('fixture', { op: 'count' });
    expect(again.cold).toBe(false);
    expect(both.map((r) => r.environment)).toContain(again.environment);
  });

  it('run several invocations in one container with container concurrency above 1', async () => {
    const { emulator } = await start({}, { containerConcurrency: 2 });
    await emulator.invoke('fixture', { op: 'count' });
    const both = await Promise.all([1, 2].map(() => emulator.invoke('fixture', { op: 'sleep', ms: 200 })));
    expect(both.map((r) => r.cold)).toEqual([false, false]);
    expect(both[0].environment).toBe(both[1].environment);
  });

  it('kill the container of an invocation past its timeout', async () => {
    const { emulator, pids } = await start({ timeoutMs: 400 });
    const result = await emulator.invoke('fixture', { op: 'sleep', ms: 3_000 });
    expect(result.ok).toBe(false);
    expect(result.error).toMatchObject({ errorType: 'Sandbox.Timedout' });
    expect(result.error?.errorMessage).toMatch(/Task timed out after 0\.40 seconds/);
    expect(await until(() => processState(pids.get(result.environment)!) === undefined)).toBe(true);
    expect((await emulator.invoke('fixture', { op: 'count' })).cold).toBe(true);
  });

  it('report handler errors through the Runtime API error path and keep the container warm', async () => {
    const { emulator } = await start();
    await emulator.invoke('fixture', { op: 'count' });
    const failed = await emulator.invoke('fixture', { op: 'throw' });
    expect(failed).toMatchObject({ ok: false, cold: false, error: { errorType: 'CustomError', errorMessage: 'boom', code: 'E_BOOM' } });
    expect(await emulator.invoke('fixture', { op: 'count' })).toMatchObject({ cold: false, payload: { count: 2 } });
  });

  it('fail the invocation with the error\'s own type and restart the runtime after an uncaught exception', async () => {
    const { emulator } = await start();
    const crashed = await emulator.invoke('fixture', { op: 'crash' });
    expect(crashed).toMatchObject({ ok: false, error: { errorType: 'Error', errorMessage: 'nobody caught this' } });
    expect(await emulator.invoke('fixture', { op: 'count' })).toMatchObject({ cold: true, payload: { count: 1 } });
  });

  it('report init errors: a module that throws, a handler that is not exported', async () => {
    const throwing = await start({ environment: { FIXTURE_THROW_AT_INIT: '1' } });
    expect(await throwing.emulator.invoke('fixture', { op: 'count' })).toMatchObject({ ok: false, cold: true, error: { errorType: 'Error', errorMessage: 'init failed on purpose' } });
    const missing = await start({ handler: 'emulator.fixture.nothing' });
    expect(await missing.emulator.invoke('fixture', { op: 'count' })).toMatchObject({ ok: false, error: { errorType: 'Runtime.HandlerNotFound' } });
  });

  it("give the handler Lambda's context and environment variables", async () => {
    const { emulator } = await start({ environment: { FIXTURE_VALUE: 'from serverless.yml' } });
    const result = await emulator.invoke('fixture', { op: 'context' });
    const seen = result.payload as Record<string, unknown> & { env: Record<string, string>; remainingMs: number };
    expect(seen).toMatchObject({
      awsRequestId: result.requestId,
      functionName: 'fixture',
      functionVersion: '$LATEST',
      invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:fixture',
      memoryLimitInMB: '1024',
      logGroupName: '/aws/lambda/fixture',
      callbackWaitsForEmptyEventLoop: true,
    });
    expect(seen.logStreamName).toMatch(new RegExp(`^\\d{4}/\\d\\d/\\d\\d/\\[\\$LATEST\\]${result.environment}$`));
    expect(seen.remainingMs).toBeGreaterThan(1_000);
    expect(seen.remainingMs).toBeLessThanOrEqual(5_000);
    expect(seen.env).toMatchObject({ AWS_LAMBDA_FUNCTION_NAME: 'fixture', AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x', _HANDLER: 'emulator.fixture.handler', FIXTURE_VALUE: 'from serverless.yml' });
    expect(seen.env.AWS_LAMBDA_RUNTIME_API).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(seen.env._X_AMZN_TRACE_ID).toMatch(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0/);
  });

  it('throttle over the concurrency limit with a 429, or queue when asked to', async () => {
    const throttled = await start({ reservedConcurrency: 1 });
    const results = await Promise.all([1, 2].map(() => throttled.emulator.invoke('fixture', { op: 'sleep', ms: 300 })));
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 429]);
    expect(results.find((r) => r.statusCode === 429)?.error).toEqual({ errorType: 'TooManyRequestsException', errorMessage: 'Rate Exceeded.' });
    const queued = await start({ reservedConcurrency: 1 }, { onLimit: 'queue' });
    const both = await Promise.all([1, 2].map(() => queued.emulator.invoke('fixture', { op: 'sleep', ms: 200 })));
    expect(both.map((r) => r.ok)).toEqual([true, true]);
    expect(both[0].environment).toBe(both[1].environment);
    expect(Math.max(...both.map((r) => r.latencyMs))).toBeGreaterThanOrEqual(400);
  });

  it('recycle at random when asked to', async () => {
    const { emulator } = await start({}, { recycleProbability: 1, lingerMs: 0 });
    const first = await emulator.invoke('fixture', { op: 'count' });
    const second = await emulator.invoke('fixture', { op: 'count' });
    expect([first.cold, second.cold]).toEqual([true, true]);
    expect(second.environment).not.toBe(first.environment);
  });
});

describe('the Runtime API', () => {
  it('hands out invocations with the documented headers and checks request ids', async () => {
    const api = await RuntimeApiServer.listen();
    open.push({ close: async () => api.close() });
    const base = `http://${api.address}/2018-06-01/runtime`;
    const settled: unknown[] = [];
    const invocation = (requestId: string): Invocation => ({
      requestId,
      event: { hello: requestId },
      deadlineMs: 1_700_000_000_000,
      invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:f',
      traceId: 'Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1',
      settle: (outcome) => settled.push(outcome),
    });
    const next = fetch(`${base}/invocation/next`);
    api.deliver(invocation('req-1'));
    const res = await next;
    expect(res.status).toBe(200);
    expect(Object.fromEntries(['lambda-runtime-aws-request-id', 'lambda-runtime-deadline-ms', 'lambda-runtime-invoked-function-arn', 'lambda-runtime-trace-id'].map((h) => [h, res.headers.get(h)]))).toEqual({
      'lambda-runtime-aws-request-id': 'req-1',
      'lambda-runtime-deadline-ms': '1700000000000',
      'lambda-runtime-invoked-function-arn': 'arn:aws:lambda:us-east-1:123456789012:function:f',
      'lambda-runtime-trace-id': 'Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1',
    });
    expect(await res.json()).toEqual({ hello: 'req-1' });

    const unknown = await fetch(`${base}/invocation/nope/response`, { method: 'POST', body: '{}' });
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toEqual({ errorMessage: 'Invalid request ID', errorType: 'InvalidRequestID' });

    const failed = await fetch(`${base}/invocation/req-1/error`, {
      method: 'POST',
      headers: { 'Lambda-Runtime-Function-Error-Type': 'Runtime.Custom' },
      body: JSON.stringify({ errorMessage: 'bad', errorType: 'Runtime.Custom', trace: ['Runtime.Custom: bad', '    at x'] }),
    });
    expect(failed.status).toBe(202);
    expect(await failed.json()).toEqual({ status: 'OK' });
    expect(settled).toEqual([{ ok: false, error: { errorType: 'Runtime.Custom', errorMessage: 'bad', trace: ['Runtime.Custom: bad', '    at x'] } }]);
    // Answered once; a second answer for the same id is refused.
    expect((await fetch(`${base}/invocation/req-1/response`, { method: 'POST', body: '{}' })).status).toBe(400);

    let initError: unknown;
    api.onInitError = (e) => (initError = e);
    const init = await fetch(`${base}/init/error`, { method: 'POST', headers: { 'Lambda-Runtime-Function-Error-Type': 'Runtime.ImportModuleError' }, body: JSON.stringify({ errorMessage: 'no module' }) });
    expect(init.status).toBe(202);
    expect(initError).toEqual({ errorType: 'Runtime.ImportModuleError', errorMessage: 'no module' });
  });
});

describe('the HTTP front', () => {
  it('routes like API Gateway HTTP API and maps payload 2.0 events and responses', async () => {
    const { emulator } = await start({}, {
      functions: [
        { name: 'api', handler: 'emulator.fixture.http', routes: ['POST /things/{id}'] },
        { name: 'fails', handler: 'emulator.fixture.fails', routes: ['GET /fail'] },
      ],
    });
    const front = await HttpFront.listen(emulator, { port: 0 });
    open.push(front);
    const res = await fetch(`${front.url}/things/42?x=1&x=2&y=3`, { method: 'POST', headers: { 'content-type': 'application/json', cookie: 'a=1; b=2' }, body: '{"n":1}' });
    expect(res.status).toBe(201);
    expect(res.headers.get('x-fixture')).toBe('yes');
    expect(res.headers.get('set-cookie')).toBe('seen=1');
    expect(res.headers.get('x-warmpool-start')).toBe('cold');
    const event = await res.json();
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'POST /things/{id}',
      rawPath: '/things/42',
      rawQueryString: 'x=1&x=2&y=3',
      queryStringParameters: { x: '1,2', y: '3' },
      pathParameters: { id: '42' },
      cookies: ['a=1', 'b=2'],
      body: '{"n":1}',
      isBase64Encoded: false,
      requestContext: { http: { method: 'POST', path: '/things/42' }, routeKey: 'POST /things/{id}', stage: '$default' },
    });
    expect((await fetch(`${front.url}/fail`)).status).toBe(500);
    expect((await fetch(`${front.url}/nothing`)).status).toBe(404);
  });
});

describe('serverless.yml', () => {
  it('gives the function names, handlers, limits and routes', async () => {
    const service = await readServerlessConfig(`${repoRoot}/serverless.yml`, { databaseUrl: 'postgres://u:p@h/d' });
    const byName = Object.fromEntries(service.functions.map((f) => [f.name, f]));
    expect(Object.keys(byName)).toEqual(['getItem', 'createOrder', 'health', 'migrate']);
    expect(byName.getItem).toMatchObject({ handler: 'functions/get-item.handler', reservedConcurrency: 20, timeoutMs: 10_000, memoryMb: 512, routes: ['GET /items/{id}'] });
    expect(byName.migrate).toMatchObject({ timeoutMs: 60_000, routes: [] });
    expect(byName.health.environment).toMatchObject({ DATABASE_URL: 'postgres://u:p@h/d', WARMPOOL_MAX: '1' });
    // Without the param, the URL is a CloudFormation SSM reference that only AWS resolves.
    const offline = await readServerlessConfig(`${repoRoot}/serverless.yml`);
    expect(offline.unresolved).toContain('getItem.DATABASE_URL');
  });

  it('runs the sample handlers of functions/ unchanged', async () => {
    const service = await readServerlessConfig(`${repoRoot}/serverless.yml`);
    const emulator = await LambdaEmulator.create({
      functions: service.functions.filter((f) => f.name === 'health'),
      root: service.root,
      env: { DATABASE_URL: databaseUrl() },
      stdio: 'ignore',
    });
    open.push(emulator);
    const results = [await emulator.invoke('health', {}), await emulator.invoke('health', {})];
    expect(results.map((r) => r.cold)).toEqual([true, false]);
    const body = JSON.parse((results[1].payload as { body: string }).body);
    expect(body).toMatchObject({ ok: true, runtime: 'lambda', transport: 'tcp', stats: { created: 1, reused: 1 } });
  });
});

describe('template.yaml (AWS SAM)', () => {
  it('declares the functions of serverless.yml: names, handlers, limits, environment and routes', async () => {
    const sam = await readServiceConfig(`${repoRoot}/template.yaml`, { DatabaseUrl: 'postgres://u:p@h/d' });
    const serverless = await readServerlessConfig(`${repoRoot}/serverless.yml`, { databaseUrl: 'postgres://u:p@h/d' });
    expect(sam.functions).toEqual(serverless.functions);
    expect(sam.root).toBe(serverless.root);
    // Without the parameter, DATABASE_URL is left to the environment of the command.
    const offline = await readServiceConfig(`${repoRoot}/template.yaml`);
    expect(offline.unresolved).toEqual(['getItem.DATABASE_URL', 'createOrder.DATABASE_URL', 'health.DATABASE_URL', 'migrate.DATABASE_URL']);
  });

  it('runs each function from its esbuild entry point', async () => {
    const service = await readServiceConfig(`${repoRoot}/template.yaml`);
    const emulator = await LambdaEmulator.create({ functions: service.functions, root: service.root, env: { DATABASE_URL: databaseUrl() }, stdio: 'ignore' });
    open.push(emulator);
    const missing = '2147483647'; // the largest items.id: no item has it
    expect(await emulator.invoke('migrate', {})).toMatchObject({ ok: true, payload: { ok: true } });
    const health = await emulator.invoke('health', {});
    expect(JSON.parse((health.payload as { body: string }).body)).toMatchObject({ ok: true, runtime: 'lambda', transport: 'tcp' });
    expect(await emulator.invoke('getItem', { pathParameters: { id: missing } })).toMatchObject({ ok: true, payload: { statusCode: 404 } });
    const order = { body: JSON.stringify({ itemId: Number(missing), quantity: 1 }), headers: { 'idempotency-key': 'template-yaml-test' }, requestContext: { requestId: 'r' } };
    expect(await emulator.invoke('createOrder', order)).toMatchObject({ ok: true, payload: { statusCode: 404 } });
  });
});

describe('EmulatedContainer', () => {
  it('also runs a handler through the Runtime API (mode: runtime-api)', async () => {
    const container = await EmulatedContainer.start({ module: `${testDir}emulator.fixture.ts`, mode: 'runtime-api' });
    open.push({ close: async () => container.kill() });
    expect((await container.invoke({ op: 'count' })).result).toMatchObject({ count: 1, pid: container.pid });
    expect((await container.invoke({ op: 'count' })).result).toMatchObject({ count: 2 });
    expect(await container.invoke({ op: 'throw' })).toMatchObject({ ok: false, error: { name: 'CustomError', code: 'E_BOOM', message: 'boom' } });
    container.kill();
    expect(await until(() => !container.alive)).toBe(true);
  });
});
