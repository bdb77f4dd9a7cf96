import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedServer, startEmbeddedPostgres } from '../src/testing/embedded-postgres.js';
import { Container, describeResult } from './support/container.js';
import { type AdminSql, adminClient, terminateBackend, uniqueName } from './support/db.js';

// A container is a child process frozen with SIGSTOP between invocations, as Lambda does. While
// it is frozen the server side of its connection dies; on thaw it is invoked at once, so the
// close or FATAL is still unread when the handler starts. Every write is counted afterwards.

let server: EmbeddedServer;
let admin: AdminSql;

beforeAll(async () => {
  server = await startEmbeddedPostgres({ quiet: true });
  admin = adminClient(server.adminUrl);
  const app = adminClient(server.url);
  await app`create table ledger (id bigserial, run_id text not null)`;
  await app.end();
});

afterAll(async () => {
  await admin?.end();
  await server?.stop();
});

async function ledgerCount(runId: string): Promise<number> {
  const [row] = await admin`select count(*)::int as n from ledger where run_id = ${runId}`;
  return row.n;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a warm invocation after a freeze', () => {
  it('succeeds when the backend was terminated during the freeze', async () => {
    const container = await Container.start(server.url);
    const runId = uniqueName('kill');
    try {
      const first = await container.invoke({ op: 'insert', runId });
      expect(first.ok).toBe(true);
      container.freeze();
      await terminateBackend(admin, first.result!.pid as number);
      container.thaw();
      const second = await container.invoke({ op: 'insert', runId });
      expect(describeResult(second)).toBe('ok');
      expect(second.result!.pid).not.toBe(first.result!.pid);
      expect(await ledgerCount(runId)).toBe(2);
    } finally {
      container.kill();
    }
  });

  it('succeeds without a validation ping: the dead socket is noticed before the write', async () => {
    const container = await Container.start(server.url, { validateAfterIdleMs: 3_600_000 });
    const runId = uniqueName('noping');
    try {
      for (let round = 0; round < 5; round++) {
        const before = await container.invoke({ op: 'insert', runId });
        expect(before.ok).toBe(true);
        container.freeze();
        await terminateBackend(admin, before.result!.pid as number);
        container.thaw();
        const after = await container.invoke({ op: 'insert', runId });
        expect(describeResult(after)).toBe('ok');
      }
      expect(await ledgerCount(runId)).toBe(10);
      const stats = await container.invoke({ op: 'stats' });
      expect(stats.result).toMatchObject({ validations: 0, outcomeUnknown: 0 });
    } finally {
      container.kill();
    }
  });

  it('succeeds when the server ended the session for idleness (idle_session_timeout)', async () => {
    const container = await Container.start(server.url, { serverIdleSessionTimeoutMs: 500 });
    const runId = uniqueName('idle');
    try {
      const first = await container.invoke({ op: 'insert', runId });
      expect(first.ok).toBe(true);
      container.freeze();
      await sleep(1_500);
      container.thaw();
      const second = await container.invoke({ op: 'insert', runId });
      expect(describeResult(second)).toBe('ok');
      expect(second.result!.pid).not.toBe(first.result!.pid);
      expect(await ledgerCount(runId)).toBe(2);
    } finally {
      container.kill();
    }
  });

  for (const mode of ['fast', 'immediate'] as const) {
    it(`succeeds after the server restarted (-m ${mode}) during the freeze`, async () => {
      const container = await Container.start(server.url);
      const runId = uniqueName(mode);
      try {
        expect((await container.invoke({ op: 'insert', runId })).ok).toBe(true);
        container.freeze();
        await server.restart(mode);
        container.thaw();
        const second = await container.invoke({ op: 'insert', runId });
        expect(describeResult(second)).toBe('ok');
        expect(await ledgerCount(runId)).toBe(2);
      } finally {
        container.kill();
      }
    });
  }
});
