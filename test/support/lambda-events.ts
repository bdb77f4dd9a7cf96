import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';

/** Fake API Gateway HTTP API (payload 2.0) events and Lambda contexts for calling handlers directly. */

export interface HttpEventInit {
  /** Route as written in serverless.yml, e.g. 'GET /items/{id}'. */
  routeKey: string;
  /** Concrete path, e.g. '/items/7'. */
  path: string;
  pathParameters?: Record<string, string>;
  headers?: Record<string, string>;
  body?: string;
  requestId?: string;
}

export function httpEvent(init: HttpEventInit): APIGatewayProxyEventV2 {
  const [method] = init.routeKey.split(' ');
  const now = new Date();
  return {
    version: '2.0',
    routeKey: init.routeKey,
    rawPath: init.path,
    rawQueryString: '',
    headers: { 'content-type': 'application/json', ...init.headers },
    requestContext: {
      accountId: '123456789012',
      apiId: 'api-id',
      domainName: 'api-id.example.test',
      domainPrefix: 'api-id',
      http: { method, path: init.path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'vitest' },
      requestId: init.requestId ?? randomUUID(),
      routeKey: init.routeKey,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(init.pathParameters ? { pathParameters: init.pathParameters } : {}),
    ...(init.body !== undefined ? { body: init.body } : {}),
    isBase64Encoded: false,
  };
}

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
