// The Lambda handler of test/prisma-faults.test.ts: Prisma on warmpool at module scope, writing
// to the fault suite's ledger table so every write can be counted afterwards.
import { PrismaWarmpool } from '../../src/adapters/prisma/index.js';
import { createPool } from '../../src/index.js';
import { withPool } from '../../src/lambda/index.js';
import type { PrismaModule } from './setup.js';

interface Invoke {
  op: 'create' | 'read' | 'tx-create' | 'stats';
  runId?: string;
}

const { PrismaClient } = (await import(process.env.PRISMA_CLIENT_MODULE!)) as PrismaModule;
const db = createPool({ connectionString: process.env.DATABASE_URL, max: 1, ...JSON.parse(process.env.WARMPOOL_TEST_OPTIONS ?? '{}') });
const prisma = new PrismaClient({ adapter: new PrismaWarmpool(db) });

/** The backend serving this container, so the test can terminate it during a freeze. */
async function backendPid(): Promise<number> {
  const [{ pid }] = await prisma.$queryRaw`select pg_backend_pid()::int as pid`;
  return pid;
}

export const handler = withPool(db, async (event: Invoke) => {
  switch (event.op) {
    case 'create':
      await prisma.ledger.create({ data: { runId: event.runId! } });
      return { pid: await backendPid() };
    case 'read': {
      const rows = await prisma.ledger.findMany({ where: { runId: { startsWith: 'op-' } }, select: { runId: true } });
      return { pid: await backendPid(), rows: rows.length };
    }
    case 'tx-create':
      await prisma.$transaction(async (tx: { ledger: { create(args: unknown): Promise<unknown> } }) => tx.ledger.create({ data: { runId: event.runId! } }));
      return { pid: await backendPid() };
    case 'stats':
      return db.stats();
  }
});
