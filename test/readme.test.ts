import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// The README's first handler and its Worker sample, compiled as a user's project would compile
// them: strict, NodeNext, imported by package name (mapped to the sources here).

const root = fileURLToPath(new URL('..', import.meta.url));
const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
// Inside the checkout, so @types/node and @types/aws-lambda resolve from its node_modules.
const dir = mkdtempSync(path.join(root, '.readme-snippets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The first ```ts block of the section with this heading. */
function snippet(heading: string): string {
  const section = readme.split(`\n## ${heading}\n`)[1]?.split('\n## ')[0];
  const code = section && /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  if (!code) throw new Error(`README has no ts block under "## ${heading}"`);
  return code;
}

describe('the README', () => {
  it('reads in five minutes: at most 300 lines, the rest in docs/', () => {
    expect(readme.split('\n').length).toBeLessThanOrEqual(300);
  });
});

describe('README snippets', () => {
  it('the first handler and the Worker compile under strict', () => {
    writeFileSync(path.join(dir, 'handler.ts'), snippet('A first handler'));
    writeFileSync(path.join(dir, 'worker.ts'), snippet('Cloudflare Workers'));
    const src = (p: string) => [path.join(root, 'src', p)];
    writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({
      compilerOptions: {
        strict: true, noEmit: true, target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', lib: ['ES2022'], types: ['node'], skipLibCheck: true,
        paths: { warmpool: src('index.ts'), 'warmpool/lambda': src('lambda/index.ts'), 'warmpool/worker': src('worker/index.ts') },
      },
      files: ['handler.ts', 'worker.ts'],
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
