import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';

export { httpEvent, type HttpEventInit } from '../../packages/cli/src/emulator/events.js';

/** The parts of a Lambda context that withPool reads, filled out to the full type. */
export function lambdaContext(functionName: string, remainingMs = 10_000): Context {
  return {
    getRemainingTimeInMillis: () => remainingMs,
    callbackWaitsForEmptyEventLoop: true,
    awsRequestId: randomUUID(),
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '512',
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'test',
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}
