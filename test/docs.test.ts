import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

// The README and docs/ as a user meets them: every ```ts block compiled as a user's project
// compiles it (strict, NodeNext, warmpool imported by name, resolved to the sources here), and
// every relative link and #anchor resolving, to a file the package ships when the page ships.
//
// A block preceded by `<!-- not compiled: why -->` is a fragment and is skipped. Imports of the
// packages in NOT_INSTALLED may fail to resolve (they are not dependencies of this repository);
// the rest of such a block is still checked, with their exports typed `any`.

const root = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { files: string[] };
/** The pages the package ships, which may link only to what it ships. */
const shipped = ['README.md', ...readdirSync(path.join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
/** Pages of the repository only: their links must resolve, anywhere in the checkout. */
const repositoryOnly = ['CONTRIBUTING.md', 'bench/README.md'];

const NOT_INSTALLED = [
  '@opentelemetry/exporter-trace-otlp-http',
  '@aws-lambda-powertools/logger',
  '@aws-lambda-powertools/metrics',
  '@aws-lambda-powertools/tracer',
  '@vercel/functions',
];

interface Block { page: string; line: number; code: string; skip?: string }

/** Lines outside fenced code, with their numbers, and the fenced blocks. */
function parse(page: string): { prose: { line: number; text: string }[]; blocks: Block[] } {
  const lines = readFileSync(path.join(root, page), 'utf8').split('\n');
  const prose: { line: number; text: string }[] = [];
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const fence = /^```(\S*)/.exec(lines[i]!);
    if (!fence) {
      prose.push({ line: i + 1, text: lines[i]! });
      continue;
    }
    const start = i;
    const body: string[] = [];
    while (++i < lines.length && !lines[i]!.startsWith('```')) body.push(lines[i]!);
    if (fence[1] === 'ts' || fence[1] === 'typescript') {
      const skip = /^<!-- not compiled: (.+) -->$/.exec(lines[start - 1] ?? '')?.[1];
      blocks.push({ page, line: start + 1, code: body.join('\n') + '\n', skip });
    }
  }
  return { prose, blocks };
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to dashes, repeats numbered. */
function anchors(page: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const { text } of parse(page).prose) {
    const heading = /^#{1,6} (.+)$/.exec(text)?.[1];
    if (!heading) continue;
    const slug = heading.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    out.add(n ? `${slug}-${n}` : slug);
  }
  return out;
}

const dir = mkdtempSync(path.join(root, '.docs-snippets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the docs', () => {
  it('compile: every TypeScript block under strict', async () => {
    const blocks = shipped.flatMap((page) => parse(page).blocks);
    const compiled = blocks.filter((b) => !b.skip);
    expect(compiled.length).toBeGreaterThan(12);
    // What the examples import beside warmpool: a Drizzle schema, a Kysely interface, a Prisma client.
    for (const f of ['schema.ts', 'db.ts']) copyFileSync(path.join(root, 'test/docs-fixtures', f), path.join(dir, f));
    const prismaSchema = readFileSync(path.join(root, 'test/prisma/schema.prisma'), 'utf8').replace('output       = "./client"', 'output       = "./generated/prisma"');
    writeFileSync(path.join(dir, 'schema.prisma'), prismaSchema);
    await promisify(execFile)(path.join(root, 'node_modules/.bin/prisma'), ['generate', '--schema', path.join(dir, 'schema.prisma')], {
      cwd: dir,
      env: { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: '/bin/false', PRISMA_HIDE_UPDATE_MESSAGE: '1', CHECKPOINT_DISABLE: '1' },
    });
    const names = new Map<string, Block>();
    for (const block of compiled) {
      const name = `${block.page.replace(/\W+/g, '-')}-${block.line}.ts`;
      names.set(name, block);
      writeFileSync(path.join(dir, name), block.code);
    }
    writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({
      compilerOptions: {
        strict: true, noEmit: true, target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', lib: ['ES2022'],
        types: ['node'], skipLibCheck: true, customConditions: ['warmpool-source'],
      },
      files: [...names.keys()],
    }));
    let output = '';
    try {
      await promisify(execFile)(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', dir], { encoding: 'utf8' });
    } catch (err) {
      output = (err as { stdout: string }).stdout;
    }
    const missing = new RegExp(`error TS2307: Cannot find module '(${NOT_INSTALLED.join('|')})'`);
    const errors = output.split('\n').filter((l) => l.includes('error TS') && !missing.test(l)).map((l) => {
      const [file, rest] = [path.basename(l.slice(0, l.indexOf('('))), l.slice(l.indexOf('('))];
      const block = names.get(file);
      const at = /^\((\d+),/.exec(rest);
      return block && at ? `${block.page}:${block.line + Number(at[1])} ${rest.replace(/^\(\d+,\d+\): /, '')}` : l;
    });
    expect(errors).toEqual([]);
  }, 180_000);

  it('say why each block left out is left out', () => {
    const skipped = shipped.flatMap((page) => parse(page).blocks).filter((b) => b.skip);
    for (const b of skipped) expect(b.skip!.length, `${b.page}:${b.line}`).toBeGreaterThan(10);
  });

  it('link only to pages and anchors that exist, and shipped pages only to shipped files', () => {
    const broken: string[] = [];
    for (const page of [...shipped, ...repositoryOnly]) {
      for (const { line, text } of parse(page).prose) {
        const prose = text.replace(/`[^`]*`/g, '');
        for (const [, target] of prose.matchAll(/\]\(([^)\s]+)\)/g)) {
          if (/^[a-z]+:/.test(target!)) continue;
          const [file, anchor] = target!.split('#') as [string, string | undefined];
          const resolved = file ? path.relative(root, path.resolve(path.dirname(path.join(root, page)), file)) : page;
          const where = `${page}:${line} ${target}`;
          if (!existsSync(path.join(root, resolved))) broken.push(`${where}: no file ${resolved}`);
          else if (anchor !== undefined && !anchors(resolved).has(anchor)) broken.push(`${where}: no heading #${anchor} in ${resolved}`);
          else if (shipped.includes(page) && !pkg.files.some((f) => resolved === f || resolved.startsWith(`${f}/`))) {
            broken.push(`${where}: ${resolved} is not in the package's files`);
          }
        }
      }
    }
    expect(broken).toEqual([]);
  });
});
