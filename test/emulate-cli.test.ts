import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { LambdaEmulator } from '../packages/cli/src/emulator/emulator.js';

// `warmpool emulate` run as a user runs it, on a project laid out as the README's SAM example:
// the handler's source comes from the esbuild EntryPoints, a --runtime command is checked against
// the functions it would serve, and a WebSocket proxy URL without /v2 is named at startup.

const run = promisify(execFile);
const CLI = path.resolve(import.meta.dirname, '../packages/cli/src/cli.ts');
const TSX = path.resolve(import.meta.dirname, '../node_modules/.bin/tsx');
const ALT_RUNTIME = path.resolve(import.meta.dirname, 'support/alt-runtime.mjs');

const project = mkdtempSync(path.join(os.tmpdir(), 'warmpool-emulate-cli-'));
afterAll(() => rmSync(project, { recursive: true, force: true }));
mkdirSync(path.join(project, 'functions'));
writeFileSync(path.join(project, 'functions/get-item.ts'), "export const handler = async (event: { id: string }) => ({ from: 'get-item', id: event.id });\n");
writeFileSync(path.join(project, 'functions/create-order.ts'), "export const handler = async () => ({ from: 'create-order' });\n");
// A runtime client installed in the project, as `npm install --save-dev aws-lambda-ric` would put its bin.
mkdirSync(path.join(project, 'node_modules/.bin'), { recursive: true });
writeFileSync(path.join(project, 'node_modules/.bin/project-ric'), `#!/bin/sh\nexec "${process.execPath}" "${ALT_RUNTIME}" "$@"\n`);
chmodSync(path.join(project, 'node_modules/.bin/project-ric'), 0o755);
const template = path.join(project, 'template.yaml');
writeFileSync(
  template,
  `Transform: AWS::Serverless-2016-10-31
Resources:
  ItemFunction:
    Type: AWS::Serverless::Function
    Properties:
      Handler: get-item.handler
      Runtime: nodejs22.x
      Environment:
        Variables:
          WARMPOOL_WS_PROXY: ws://127.0.0.1:4444
    Metadata:
      BuildMethod: esbuild
      BuildProperties:
        Target: node22
        EntryPoints: [functions/get-item.ts]
  OrderFunction:
    Type: AWS::Serverless::Function
    Properties:
      Handler: create-order.handler
      Runtime: nodejs22.x
    Metadata:
      BuildMethod: esbuild
      BuildProperties:
        EntryPoints: [functions/create-order.ts]
`,
);

async function emulate(args: string[]): Promise<{ code: number; out: string; err: string }> {
  try {
    const { stdout, stderr } = await run(TSX, [CLI, 'emulate', '--config', template, '--quiet', ...args], { cwd: project });
    return { code: 0, out: stdout, err: stderr };
  } catch (e) {
    const failed = e as { code: number; stdout: string; stderr: string };
    return { code: failed.code, out: failed.stdout, err: failed.stderr };
  }
}

describe('warmpool emulate on a SAM template built with esbuild', () => {
  it('runs the handler from the source its EntryPoints name', async () => {
    const { code, out, err } = await emulate(['--invoke', 'ItemFunction', '--event', '{"id":"42"}']);
    expect(err).not.toMatch(/Cannot find module|no .*get-item/);
    expect(code).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ ok: true, payload: { from: 'get-item', id: '42' } });
  });

  it('names the fix for a WebSocket proxy URL without /v2', async () => {
    const { err } = await emulate(['--invoke', 'OrderFunction']);
    expect(err).toContain(
      'warning: function ItemFunction: WARMPOOL_WS_PROXY ws://127.0.0.1:4444/ is not a WebSocket endpoint: a warmpool gateway serves WebSockets at /v2 and refuses other paths, and the connect error then reads "[object Object]". Set WARMPOOL_WS_PROXY=ws://127.0.0.1:4444/v2',
    );
  });
});

describe('warmpool emulate --runtime', () => {
  it('refuses a handler written into the command when it would serve several functions', async () => {
    const { code, err } = await emulate(['--runtime', `${process.execPath} ${ALT_RUNTIME} functions/get-item.handler`, '--invoke', 'OrderFunction']);
    expect(code).toBe(1);
    expect(err).toContain('names the handler functions/get-item.handler, so it would serve every function (ItemFunction, OrderFunction)');
    expect(err).toContain(`--runtime "${process.execPath} ${ALT_RUNTIME} {handler}"`);
  });

  it("gives each function its own handler in place of {handler}", async () => {
    const { code, out } = await emulate(['--runtime', `${process.execPath} ${ALT_RUNTIME} {handler}`, '--invoke', 'OrderFunction']);
    expect(code).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ ok: true, payload: { runtime: 'alternative', argv: ['functions/create-order.handler'], handler: 'functions/create-order.handler' } });
  });

  it('runs a handler written into the command when only that function is selected', async () => {
    const { code, out } = await emulate(['--functions', 'ItemFunction', '--runtime', `${process.execPath} ${ALT_RUNTIME} functions/get-item.handler`, '--invoke', 'ItemFunction']);
    expect(code).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ ok: true, payload: { argv: ['functions/get-item.handler'] } });
  });

  it("finds a runtime client installed in the project, though the command runs in the bundle's directory", async () => {
    const { code, out } = await emulate(['--runtime', 'project-ric {handler}', '--invoke', 'OrderFunction']);
    expect(code).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ ok: true, payload: { runtime: 'alternative', argv: ['functions/create-order.handler'] } });
  });

  it('warns that npx cannot see the project from there', async () => {
    const emulator = await LambdaEmulator.create({
      functions: [{ name: 'f', handler: 'functions/create-order.handler' }],
      root: project,
      runtimeCommand: ['npx', 'project-ric', '{handler}'],
    });
    try {
      expect(emulator.warnings).toContain(
        '--runtime "npx project-ric {handler}": npx runs in the bundle\'s directory, outside this project, and cannot see its packages; drop npx (--runtime "project-ric {handler}"): the project\'s node_modules/.bin is on the command\'s PATH',
      );
    } finally {
      await emulator.close();
    }
  });

  it('names the absolute path for a runtime script of the project given relative to it', async () => {
    writeFileSync(path.join(project, 'my-runtime.mjs'), '');
    const emulator = await LambdaEmulator.create({
      functions: [{ name: 'f', handler: 'functions/create-order.handler' }],
      root: project,
      runtimeCommand: ['node', 'my-runtime.mjs', '{handler}'],
    });
    try {
      expect(emulator.warnings).toContain(
        `--runtime "node my-runtime.mjs {handler}": the command runs in the bundle's directory, outside this project, where my-runtime.mjs cannot be found; write the absolute path (--runtime "node ${path.join(project, 'my-runtime.mjs')} {handler}")`,
      );
    } finally {
      await emulator.close();
    }
  });
});
