import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { type EmulatorOptions, LambdaEmulator } from '../packages/cli/src/emulator/emulator.js';

// The handler contract follows the runtime a function declares, as AWS's two Node.js runtime
// interface clients do: nodejs22.x keeps callback handlers and context.succeed/fail/done;
// nodejs24.x (and Managed Instances on any runtime) refuses a callback handler at init with
// Runtime.CallbackHandlerDeprecated and offers promise handlers only.

const testDir = fileURLToPath(new URL('.', import.meta.url));
const open: { close(): Promise<void> }[] = [];
afterAll(async () => {
  await Promise.all(open.map((o) => o.close()));
});

async function start(exportName: string, runtime: string, options: Partial<EmulatorOptions> = {}) {
  const emulator = await LambdaEmulator.create({
    functions: [{ name: 'f', handler: `emulator-runtimes.fixture.${exportName}`, timeoutMs: 5_000, runtime }],
    root: testDir,
    stdio: 'pipe',
    ...options,
  });
  open.push(emulator);
  return { emulator };
}

const NODE24_REFUSAL =
  'ERROR: AWS Lambda has removed support for callback-based function handlers starting with Node.js 24. You need to modify this function to use a supported handler signature to use Node.js 24 or later. For more information see https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html.';

describe('nodejs24.x', () => {
  it('fails a callback handler at init with Runtime.CallbackHandlerDeprecated', async () => {
    const { emulator } = await start('callbackStyle', 'nodejs24.x');
    const refused = await emulator.invoke('f', {});
    expect(refused).toMatchObject({ ok: false, cold: true, error: { errorType: 'Runtime.CallbackHandlerDeprecated', errorMessage: NODE24_REFUSAL } });
  });

  it('counts declared parameters: an async handler that declares a callback is refused too', async () => {
    const { emulator } = await start('asyncWithCallbackParameter', 'nodejs24.x');
    expect((await emulator.invoke('f', {})).error).toMatchObject({ errorType: 'Runtime.CallbackHandlerDeprecated', errorMessage: NODE24_REFUSAL });
  });

  it('gives a context without succeed, fail, done or callbackWaitsForEmptyEventLoop', async () => {
    const { emulator } = await start('contextMethods', 'nodejs24.x');
    expect(await emulator.invoke('f', {})).toMatchObject({
      ok: true,
      payload: { succeed: 'undefined', fail: 'undefined', done: 'undefined', callbackWaitsForEmptyEventLoop: false, awsRequestId: 'string' },
    });
    const { emulator: succeeds } = await start('usesSucceed', 'nodejs24.x');
    expect((await succeeds.invoke('f', {})).error).toMatchObject({ errorType: 'TypeError', errorMessage: 'context.succeed is not a function' });
  });

  it("answers with a plain function's return value", async () => {
    const { emulator } = await start('returnsPlainValue', 'nodejs24.x');
    expect(await emulator.invoke('f', {})).toMatchObject({ ok: true, payload: { via: 'return' } });
    expect(await emulator.invoke('f', {})).toMatchObject({ ok: true, cold: false, payload: { via: 'return' } });
  });

  it('still runs a streaming handler, whose three parameters are (event, stream, context)', async () => {
    const { emulator } = await start('streams', 'nodejs24.x');
    const streamed = await emulator.invoke('f', {});
    expect(streamed.ok).toBe(true);
    expect(streamed.streamed).toBeDefined();
  });
});

describe('nodejs22.x', () => {
  it('runs callback handlers and gives the context succeed, fail and done', async () => {
    const { emulator } = await start('callbackStyle', 'nodejs22.x');
    expect(await emulator.invoke('f', {})).toMatchObject({ ok: true, payload: { via: 'callback' } });
    const { emulator: withAsync } = await start('asyncWithCallbackParameter', 'nodejs22.x');
    expect(await withAsync.invoke('f', {})).toMatchObject({ ok: true, payload: { via: 'promise' } });
    const { emulator: ctx } = await start('contextMethods', 'nodejs22.x');
    expect(await ctx.invoke('f', {})).toMatchObject({
      ok: true,
      payload: { succeed: 'function', fail: 'function', done: 'function', callbackWaitsForEmptyEventLoop: true },
    });
    const { emulator: succeeds } = await start('usesSucceed', 'nodejs22.x');
    expect(await succeeds.invoke('f', {})).toMatchObject({ ok: true, payload: { via: 'succeed' } });
  });

  it("ignores a plain function's return value: the answer is null once the event loop is empty", async () => {
    const { emulator } = await start('returnsPlainValue', 'nodejs22.x');
    expect(await emulator.invoke('f', {})).toMatchObject({ ok: true, payload: null });
  });

  it('refuses a callback handler on Managed Instances, as AWS does for Node.js 22 there', async () => {
    const { emulator } = await start('callbackStyle', 'nodejs22.x', { containerConcurrency: 2 });
    expect((await emulator.invoke('f', {})).error).toMatchObject({
      errorType: 'Runtime.CallbackHandlerDeprecated',
      errorMessage: expect.stringMatching(/^ERROR: AWS Lambda does not support callback-based function handlers when using Node\.js 22 with Managed Instances\./),
    });
    const { emulator: promises } = await start('returnsPlainValue', 'nodejs22.x', { containerConcurrency: 2 });
    expect(await promises.invoke('f', {})).toMatchObject({ ok: true, payload: { via: 'return' } });
  });
});
