import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseGatewayArgs } from '../packages/gateway/src/cli.js';
import { resolveGatewayOptions } from '../packages/gateway/src/options.js';
import { rawRequest, startTestGateway } from './gateway-support.js';

// packages/gateway/Dockerfile, checked without Docker: its instructions, that its entrypoint is
// the package's bin, that its arguments are options the gateway accepts, and that its health
// check asks a route the gateway serves.

const root = fileURLToPath(new URL('..', import.meta.url));
const text = readFileSync(`${root}packages/gateway/Dockerfile`, 'utf8');
const pkg = JSON.parse(readFileSync(`${root}packages/gateway/package.json`, 'utf8')) as { name: string; bin: Record<string, string> };

/** Instructions with their continuation lines joined, comments dropped. */
const instructions = text
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'))
  .map((l) => {
    const [keyword, ...rest] = l.split(/\s+/);
    return { keyword: keyword.toUpperCase(), args: rest.join(' ') };
  });
const all = (keyword: string) => instructions.filter((i) => i.keyword === keyword).map((i) => i.args);
const one = (keyword: string) => {
  const found = all(keyword);
  expect(found, keyword).toHaveLength(1);
  return found[0];
};
/** The JSON (exec) form of an instruction's arguments. */
const exec = (args: string) => JSON.parse(args.replace(/^CMD\s+/, '')) as string[];

describe('the gateway container image recipe', () => {
  it('is multi-stage, on a supported Node slim image, and runs as a user other than root', () => {
    const froms = all('FROM');
    expect(froms.length).toBeGreaterThanOrEqual(2);
    for (const from of froms) expect(from).toMatch(/^node:(22|24)-slim\b/);
    const user = one('USER');
    expect(user).not.toMatch(/^(root|0)(:|$)/);
    expect(one('STOPSIGNAL')).toBe('SIGTERM');
  });

  it("runs the package's own bin, with arguments the gateway accepts, on the port it exposes", () => {
    const entrypoint = exec(one('ENTRYPOINT'));
    expect(entrypoint[0]).toBe('node');
    const bin = pkg.bin['warmpool-gateway'].replace(/^\.\//, '');
    expect(entrypoint[1]).toBe(`/app/node_modules/${pkg.name}/${bin}`);
    expect(existsSync(`${root}packages/gateway/src/${bin.replace(/^dist\//, '').replace(/\.js$/, '.ts')}`)).toBe(true);

    const options = parseGatewayArgs(exec(one('CMD')), { WARMPOOL_UPSTREAM: 'postgres://db.internal:5432/app' });
    expect(options).not.toBe('help');
    const config = resolveGatewayOptions(options as Exclude<typeof options, 'help'>);
    expect(config.host).toBe('0.0.0.0');
    expect(one('EXPOSE')).toBe(String(config.port));
    expect(config.logFormat).toBe('json');
  });

  it('copies only paths that exist in the repository', () => {
    for (const copy of all('COPY').filter((c) => !c.startsWith('--from'))) {
      const sources = copy.split(/\s+/).slice(0, -1);
      for (const source of sources) expect(existsSync(`${root}${source}`), source).toBe(true);
    }
  });

  it('health-checks a route the gateway serves, on the exposed port', async () => {
    const check = one('HEALTHCHECK');
    const url = /http:\/\/127\.0\.0\.1:(\d+)(\/[a-z]+)/.exec(check);
    expect(url).not.toBeNull();
    expect(url![1]).toBe(one('EXPOSE'));
    const gw = await startTestGateway();
    try {
      expect((await rawRequest(gw, { method: 'GET', path: url![2] })).status).toBe(200);
    } finally {
      await gw.close();
    }
  });
});
