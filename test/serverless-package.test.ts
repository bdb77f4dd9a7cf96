import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseUrl } from './support/env.js';
import { readZip } from './support/zip.js';

/**
 * Runs the real `osls package` (serverless-esbuild bundling, no AWS access) and checks what would
 * be uploaded: one zip per function holding a self-contained ESM bundle, and the CloudFormation
 * template. Then loads the bundles with plain Node, outside the repository, as Lambda would.
 */

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));

const FUNCTIONS = {
  getItem: { file: 'functions/get-item.mjs', route: 'GET /items/{id}', reserved: 20 },
  createOrder: { file: 'functions/create-order.mjs', route: 'POST /orders', reserved: 10 },
  health: { file: 'functions/health.mjs', route: 'GET /health', reserved: 2 },
  migrate: { file: 'functions/migrate.mjs', route: null, reserved: 1 },
} as const;

interface CfnResource {
  Type: string;
  Properties: Record<string, any>;
}

let workDir: string;
let outDir: string;
let packageMs: number;
let template: { Resources: Record<string, CfnResource> };
/** Function name → zip entries. */
const zips = new Map<string, Map<string, Buffer>>();
/** Function name → its bundled handler file. */
const bundles = new Map<string, Buffer>();

/** Plain env for child processes: no AWS credentials, no vitest or tsx loaders. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, AWS_EC2_METADATA_DISABLED: 'true', ...extra };
}

beforeAll(async () => {
  workDir = mkdtempSync(path.join(tmpdir(), 'warmpool-sls-'));
  outDir = path.join(workDir, 'package');
  const started = Date.now();
  // DATABASE_URL is deliberately absent: packaging must not need it (nor AWS credentials).
  await run(path.join(root, 'node_modules/.bin/osls'), ['package', '--stage', 'dev', '--package', outDir], {
    cwd: root,
    env: childEnv({}),
    timeout: 180_000,
  });
  packageMs = Date.now() - started;
  console.info(`osls package took ${packageMs} ms`);
  template = JSON.parse(readFileSync(path.join(outDir, 'cloudformation-template-update-stack.json'), 'utf8'));
  for (const [name, fn] of Object.entries(FUNCTIONS)) {
    const entries = readZip(path.join(outDir, `${name}.zip`));
    zips.set(name, entries);
    const code = entries.get(fn.file);
    if (code) bundles.set(name, code);
  }
}, 200_000);

afterAll(() => {
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe('osls package (offline)', () => {
  it.each(Object.entries(FUNCTIONS))('%s.zip holds one self-contained ESM bundle', (name, fn) => {
    expect([...zips.get(name)!.keys()].sort()).toEqual([fn.file, `${fn.file}.map`]);
    const code = bundles.get(name)!.toString('utf8');

    expect(code).toMatch(/^export \{[^}]*\bhandler\b[^}]*\};?\s*(\/\/# sourceMappingURL=.*)?$/m);
    expect(code).toContain('createRequire'); // the banner
    // postgres.js and warmpool are compiled in, not loaded from node_modules at run time.
    expect(code).toContain('// node_modules/postgres/src/connection.js');
    expect(code).toContain('// src/pool/pool.ts');
    const imported = [...code.matchAll(/^import\s[^;]*?from\s*["']([^"']+)["']/gm)].map((m) => m[1]);
    expect(imported.length).toBeGreaterThan(0);
    for (const specifier of imported) {
      expect(builtinModules.includes(specifier.replace(/^node:/, '')), `import of "${specifier}"`).toBe(true);
    }
    expect(code).not.toMatch(/require\(["'](postgres|pg)["']\)/);
  });

  it('compiles each function for nodejs22.x on arm64 with reserved concurrency', () => {
    const functions = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function');
    expect(functions).toHaveLength(Object.keys(FUNCTIONS).length);
    for (const [name, fn] of Object.entries(FUNCTIONS)) {
      const resource = functions.find((r) => r.Properties.FunctionName === `warmpool-samples-dev-${name}`);
      expect(resource, name).toBeDefined();
      const props = resource!.Properties;
      expect(props.Runtime).toBe('nodejs22.x');
      expect(props.Architectures).toEqual(['arm64']);
      expect(props.Handler).toBe(fn.file.replace(/\.mjs$/, '.handler'));
      expect(props.ReservedConcurrentExecutions).toBe(fn.reserved);
      expect(props.Code.S3Key).toMatch(new RegExp(`/${name}\\.zip$`));
      // Resolved by CloudFormation during the deploy: no URL or password in the package.
      expect(props.Environment.Variables.DATABASE_URL).toBe('{{resolve:ssm:/warmpool/database-url}}');
      expect(props.Environment.Variables.WARMPOOL_MAX).toBe('1');
    }
  });

  it('routes the HTTP API to every function but migrate', () => {
    const routes = Object.values(template.Resources)
      .filter((r) => r.Type === 'AWS::ApiGatewayV2::Route')
      .map((r) => r.Properties.RouteKey)
      .sort();
    const expected = Object.values(FUNCTIONS).flatMap((fn) => (fn.route ? [fn.route] : [])).sort();
    expect(routes).toEqual(expected);
  });

  it('took a reasonable time', () => {
    expect(packageMs).toBeLessThan(120_000);
  });
});

describe('bundles loaded by plain Node, outside the repository', () => {
  /** Writes the bundles where no node_modules can be found and runs `script` there as an ES module. */
  async function runNode(script: string, env: Record<string, string>): Promise<string> {
    const dir = path.join(workDir, 'task');
    for (const [name, code] of bundles) {
      const file = path.join(dir, FUNCTIONS[name as keyof typeof FUNCTIONS].file);
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, code);
    }
    writeFileSync(path.join(dir, 'main.mjs'), script);
    const { stdout } = await run(process.execPath, ['main.mjs'], { cwd: dir, env: childEnv(env), timeout: 30_000 });
    return stdout;
  }

  it('imports every handler without connecting', async () => {
    expect(bundles.size).toBe(Object.keys(FUNCTIONS).length);
    // A pool that connected at import would show up here as a TCP connection.
    let connections = 0;
    const server = net.createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    try {
      const stdout = await runNode(
        `const files = ${JSON.stringify(Object.values(FUNCTIONS).map((fn) => fn.file))};
         const types = [];
         for (const file of files) types.push(typeof (await import('./' + file)).handler);
         await new Promise((r) => setTimeout(r, 200));
         console.log(JSON.stringify(types));`,
        { DATABASE_URL: `postgres://nobody@127.0.0.1:${port}/nothing` },
      );
      expect(JSON.parse(stdout)).toEqual(['function', 'function', 'function', 'function']);
      expect(connections).toBe(0);
    } finally {
      server.close();
    }
  });

  it('answers GET /health from the bundled handler, reusing the connection when warm', async () => {
    const event = { version: '2.0', routeKey: 'GET /health', rawPath: '/health', rawQueryString: '', headers: {}, isBase64Encoded: false, requestContext: { requestId: 'r1', http: { method: 'GET', path: '/health' } } };
    const stdout = await runNode(
      `const { handler } = await import('./functions/health.mjs');
       const results = [];
       for (let i = 0; i < 2; i++) {
         const context = { getRemainingTimeInMillis: () => 10000, callbackWaitsForEmptyEventLoop: true, awsRequestId: 'x', functionName: 'health' };
         const response = await handler(${JSON.stringify(event)}, context);
         results.push({ response, waits: context.callbackWaitsForEmptyEventLoop });
       }
       console.log(JSON.stringify(results));
       process.exit(0); // the pool's socket stays open, as in a warm container`,
      { DATABASE_URL: databaseUrl(), AWS_LAMBDA_FUNCTION_NAME: 'health' },
    );
    const [cold, warm] = JSON.parse(stdout) as { response: { statusCode: number; body: string }; waits: boolean }[];
    expect(cold.response.statusCode).toBe(200);
    expect(cold.waits).toBe(false);
    expect(JSON.parse(cold.response.body)).toMatchObject({ ok: true, runtime: 'lambda', transport: 'tcp', stats: { created: 1 } });
    expect(warm.response.statusCode).toBe(200);
    expect(JSON.parse(warm.response.body)).toMatchObject({ ok: true, stats: { created: 1, reused: 1, open: 1 } });
  });
});
