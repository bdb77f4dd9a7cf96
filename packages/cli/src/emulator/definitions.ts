/** What the emulator is told (functions, options) and what an invocation gives back. */
import os from 'node:os';
import type { FunctionError, StreamedResponse } from './runtime-api.js';

/** Lambda's limit for a synchronous request payload (the Invoke API refuses more). */
export const MAX_REQUEST_BYTES = 6_291_456;

export interface FunctionDefinition {
  /** Function name as in serverless.yml (`getItem`). */
  name: string;
  /** Lambda handler string relative to the service root: 'functions/get-item.handler'. */
  handler: string;
  timeoutMs?: number;
  memoryMb?: number;
  /** Most environments of this function at once (reservedConcurrency). */
  reservedConcurrency?: number;
  environment?: Record<string, string>;
  /** HTTP API routes such as 'GET /items/{id}'. */
  routes?: string[];
  /** Lambda runtime identifier, e.g. 'nodejs22.x'. Default 'nodejs22.x'. */
  runtime?: string;
}

export interface EmulatorOptions {
  functions: FunctionDefinition[];
  /** Directory the handler paths are relative to (the serverless.yml directory). */
  root: string;
  /** Bundle handlers with esbuild, as serverless-esbuild deploys them. Default true; false runs sources through tsx. */
  bundle?: boolean;
  /** Variables for every function, over serverless.yml's (e.g. DATABASE_URL). */
  env?: Record<string, string>;
  /**
   * Variables that differ per execution environment, over the others, from its id (the tail of
   * AWS_LAMBDA_LOG_STREAM_NAME), e.g. an application_name that tells its connections apart.
   */
  environmentVariables?: (environmentId: string) => Record<string, string>;
  /** Environments of all functions at once (the account's concurrency). Default 1000. */
  concurrencyLimit?: number;
  /** Invocations one environment runs at once. Default 1, as on standard Lambda. */
  containerConcurrency?: number;
  /** An environment idle this long is recycled. Default 300000 (Lambda keeps idle ones for minutes). */
  idleTtlMs?: number;
  /** The idle TTL of each environment is stretched by up to this fraction at random. Default 0. */
  idleTtlJitter?: number;
  /** After each invocation, the environment is recycled with this probability. Default 0. */
  recycleProbability?: number;
  /**
   * A recycled environment stays frozen this long, its sockets open, before SIGKILL, because
   * Lambda drops the whole microVM and the database never gets a FIN. Default 30000.
   */
  lingerMs?: number;
  /** Over the concurrency limits: 'throttle' fails at once (429, TooManyRequestsException), 'queue' waits. Default 'throttle'. */
  onLimit?: 'throttle' | 'queue';
  /** Freeze idle environments with SIGSTOP. Default true. */
  freeze?: boolean;
  region?: string;
  /** Lambda's init phase limit. Default 10000. */
  initTimeoutMs?: number;
  /**
   * Cold starts under way at once. On Lambda each one has its own micro-VM; here the machine's
   * cores stand in for all of them, and hundreds of simultaneous inits would starve the emulator
   * itself. Waiting for a slot counts in the cold start's latency. Default 2 × CPUs.
   */
  maxConcurrentInits?: number;
  /** Containers' stdout and stderr. Default 'inherit'; 'pipe' emits them as 'log' events (fn, env, text). */
  stdio?: 'inherit' | 'ignore' | 'pipe';
  /**
   * Run this command in each container instead of the built-in runtime, e.g. ['npx', 'aws-lambda-ric']
   * followed by the handler. It gets the same environment (AWS_LAMBDA_RUNTIME_API, _HANDLER, …).
   */
  runtimeCommand?: string[];
}

export interface InvokeOptions {
  requestId?: string;
  /** Overrides the function timeout for this invocation. */
  timeoutMs?: number;
  /** The client context of the Invoke API (context.clientContext). */
  clientContext?: unknown;
  /** A Cognito identity (context.identity). */
  identity?: unknown;
}

export interface InvokeResult {
  ok: boolean;
  /** The function's response, parsed from JSON. */
  payload?: unknown;
  error?: FunctionError;
  /** A response sent in the streaming response mode (awslambda.streamifyResponse). */
  streamed?: StreamedResponse;
  /** 429: throttled by the concurrency limit; 413: request over 6 MB; 200 otherwise, as Lambda's Invoke API. */
  statusCode: 200 | 413 | 429;
  requestId: string;
  /** This invocation started its environment. */
  cold: boolean;
  /** Environment id ('' when throttled). */
  environment: string;
  /** Wall time from `invoke` to the result, ms: queueing, cold start and the run. */
  latencyMs: number;
  /** Handover to response, ms (Lambda's Duration). */
  durationMs: number;
  /** Cold start only: spawn and module load, ms (Lambda's Init Duration). */
  initMs?: number;
}

export type RecycleReason = 'idle-ttl' | 'random' | 'timeout' | 'crashed' | 'exited' | 'shutdown';

export const DEFAULTS = {
  bundle: true,
  concurrencyLimit: 1000,
  containerConcurrency: 1,
  idleTtlMs: 300_000,
  idleTtlJitter: 0,
  recycleProbability: 0,
  lingerMs: 30_000,
  onLimit: 'throttle' as 'throttle' | 'queue',
  freeze: true,
  region: 'us-east-1',
  initTimeoutMs: 10_000,
  maxConcurrentInits: Math.max(2, 2 * os.availableParallelism()),
  stdio: 'inherit' as 'inherit' | 'ignore' | 'pipe',
};
