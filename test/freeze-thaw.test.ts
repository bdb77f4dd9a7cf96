import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmulatedContainer } from './support/emulated-container.js';
import { type EmbeddedServer, startEmbeddedPostgres } from '../packages/cli/src/local-db/embedded-postgres.js';
import { describeOutcome, ledgerContainer, pidOf } from './support/container.js';
import { type AdminSql, adminClient, terminateBackend, uniqueName } from './support/db.js';

// The container is a child process frozen with SIGSTOP between invocations, as Lambda does.
// While it is frozen the server side of its connection dies; the next invocation thaws it and
// arrives at once, so the close or FATAL is still unread when the handler starts. Every write is
// counted afterwards: none may be lost or doubled.

let server: EmbeddedServer;
let admin: AdminSql;
const containers: EmulatedContainer[] = [];

beforeAll(async () => {
  server = await startEmbeddedPostgres({ quiet: true });
  admin = adminClient(server.adminUrl);
  const app = adminClient(server.url);
  await app`create table ledger (id bigserial, run_id text not null)`;
  await app.end();
});

afterAll(async () => {
  for (const c of containers) c.kill();
  await admin?.end();
  await server?.stop();
});

async function start(options: Record<string, unknown> = {}): Promise<EmulatedContainer> {
  const container = await ledgerContainer(server.url, options);
  containers.push(container);
  return container;
}

async function ledgerCount(runId: string): Promise<number> {
  const [row] = await admin`select count(*)::int as n from ledger where run_id = ${runId}`;
  return row.n;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a warm invocation after a freeze', () => {
  it('succeeds when the backend was terminated during the freeze', async () => {
    const container = await start();
    const runId = uniqueName('kill');
    const first = await container.invoke({ op: 'insert', runId });
    expect(describeOutcome(first)).toBe('ok');
    await terminateBackend(admin, pidOf(first));
    const second = await container.invoke({ op: 'insert', runId });
    expect(describeOutcome(second)).toBe('ok');
    expect(pidOf(second)).not.toBe(pidOf(first));
    expect(await ledgerCount(runId)).toBe(2);
  });

  it('succeeds without a validation ping: the dead socket is noticed before the write', async () => {
    const container = await start({ validateAfterIdleMs: 3_600_000 });
    const runId = uniqueName('noping');
    for (let round = 0; round < 5; round++) {
      const before = await container.invoke({ op: 'insert', runId });
      expect(describeOutcome(before)).toBe('ok');
      await terminateBackend(admin, pidOf(before));
      const after = await container.invoke({ op: 'insert', runId });
      expect(describeOutcome(after)).toBe('ok');
    }
    expect(await ledgerCount(runId)).toBe(10);
    const stats = await container.invoke({ op: 'stats' });
    expect(stats.result).toMatchObject({ validations: 0, outcomeUnknown: 0, retries: 0 });
  });

  it('succeeds when the server ended the session for idleness (idle_session_timeout)', async () => {
    const container = await start({ serverIdleSessionTimeoutMs: 500 });
    const runId = uniqueName('idle');
    const first = await container.invoke({ op: 'insert', runId });
    expect(describeOutcome(first)).toBe('ok');
    await sleep(1_500);
    const second = await container.invoke({ op: 'insert', runId });
    expect(describeOutcome(second)).toBe('ok');
    expect(pidOf(second)).not.toBe(pidOf(first));
    expect(await ledgerCount(runId)).toBe(2);
  });

  it('keeps module state while warm and loses it when recycled', async () => {
    const container = await start();
    const runId = uniqueName('recycle');
    const first = await container.invoke({ op: 'insert', runId });
    const second = await container.invoke({ op: 'insert', runId });
    expect(pidOf(second)).toBe(pidOf(first));
    container.kill();
    const replacement = await start();
    const third = await replacement.invoke({ op: 'insert', runId });
    expect(describeOutcome(third)).toBe('ok');
    expect((await replacement.invoke({ op: 'stats' })).result).toMatchObject({ created: 1, reused: 0 });
    expect(await ledgerCount(runId)).toBe(3);
  });

  for (const mode of ['fast', 'immediate'] as const) {
    it(`succeeds after the server restarted (-m ${mode}) during the freeze`, async () => {
      const container = await start();
      const runId = uniqueName(mode);
      expect(describeOutcome(await container.invoke({ op: 'insert', runId }))).toBe('ok');
      await server.restart(mode);
      const second = await container.invoke({ op: 'insert', runId });
      expect(describeOutcome(second)).toBe('ok');
      expect(await ledgerCount(runId)).toBe(2);
    });
  }
});
