/**
 * Loads the handler named by `_HANDLER`, with the init-error types and messages of AWS's Node.js
 * runtime interface client (UserFunction.js), and the `awslambda` global it defines before the
 * user's module runs. Node built-ins only: this is bundled into the bootstrap.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { HttpResponseStream } from './response-stream.js';

export type Handler = ((...args: unknown[]) => unknown) & { [STREAMING]?: unknown; [HIGH_WATER_MARK]?: unknown };

const STREAMING = Symbol.for('aws.lambda.runtime.handler.streaming');
const HIGH_WATER_MARK = Symbol.for('aws.lambda.runtime.handler.streaming.highWaterMark');
const STREAM_RESPONSE = 'response';

/** An Error whose name is a `Runtime.*` type, as the RIC's error classes. */
export function runtimeError(type: string, message: string, cause?: unknown): Error {
  const error = new Error(message);
  error.name = `Runtime.${type}`;
  if (cause instanceof Error && cause.stack) error.stack = `${error.name}: ${message}\n${cause.stack.split('\n').slice(1).join('\n')}`;
  return error;
}

export function defineAwsLambdaGlobal(): void {
  const off = process.env.AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA;
  if (off === '1' || off === 'true') return;
  (globalThis as Record<string, unknown>).awslambda = {
    streamifyResponse: (handler: Handler, options?: { highWaterMark?: number }) => {
      handler[STREAMING] = STREAM_RESPONSE;
      if (typeof options?.highWaterMark === 'number') handler[HIGH_WATER_MARK] = Math.trunc(options.highWaterMark);
      return handler;
    },
    HttpResponseStream,
  };
}

export interface HandlerMetadata {
  streaming: boolean;
  highWaterMark?: number;
  /** An `async function` (the RIC checks the constructor name, not the return value). */
  isAsync: boolean;
}

export function handlerMetadata(handler: Handler): HandlerMetadata {
  const mark = handler[STREAMING];
  if (mark !== undefined && mark !== null && mark !== false && mark !== STREAM_RESPONSE) {
    throw runtimeError('MalformedStreamingHandler', 'Only response streaming is supported.');
  }
  const hwm = Number(handler[HIGH_WATER_MARK]);
  return { streaming: mark === STREAM_RESPONSE, ...(Number.isFinite(hwm) ? { highWaterMark: hwm } : {}), isAsync: handler.constructor?.name === 'AsyncFunction' };
}

/**
 * `dir/module.export`. The module is the file name up to the last dot (the RIC splits at the first
 * dot of the file name and resolves the rest as a nested property path).
 */
export async function loadHandler(spec: string, taskRoot: string): Promise<Handler> {
  if (spec.includes('..')) throw runtimeError('MalformedHandlerName', `'${spec}' is not a valid handler name. Use absolute paths when specifying root directories in handler names.`);
  const slash = spec.lastIndexOf('/');
  const dot = spec.lastIndexOf('.');
  if (dot <= slash + 1) throw runtimeError('MalformedHandlerName', 'Bad handler');
  const modulePath = spec.slice(0, dot);
  const base = path.resolve(taskRoot, modulePath);
  const exportName = spec.slice(dot + 1);
  defineAwsLambdaGlobal();
  const file = ['.js', '.mjs', '.cjs', '.ts', ''].map((ext) => base + ext).find((f) => existsSync(f) && !f.endsWith('/'));
  if (!file) {
    const name = path.basename(modulePath);
    throw runtimeError('ImportModuleError', `Error: Cannot find module '${name}'\nRequire stack:\n- ${process.argv[1] ?? 'bootstrap'}`);
  }
  let loaded: Record<string, unknown>;
  try {
    loaded = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (err) {
    const e = err as Error & { code?: string };
    // The RIC wraps the original error: its message is the original's `String(error)`.
    if (e instanceof SyntaxError) throw runtimeError('UserCodeSyntaxError', String(e), e);
    if (e?.code === 'MODULE_NOT_FOUND' || e?.code === 'ERR_MODULE_NOT_FOUND') throw runtimeError('ImportModuleError', String(e), e);
    throw err;
  }
  const handler = loaded[exportName] ?? (loaded.default as Record<string, unknown> | undefined)?.[exportName];
  if (handler === undefined || handler === null) throw runtimeError('HandlerNotFound', `${spec} is undefined or not exported`);
  if (typeof handler !== 'function') throw runtimeError('HandlerNotFound', `${spec} is not a function`);
  return handler as Handler;
}
