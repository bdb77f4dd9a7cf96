/**
 * The export conditions this Node process resolves with (`--conditions`/`-C`, from its arguments or
 * NODE_OPTIONS). Handler bundles resolve packages with them too, so a handler bundled by the
 * emulator imports the same files as when Node runs it from source.
 */
export function nodeConditions(execArgv: readonly string[] = process.execArgv, nodeOptions = process.env.NODE_OPTIONS ?? ''): string[] {
  const args = [...execArgv, ...nodeOptions.split(/\s+/).filter(Boolean)];
  const found: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const inline = /^(?:--conditions|-C)=(.+)$/.exec(arg);
    if (inline) found.push(inline[1]);
    else if ((arg === '--conditions' || arg === '-C') && args[i + 1]) found.push(args[++i]);
  }
  return [...new Set(found)];
}
