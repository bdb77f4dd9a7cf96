/** The identifiers and variables Lambda gives an execution environment. */
import { randomBytes } from 'node:crypto';
import type { EnvironmentOptions } from './environment.js';

export const DEFAULT_RUNTIME = 'nodejs22.x';

/**
 * The emulator's own variable, not Lambda's: the worker thread count on Managed Instances, counted
 * by the host with AWS's rule (warmpool's workerThreads) because the bootstrap imports built-ins
 * only. The bootstrap removes it before any handler code runs.
 */
export const WORKER_THREADS_VARIABLE = '_WARMPOOL_EMULATOR_WORKER_THREADS';

/**
 * The emulator runs the host's Node; Lambda runs the major version its runtime names. Returns a
 * warning when the two differ (e.g. nodejs22.x on Node 20), else undefined.
 */
export function runtimeMismatch(runtime: string = DEFAULT_RUNTIME, nodeVersion = process.versions.node): string | undefined {
  const wanted = /^nodejs(\d+)\.x$/.exec(runtime)?.[1];
  const have = nodeVersion.split('.')[0];
  if (!wanted) return `runtime ${runtime} is not a Node.js runtime; the emulator runs Node ${nodeVersion}`;
  if (wanted === have) return undefined;
  return `functions declare ${runtime} but the emulator runs them on this machine's Node ${nodeVersion}: behaviour that differs between Node ${have} and ${wanted} will not show here`;
}

export function logStreamName(id: string): string {
  const d = new Date();
  const day = `${d.getUTCFullYear()}/${String(d.getUTCMonth() + 1).padStart(2, '0')}/${String(d.getUTCDate()).padStart(2, '0')}`;
  return `${day}/[$LATEST]${id}`;
}

export function traceId(): string {
  const epoch = Math.floor(Date.now() / 1000).toString(16);
  return `Root=1-${epoch}-${randomBytes(12).toString('hex')};Parent=${randomBytes(8).toString('hex')};Sampled=0;Lineage=1:${randomBytes(4).toString('hex')}:0`;
}

/**
 * Lambda gives every environment the execution role's temporary credentials. These are placeholders,
 * plainly fake, so that SDK clients start up; a call that reaches AWS with them is refused. Set real
 * ones in the function's environment to reach AWS from the emulator.
 */
export const PLACEHOLDER_CREDENTIALS = {
  AWS_ACCESS_KEY_ID: 'ASIAEMULATEDFAKE0000',
  AWS_SECRET_ACCESS_KEY: 'emulated/placeholder/secret/not+a+real+key',
  AWS_SESSION_TOKEN: 'emulated-placeholder-session-token-not-valid-anywhere',
};

/** The reserved variables Lambda sets for a Node.js runtime, plus the function's own. */
export function lambdaEnvironment(options: EnvironmentOptions, id: string, runtimeApi: string): Record<string, string> {
  const inherited: Record<string, string> = {};
  for (const key of ['PATH', 'LANG', 'HOME', 'TMPDIR', 'SYSTEMROOT']) {
    const value = process.env[key];
    if (value !== undefined) inherited[key] = value;
  }
  return {
    ...inherited,
    ...PLACEHOLDER_CREDENTIALS,
    ...options.env,
    ...options.envFor?.(id),
    _HANDLER: options.handler,
    AWS_LAMBDA_RUNTIME_API: runtimeApi,
    LAMBDA_TASK_ROOT: options.taskRoot,
    LAMBDA_RUNTIME_DIR: options.launch.cwd,
    AWS_EXECUTION_ENV: `AWS_Lambda_${options.runtime ?? DEFAULT_RUNTIME}`,
    AWS_LAMBDA_FUNCTION_NAME: options.functionName,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(options.memoryMb),
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${options.functionName}`,
    AWS_LAMBDA_LOG_STREAM_NAME: logStreamName(id),
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_REGION: options.region,
    AWS_DEFAULT_REGION: options.region,
    TZ: ':UTC',
    ...(options.concurrency > 1 ? { AWS_LAMBDA_MAX_CONCURRENCY: String(options.concurrency) } : {}),
  };
}
