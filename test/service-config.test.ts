import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { readServiceConfig } from '../packages/cli/src/emulator/service-config.js';
import { readServerlessConfig } from '../packages/cli/src/emulator/serverless-config.js';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const dir = mkdtempSync(path.join(os.tmpdir(), 'warmpool-sam-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TEMPLATE = `
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Parameters:
  DatabaseUrl:
    Type: String
  Stage:
    Type: String
    Default: dev
Globals:
  Function:
    Runtime: nodejs22.x
    Timeout: 10
    MemorySize: 512
    Environment:
      Variables:
        DATABASE_URL: !Ref DatabaseUrl
        STAGE: !Sub 'app-\${Stage}-\${AWS::Region}'
Resources:
  GetItemFunction:
    Type: AWS::Serverless::Function
    Metadata:
      BuildMethod: esbuild
      BuildProperties:
        EntryPoints: [get-item.ts]
    Properties:
      CodeUri: functions/
      Handler: get-item.handler
      ReservedConcurrentExecutions: 20
      Role: !GetAtt AppRole.Arn
      Environment:
        Variables:
          WARMPOOL_MAX: 1
          TABLE: !Join ['-', [items, !Ref Stage]]
          SECRET: '{{resolve:ssm:/app/secret}}'
      Events:
        Get:
          Type: HttpApi
          Properties:
            Path: /items/{id}
            Method: get
        Queue:
          Type: SQS
          Properties:
            Queue: !GetAtt Queue.Arn
  MigrateFunction:
    Type: AWS::Serverless::Function
    Properties:
      Handler: functions/migrate.handler
      Timeout: 60
  AppRole:
    Type: AWS::IAM::Role
`;

describe('AWS SAM template.yaml', () => {
  it('gives handlers under CodeUri, Globals, limits, environment and HttpApi routes', async () => {
    const file = path.join(dir, 'template.yaml');
    writeFileSync(file, TEMPLATE);
    const service = await readServiceConfig(file, { DatabaseUrl: 'postgres://u:p@h/d' });
    expect(service.root).toBe(dir);
    const byName = Object.fromEntries(service.functions.map((f) => [f.name, f]));
    expect(Object.keys(byName)).toEqual(['GetItemFunction', 'MigrateFunction']);
    expect(byName.GetItemFunction).toMatchObject({
      handler: 'functions/get-item.handler', timeoutMs: 10_000, memoryMb: 512, reservedConcurrency: 20, routes: ['GET /items/{id}'],
      environment: { DATABASE_URL: 'postgres://u:p@h/d', STAGE: 'app-dev-us-east-1', WARMPOOL_MAX: '1', TABLE: 'items-dev' },
    });
    expect(byName.MigrateFunction).toMatchObject({ handler: 'functions/migrate.handler', timeoutMs: 60_000, routes: [] });
    expect(service.unresolved).toEqual(['GetItemFunction.SECRET']);
  });

  it('leaves a parameter without a value to the environment', async () => {
    const file = path.join(dir, 'template.yaml');
    writeFileSync(file, TEMPLATE);
    const service = await readServiceConfig(file);
    expect(service.unresolved).toEqual(expect.arrayContaining(['GetItemFunction.DATABASE_URL', 'MigrateFunction.DATABASE_URL']));
    expect(service.functions[0].environment).not.toHaveProperty('DATABASE_URL');
  });

  it('takes the handler from esbuild EntryPoints, as sam build bundles them (the README layout)', async () => {
    const file = path.join(dir, 'esbuild.yaml');
    writeFileSync(
      file,
      `Resources:
  ItemFunction:
    Type: AWS::Serverless::Function
    Properties:
      Handler: get-item.handler
      Runtime: nodejs22.x
    Metadata:
      BuildMethod: esbuild
      BuildProperties:
        EntryPoints: [functions/get-item.ts]
  OrderFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: orders/create.handler
    Metadata:
      BuildMethod: esbuild
      BuildProperties:
        EntryPoints: [handlers/items/get.ts, handlers/orders/create.ts]
`,
    );
    const service = await readServiceConfig(file);
    expect(service.root).toBe(dir);
    expect(service.functions.map((f) => f.handler)).toEqual(['functions/get-item.handler', 'src/handlers/orders/create.handler']);
  });

  it('refuses a Handler that names no bundle of the esbuild EntryPoints', async () => {
    const file = path.join(dir, 'esbuild-mismatch.yaml');
    writeFileSync(
      file,
      'Resources:\n  ItemFunction:\n    Type: AWS::Serverless::Function\n    Properties:\n      Handler: index.handler\n' +
        '    Metadata:\n      BuildMethod: esbuild\n      BuildProperties:\n        EntryPoints: [functions/get-item.ts]\n',
    );
    await expect(readServiceConfig(file)).rejects.toThrow(
      'function ItemFunction: Handler index.handler names the module index, but sam build bundles EntryPoints [functions/get-item.ts] to get-item.js; name one of those in Handler (e.g. get-item.handler)',
    );
  });

  it('refuses a function that is not Node.js', async () => {
    const file = path.join(dir, 'python.yaml');
    writeFileSync(file, 'Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      Handler: app.handler\n      Runtime: python3.12\n');
    await expect(readServiceConfig(file)).rejects.toThrow(/Runtime python3.12/);
  });
});

describe('serverless.yml through the same reader', () => {
  it('reads as readServerlessConfig does', async () => {
    const file = `${repoRoot}/serverless.yml`;
    expect(await readServiceConfig(file, { databaseUrl: 'x' })).toEqual(await readServerlessConfig(file, { databaseUrl: 'x' }));
  });
});
