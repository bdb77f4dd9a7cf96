import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { uniqueName } from './support/db.js';
import { drizzleOnEveryTransport } from './support/drizzle-transports.js';

// Keys through Drizzle: `db.transaction(fn, { idempotencyKey })` and `db.batch([...], { idempotencyKey })`
// run the work at most once per key, as the pool's own keyed transactions and batches do.

const { schema, dbs } = drizzleOnEveryTransport('drizzle-key');
const { users } = schema;

const named = async (name: string) => (await dbs.tcp.select({ id: users.id }).from(users).where(sql`${users.name} = ${name}`)).length;

for (const transport of ['tcp', 'websocket'] as const) {
  describe(`a keyed Drizzle transaction on ${transport}`, () => {
    it('runs once: a repeat returns the stored result and runs nothing', async () => {
      const name = uniqueName(`${transport}_keyed_tx`);
      const key = `drizzle:${name}`;
      let runs = 0;
      const work = () => dbs[transport].transaction(async (tx) => {
        runs++;
        const [row] = await tx.insert(users).values({ name }).returning({ id: users.id });
        return { id: row!.id };
      }, { idempotencyKey: key, payload: { name }, isolationLevel: 'read committed' });
      const first = await work();
      expect(await work()).toEqual(first);
      expect(runs).toBe(1);
      expect(await named(name)).toBe(1);
      // The same key with another payload is refused, and runs nothing.
      const other = dbs[transport].transaction(async () => { runs++; }, { idempotencyKey: key, payload: { name: 'other' } });
      await expect(other).rejects.toMatchObject({ code: 'IDEMPOTENCY_PAYLOAD_MISMATCH' });
      expect(runs).toBe(1);
    });
  });
}

for (const transport of ['tcp', 'http', 'websocket'] as const) {
  it(`a keyed Drizzle batch on ${transport} applies once; a repeat fails ALREADY_APPLIED`, async () => {
    const name = uniqueName(`${transport}_keyed_batch`);
    const db = dbs[transport];
    const batch = () => db.batch([db.insert(users).values({ name }).returning({ id: users.id })], { idempotencyKey: `drizzle-batch:${name}` });
    const [rows] = await batch();
    expect(rows).toHaveLength(1);
    await expect(batch()).rejects.toMatchObject({ code: 'ALREADY_APPLIED', notApplied: true });
    expect(await named(name)).toBe(1);
  });
}
