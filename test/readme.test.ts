import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// The README's first handler, its Worker sample and its keyed handlers, compiled as a user's
// project would compile them: strict, NodeNext, imported by package name (mapped to the sources here).

const root = fileURLToPath(new URL('..', import.meta.url));
const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
// Inside the checkout, so @types/node and @types/aws-lambda resolve from its node_modules.
const dir = mkdtempSync(path.join(root, '.readme-snippets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The `index`th ```ts block (from 0) of the section with this heading, its subsections included. */
function snippet(heading: string, index = 0): string {
  const section = readme.split(`\n## ${heading}\n`)[1]?.split('\n## ')[0];
  const code = section && [...section.matchAll(/```ts\n([\s\S]*?)```/g)][index]?.[1];
  if (!code) throw new Error(`README has no ts block ${index} under "## ${heading}"`);
  return code;
}

describe('README snippets', () => {
  it('the first handler, the Worker and the keyed handlers compile under strict', () => {
    writeFileSync(path.join(dir, 'handler.ts'), snippet('A first handler'));
    writeFileSync(path.join(dir, 'worker.ts'), snippet('Cloudflare Workers'));
    writeFileSync(path.join(dir, 'keyed-transaction.ts'), snippet('Exactly-once writes: idempotency keys', 0));
    writeFileSync(path.join(dir, 'keyed-handler.ts'), snippet('Exactly-once writes: idempotency keys', 1));
    const src = (p: string) => [path.join(root, 'src', p)];
    writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({
      compilerOptions: {
        strict: true, noEmit: true, target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', lib: ['ES2022'], types: ['node'], skipLibCheck: true,
        paths: { warmpool: src('index.ts'), 'warmpool/lambda': src('lambda/index.ts'), 'warmpool/worker': src('worker/index.ts') },
      },
      files: ['handler.ts', 'worker.ts', 'keyed-transaction.ts', 'keyed-handler.ts'],
    }));
    let output = '';
    try {
      execFileSync(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir], { encoding: 'utf8', stdio: 'pipe' });
    } catch (err) {
      output = (err as { stdout: string }).stdout;
    }
    expect(output).toBe('');
  }, 120_000);
});
