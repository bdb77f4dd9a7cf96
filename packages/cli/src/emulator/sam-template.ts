/**
 * Function definitions from an AWS SAM template (template.yaml): every `AWS::Serverless::Function`
 * with its Handler (under CodeUri), Timeout, MemorySize, ReservedConcurrentExecutions,
 * Environment.Variables and HttpApi events, over `Globals.Function`. With `Metadata.BuildMethod:
 * esbuild`, the handler's module is the source file among `BuildProperties.EntryPoints` that
 * sam build bundles to it.
 *
 * CloudFormation's short tags (!Ref, !Sub, …) parse as their long forms. Offline, `Ref` and
 * `Fn::Sub` resolve from the template's Parameters (the given params over their Default) and the
 * pseudo parameters; anything else (`Fn::GetAtt`, `{{resolve:ssm:…}}`, …) needs AWS and is left
 * out, so the environment of the command must supply it (e.g. DATABASE_URL).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { FunctionDefinition } from './definitions.js';
import type { ServiceDefinition } from './serverless-config.js';

const INTRINSICS = ['Ref', 'Sub', 'GetAtt', 'Join', 'Select', 'Split', 'If', 'Equals', 'And', 'Or', 'Not', 'FindInMap', 'ImportValue', 'Base64', 'Cidr', 'GetAZs', 'Condition', 'Transform'];

type Tag = { tag: string; collection?: 'seq' | 'map'; resolve(value: never): unknown };

/** Each short tag in its scalar, sequence and mapping form, parsed to CloudFormation's long form. */
function cloudFormationTags(): Tag[] {
  return INTRINSICS.flatMap((name): Tag[] => {
    const key = name === 'Ref' || name === 'Condition' ? name : `Fn::${name}`;
    return [
      { tag: `!${name}`, resolve: (s: string) => ({ [key]: name === 'GetAtt' ? s.split('.') : s }) },
      { tag: `!${name}`, collection: 'seq', resolve: (seq: { toJSON(): unknown }) => ({ [key]: seq.toJSON() }) },
      { tag: `!${name}`, collection: 'map', resolve: (map: { toJSON(): unknown }) => ({ [key]: map.toJSON() }) },
    ];
  });
}

type Value = unknown;

interface RawProperties {
  CodeUri?: Value;
  Handler?: Value;
  Runtime?: Value;
  Timeout?: Value;
  MemorySize?: Value;
  ReservedConcurrentExecutions?: Value;
  Environment?: { Variables?: Record<string, Value> };
  Events?: Record<string, { Type?: string; Properties?: { Path?: Value; Method?: Value } }>;
}

interface RawMetadata {
  BuildMethod?: Value;
  BuildProperties?: { EntryPoints?: Value };
}

interface RawTemplate {
  Parameters?: Record<string, { Default?: Value }>;
  Globals?: { Function?: RawProperties };
  Resources?: Record<string, { Type?: string; Properties?: RawProperties; Metadata?: RawMetadata }>;
}

/** True when the parsed document looks like a SAM/CloudFormation template. */
export function isSamTemplate(raw: unknown): boolean {
  const doc = raw as { Resources?: unknown; AWSTemplateFormatVersion?: unknown; Transform?: unknown } | null;
  return !!doc && typeof doc === 'object' && (doc.Resources !== undefined || doc.AWSTemplateFormatVersion !== undefined || doc.Transform !== undefined);
}

export async function parseTemplateYaml(text: string): Promise<unknown> {
  const YAML = (await import('yaml')).default;
  return YAML.parse(text, { customTags: cloudFormationTags() as never });
}

export async function readSamTemplate(file: string, params: Record<string, string> = {}): Promise<ServiceDefinition> {
  const raw = (await parseTemplateYaml(await readFile(file, 'utf8'))) as RawTemplate;
  return samFunctions(raw, file, params);
}

export function samFunctions(raw: RawTemplate, file: string, params: Record<string, string>): ServiceDefinition {
  const values: Record<string, string> = { 'AWS::Region': 'us-east-1', 'AWS::AccountId': '123456789012', 'AWS::StackName': 'local', 'AWS::Partition': 'aws', 'AWS::URLSuffix': 'amazonaws.com' };
  for (const [name, p] of Object.entries(raw.Parameters ?? {})) {
    const value = params[name] ?? (p?.Default === undefined ? undefined : String(p.Default));
    if (value !== undefined) values[name] = value;
  }
  const resolve = (value: Value): string | undefined => resolveIntrinsic(value, values);
  const number = (value: Value): number | undefined => {
    const text = value === undefined ? undefined : resolve(value);
    const n = Number(text);
    return text !== undefined && Number.isFinite(n) ? n : undefined;
  };
  const templateDir = path.dirname(path.resolve(file));
  const globals = raw.Globals?.Function ?? {};
  const unresolved: string[] = [];
  const functions: FunctionDefinition[] = [];
  for (const [name, resource] of Object.entries(raw.Resources ?? {})) {
    if (resource?.Type !== 'AWS::Serverless::Function') continue;
    const props = { ...globals, ...resource.Properties };
    const handler = resolve(props.Handler);
    if (!handler) throw new Error(`${file}: function ${name} has no Handler`);
    const runtime = resolve(props.Runtime);
    if (runtime && !runtime.startsWith('nodejs')) throw new Error(`${file}: function ${name} has Runtime ${runtime}; the emulator runs Node.js functions only`);
    const codeUri = typeof props.CodeUri === 'string' ? props.CodeUri : '.';
    const environment: Record<string, string> = {};
    const vars = { ...globals.Environment?.Variables, ...resource.Properties?.Environment?.Variables };
    for (const [key, value] of Object.entries(vars)) {
      const resolved = resolve(value);
      if (resolved === undefined || resolved.includes('{{resolve:')) unresolved.push(`${name}.${key}`);
      else environment[key] = resolved;
    }
    const routes = Object.values(props.Events ?? {})
      .filter((e) => e?.Type === 'HttpApi')
      .map((e) => `${(resolve(e.Properties?.Method) ?? 'ANY').toUpperCase().replace(/^ANY$/, '*')} ${resolve(e.Properties?.Path) ?? '/'}`);
    const reserved = number(props.ReservedConcurrentExecutions);
    const codeDir = path.resolve(templateDir, codeUri);
    functions.push({
      name,
      // Absolute for now: relative to the task root once every CodeUri is known.
      handler: esbuildHandler(resource.Metadata, codeDir, handler, `${file}: function ${name}`) ?? path.resolve(codeDir, handler),
      timeoutMs: (number(props.Timeout) ?? 3) * 1000,
      memoryMb: number(props.MemorySize) ?? 128,
      ...(runtime ? { runtime } : {}),
      ...(reserved !== undefined ? { reservedConcurrency: reserved } : {}),
      environment,
      routes,
    });
  }
  // A CodeUri may point above the template (../src): the task root is what holds them all.
  const root = functions.reduce((dir, f) => commonAncestor(dir, path.dirname(f.handler)), templateDir);
  for (const f of functions) f.handler = path.relative(root, f.handler).split(path.sep).join('/');
  return { service: path.basename(templateDir), root, functions, unresolved };
}

/**
 * With `BuildMethod: esbuild`, sam build bundles each of `EntryPoints` (relative to CodeUri) to a
 * `.js` file named by its path below the entries' common directory (esbuild's default outbase), and
 * the Handler names one of those files. Returns the handler pointed at that entry's source file,
 * undefined without esbuild metadata, and throws when no entry becomes the Handler's module (the
 * deployed function would fail with Runtime.ImportModuleError).
 */
export function esbuildHandler(metadata: RawMetadata | undefined, codeDir: string, handler: string, where: string): string | undefined {
  if (metadata?.BuildMethod !== 'esbuild') return undefined;
  const raw = metadata.BuildProperties?.EntryPoints;
  const entries = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).filter((e): e is string => typeof e === 'string' && e !== '');
  const dot = handler.lastIndexOf('.');
  if (entries.length === 0 || dot <= 0) return undefined;
  const module = path.posix.normalize(handler.slice(0, dot));
  const sources = entries.map((e) => path.resolve(codeDir, e));
  const outbase = sources.map((f) => path.dirname(f)).reduce(commonAncestor);
  const outputs = sources.map((f) => path.relative(outbase, f).split(path.sep).join('/').replace(/\.[^./]+$/, ''));
  const index = outputs.indexOf(module);
  if (index === -1) {
    throw new Error(
      `${where}: Handler ${handler} names the module ${module}, but sam build bundles EntryPoints [${entries.join(', ')}] to ${outputs.map((o) => `${o}.js`).join(', ')}; ` +
        `name one of those in Handler (e.g. ${outputs[0]}${handler.slice(dot)})`,
    );
  }
  return sources[index].replace(/\.[^./]+$/, '') + handler.slice(dot);
}

function commonAncestor(a: string, b: string): string {
  let dir = a;
  while (dir !== path.dirname(dir) && path.relative(dir, b).startsWith('..')) dir = path.dirname(dir);
  return dir;
}

/** A value with `Ref` and `Fn::Sub` resolved offline; undefined when it needs AWS. */
export function resolveIntrinsic(value: Value, values: Record<string, string>): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value !== 'object') return String(value);
  const node = value as Record<string, unknown>;
  if ('Ref' in node) return values[String(node.Ref)];
  if ('Fn::Sub' in node) {
    const arg = node['Fn::Sub'];
    const [template, extra] = Array.isArray(arg) ? [String(arg[0]), (arg[1] ?? {}) as Record<string, Value>] : [String(arg), {}];
    const local: Record<string, string | undefined> = {};
    for (const [k, v] of Object.entries(extra)) local[k] = resolveIntrinsic(v, values);
    let missing = false;
    const out = template.replace(/\$\{([^}!]+)\}/g, (_m, name: string) => {
      const v = name in local ? local[name] : values[name];
      if (v === undefined) missing = true;
      return v ?? '';
    });
    return missing ? undefined : out.replaceAll('${!', '${');
  }
  if ('Fn::Join' in node) {
    const [delimiter, list] = node['Fn::Join'] as [string, Value[]];
    const parts = (Array.isArray(list) ? list : []).map((v) => resolveIntrinsic(v, values));
    return parts.some((p) => p === undefined) ? undefined : parts.join(delimiter);
  }
  return undefined;
}
