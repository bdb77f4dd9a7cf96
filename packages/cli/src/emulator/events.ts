import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';

/** API Gateway HTTP API (payload 2.0) events, as Lambda hands them to a handler. */

export interface HttpEventInit {
  /** Route as written in serverless.yml, e.g. 'GET /items/{id}'. */
  routeKey: string;
  /** Concrete path, e.g. '/items/7'. */
  path: string;
  /** HTTP method; defaults to the route's. */
  method?: string;
  pathParameters?: Record<string, string>;
  /** Lower-case names; repeated headers joined with commas, as API Gateway does. */
  headers?: Record<string, string>;
  /** Without the '?'. */
  rawQueryString?: string;
  cookies?: string[];
  body?: string;
  isBase64Encoded?: boolean;
  requestId?: string;
  sourceIp?: string;
}

export function httpEvent(init: HttpEventInit): APIGatewayProxyEventV2 {
  const [routeMethod] = init.routeKey.split(' ');
  const method = init.method ?? (routeMethod === 'ANY' || routeMethod === '$default' ? 'GET' : routeMethod);
  const now = new Date();
  const headers: Record<string, string> = { 'content-type': 'application/json', ...init.headers };
  const rawQueryString = init.rawQueryString ?? '';
  const query = queryParameters(rawQueryString);
  return {
    version: '2.0',
    routeKey: init.routeKey,
    rawPath: init.path,
    rawQueryString,
    ...(init.cookies?.length ? { cookies: init.cookies } : {}),
    headers,
    ...(query ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: '123456789012',
      apiId: 'api-id',
      domainName: 'api-id.example.test',
      domainPrefix: 'api-id',
      http: {
        method,
        path: init.path,
        protocol: 'HTTP/1.1',
        sourceIp: init.sourceIp ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? 'warmpool-emulator',
      },
      requestId: init.requestId ?? randomUUID(),
      routeKey: init.routeKey,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(init.pathParameters ? { pathParameters: init.pathParameters } : {}),
    ...(init.body !== undefined ? { body: init.body } : {}),
    isBase64Encoded: init.isBase64Encoded ?? false,
  };
}

/** API Gateway joins repeated query parameters with commas. */
function queryParameters(raw: string): Record<string, string> | undefined {
  if (!raw) return undefined;
  const out: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(raw)) out[key] = key in out ? `${out[key]},${value}` : value;
  return out;
}
