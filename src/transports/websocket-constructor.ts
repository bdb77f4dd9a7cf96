/**
 * The WebSocket the websocket transport opens on Node: the global one where the runtime has it
 * (Node 22 and later; Lambda's nodejs22.x and nodejs24.x), else the `ws` package (Node 20, whose
 * WebSocket needs a flag). `ws` is loaded only in the second case.
 */
export async function webSocketConstructor(): Promise<unknown> {
  const builtIn = (globalThis as { WebSocket?: unknown }).WebSocket;
  if (typeof builtIn === 'function') return builtIn;
  return (await import('ws')).default;
}
