// The handler test/emulator.test.ts runs in emulated containers: module state, timers, sleeps,
// errors and the context it was given, so each emulator behaviour can be observed from outside.
import type { Context } from 'aws-lambda';

if (process.env.FIXTURE_THROW_AT_INIT) throw new Error('init failed on purpose');

interface Event {
  op: 'count' | 'arm' | 'fired' | 'sleep' | 'throw' | 'context' | 'crash';
  ms?: number;
}

let count = 0;
const firedAt: number[] = [];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const handler = async (event: Event, context: Context) => {
  switch (event.op) {
    case 'count':
      return { count: ++count, pid: process.pid };
    case 'arm':
      setTimeout(() => firedAt.push(Date.now()), event.ms);
      return { armedAt: Date.now() };
    case 'fired':
      // Lets a timer that fell due during the freeze run first.
      await sleep(50);
      return { firedAt };
    case 'sleep':
      await sleep(event.ms ?? 0);
      return { pid: process.pid };
    case 'throw':
      throw Object.assign(new Error('boom'), { name: 'CustomError', code: 'E_BOOM' });
    case 'crash':
      setImmediate(() => {
        throw new Error('nobody caught this');
      });
      await sleep(5_000);
      return {};
    case 'context':
      return {
        awsRequestId: context.awsRequestId,
        functionName: context.functionName,
        functionVersion: context.functionVersion,
        invokedFunctionArn: context.invokedFunctionArn,
        memoryLimitInMB: context.memoryLimitInMB,
        logGroupName: context.logGroupName,
        logStreamName: context.logStreamName,
        remainingMs: context.getRemainingTimeInMillis(),
        callbackWaitsForEmptyEventLoop: context.callbackWaitsForEmptyEventLoop,
        env: {
          AWS_LAMBDA_FUNCTION_NAME: process.env.AWS_LAMBDA_FUNCTION_NAME,
          AWS_LAMBDA_RUNTIME_API: process.env.AWS_LAMBDA_RUNTIME_API,
          AWS_EXECUTION_ENV: process.env.AWS_EXECUTION_ENV,
          _HANDLER: process.env._HANDLER,
          _X_AMZN_TRACE_ID: process.env._X_AMZN_TRACE_ID,
          FIXTURE_VALUE: process.env.FIXTURE_VALUE,
        },
      };
  }
};

/** Behind the HTTP front: answers with the API Gateway event it got. */
export const http = async (event: unknown) => ({
  statusCode: 201,
  headers: { 'x-fixture': 'yes' },
  cookies: ['seen=1'],
  body: JSON.stringify(event),
});

export const fails = async () => {
  throw new Error('failed on purpose');
};
