/**
 * Which handler contract the runtime offers, from the runtime Lambda runs (`AWS_EXECUTION_ENV`) and
 * whether the environment is a Managed Instance. AWS runs two runtime interface clients:
 * - `nodejs22.x` and older, on demand: callback handlers `(event, context, callback)`,
 *   `context.succeed/fail/done`, `callbackWaitsForEmptyEventLoop`;
 * - `nodejs24.x` and later, and Managed Instances of any Node.js runtime: promise handlers only. A
 *   handler declaring three or more parameters (streaming ones aside) fails at init with
 *   `Runtime.CallbackHandlerDeprecated`; the context has no `succeed`, `fail`, `done` or
 *   `callbackWaitsForEmptyEventLoop`; whatever the handler returns, or its promise resolves to, is
 *   the response, without waiting for an empty event loop.
 * Node built-ins only: this is bundled into the bootstrap.
 */
import { runtimeError } from './handler-loader.js';

export interface RuntimeRules {
  /** Callback handlers, the context's succeed/fail/done and the wait for an empty event loop. */
  callbacks: boolean;
  /** Set when callbacks are refused: the init error's message, as AWS's runtime client words it. */
  refusal?: string;
}

const DOCS = 'For more information see https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html.';

/** `AWS_Lambda_nodejs24.x` → 24; undefined for anything else. */
export function nodeMajor(executionEnv: string | undefined): number | undefined {
  const major = /^AWS_Lambda_nodejs(\d+)\.x$/.exec(executionEnv ?? '')?.[1];
  return major === undefined ? undefined : Number(major);
}

export function runtimeRules(executionEnv: string | undefined, managedInstances: boolean): RuntimeRules {
  const major = nodeMajor(executionEnv) ?? 22;
  if (major >= 24) {
    return {
      callbacks: false,
      refusal: `ERROR: AWS Lambda has removed support for callback-based function handlers starting with Node.js 24. You need to modify this function to use a supported handler signature to use Node.js 24 or later. ${DOCS}`,
    };
  }
  if (managedInstances) {
    return {
      callbacks: false,
      refusal: `ERROR: AWS Lambda does not support callback-based function handlers when using Node.js ${major} with Managed Instances. To use Managed Instances, modify this function to use a supported handler signature. ${DOCS}`,
    };
  }
  return { callbacks: true };
}

/** The init check: a non-streaming handler declaring three or more parameters, where callbacks are gone. */
export function refuseCallbackHandler(rules: RuntimeRules, handler: { length: number }, streaming: boolean): void {
  if (!rules.callbacks && handler.length >= 3 && !streaming) throw runtimeError('CallbackHandlerDeprecated', rules.refusal ?? 'callback-based function handlers are not supported');
}
