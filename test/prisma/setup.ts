import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

/**
 * The Prisma client of test/prisma/schema.prisma, generated for a test run into a temporary
 * directory (with a node_modules link, so the client finds @prisma/client), and the schema's
 * tables created with SQL: `db push` and `migrate` need the schema engine, which is not installed.
 */

const root = fileURLToPath(new URL('../..', import.meta.url));

/** The generated module's exports the tests use; its model types exist only after generation. */
export interface PrismaModule {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  PrismaClient: new (options: { adapter: unknown }) => any;
  Prisma: { Decimal: new (value: string) => { toString(): string }; PrismaClientKnownRequestError: new (...args: never[]) => Error };
}

export interface GeneratedClient {
  dir: string;
  /** The module path, for a Lambda handler that imports it (PRISMA_CLIENT_MODULE). */
  modulePath: string;
  load(): Promise<PrismaModule>;
  remove(): Promise<void>;
}

export async function generateClient(): Promise<GeneratedClient> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'warmpool-prisma-'));
  await symlink(path.join(root, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  await writeFile(path.join(dir, 'schema.prisma'), await readFile(path.join(root, 'test/prisma/schema.prisma'), 'utf8'));
  // The CLI fetches a schema engine at start unless one is named; `generate` never runs it.
  await promisify(execFile)(path.join(root, 'node_modules/.bin/prisma'), ['generate', '--schema', path.join(dir, 'schema.prisma')], {
    cwd: dir,
    env: { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: '/bin/false', PRISMA_HIDE_UPDATE_MESSAGE: '1', CHECKPOINT_DISABLE: '1' },
  });
  const modulePath = path.join(dir, 'client/client.ts');
  return {
    dir,
    modulePath,
    load: () => import(pathToFileURL(modulePath).href) as Promise<PrismaModule>,
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** The tables of the schema (names prefixed: other test files share the database). */
export const SCHEMA_DDL = `
drop table if exists prisma_posts;
drop table if exists prisma_users;
drop type if exists prisma_role;
create type prisma_role as enum ('MEMBER', 'EDITOR', 'ADMIN');
create table prisma_users (
  id serial primary key,
  email text not null unique,
  name text,
  role prisma_role not null default 'MEMBER',
  roles prisma_role[],
  tags text[],
  scores int[],
  profile jsonb,
  balance numeric(12, 2) not null,
  visits bigint not null default 0,
  ratio double precision not null default 0,
  active boolean not null default true,
  uuid uuid not null,
  avatar bytea,
  birthday date,
  wake_at time(3),
  last_seen timestamp(3),
  created_at timestamptz(3) not null default now()
);
create table prisma_posts (
  id serial primary key,
  author_id int not null references prisma_users (id) on delete cascade,
  title text not null,
  body text,
  meta json not null default '{}',
  stamps timestamptz(3)[],
  published boolean not null default false,
  created_at timestamptz(3) not null default now(),
  unique (author_id, title)
);`;
