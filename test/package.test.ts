import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { databaseUrl } from './support/env.js';

// Packs the library as npm would publish it, installs the tarball into a scratch project and
// imports it by name from plain JavaScript.

const root = fileURLToPath(new URL('..', import.meta.url));
/** Without the suite's `warmpool-source` condition: the installed package resolves to its dist/. */
const { NODE_OPTIONS: _conditions, ...env } = process.env;
const scratch = mkdtempSync(path.join(os.tmpdir(), 'warmpool-pack-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('the published package', () => {
  it('builds, packs and works when imported by name', () => {
    execFileSync('npm', ['pack', '--pack-destination', scratch], { cwd: root, stdio: 'pipe' });
    const tarball = readdirSync(scratch).find((f) => f.endsWith('.tgz'))!;
    const installed = path.join(scratch, 'node_modules', 'warmpool');
    mkdirSync(installed, { recursive: true });
    execFileSync('tar', ['-xzf', path.join(scratch, tarball), '-C', installed, '--strip-components=1']);
    // The one runtime dependency, taken from this checkout instead of the registry.
    symlinkSync(path.join(root, 'node_modules', 'postgres'), path.join(scratch, 'node_modules', 'postgres'));
    writeFileSync(path.join(scratch, 'check.mjs'), `
      import { createPool, WarmpoolError } from 'warmpool';
      import { withPool } from 'warmpool/lambda';
      import { warmpool } from 'warmpool/middy';
      const db = createPool({ connectionString: process.env.DATABASE_URL, applicationName: 'packed' });
      const handler = withPool(db, async () => db.sql\`select 1 + \${1}::int as two\`);
      const rows = await handler({}, { getRemainingTimeInMillis: () => 5000 });
      console.log(JSON.stringify({ rows, error: typeof WarmpoolError, middy: typeof warmpool, stats: db.stats().created }));
      await db.end();
    `);
    const out = execFileSync('node', ['check.mjs'], { cwd: scratch, env: { ...env, DATABASE_URL: databaseUrl() } }).toString();
    expect(JSON.parse(out)).toEqual({ rows: [{ two: 2 }], error: 'function', middy: 'function', stats: 1 });
    const files = execFileSync('tar', ['-tzf', path.join(scratch, tarball)]).toString();
    expect(files).toContain('package/dist/index.d.ts');
    expect(files).toContain('package/dist/lambda/index.d.ts');
    expect(files).toContain('package/dist/otel/index.d.ts');
    expect(files).not.toContain('package/src/');
    expect(files).not.toContain('package/dist/cli.js');
    expect(files).not.toContain('testing');
    // The README's links lead to docs/, which ships; its pictures stay in the repository.
    expect(files).toContain('package/docs/lambda.md');
    expect(files).not.toMatch(/\.png$/m);
  });
});
