/**
 * The inside of an emulated Lambda container: a child process that imports one handler module
 * once (module scope = container scope) and runs the invocations its parent sends over IPC, one
 * at a time. Between invocations the parent freezes this process with SIGSTOP.
 */
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';

interface InvokeMessage {
  id: number;
  event: unknown;
  timeoutMs: number;
}

type Handler = (event: unknown, context: unknown) => Promise<unknown>;

const [modulePath, exportName = 'handler', functionName = 'function'] = process.argv.slice(2);

function contextFor(timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  return {
    awsRequestId: randomUUID(),
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: '1024',
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `emulated/${process.pid}`,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
}

async function main() {
  const loaded = (await import(pathToFileURL(modulePath).href)) as Record<string, unknown>;
  const handler = loaded[exportName] as Handler;
  if (typeof handler !== 'function') throw new Error(`${modulePath} has no export "${exportName}"`);
  process.on('message', async (message: InvokeMessage) => {
    try {
      const result = await handler(message.event, contextFor(message.timeoutMs));
      process.send!({ id: message.id, ok: true, result });
    } catch (err) {
      const e = err as { code?: unknown; message?: unknown; name?: unknown; notApplied?: unknown };
      process.send!({ id: message.id, ok: false, error: { name: e?.name, code: e?.code, message: e?.message, notApplied: e?.notApplied } });
    }
  });
  process.send!({ ready: true });
}

main().catch((err) => {
  process.send?.({ initError: String((err as Error)?.message ?? err) });
  process.exit(1);
});
