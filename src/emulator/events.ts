import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';

/** API Gateway HTTP API (payload 2.0) events, as Lambda hands them to a handler. */

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
      http: { method, path: init.path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'warmpool-emulator' },
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
