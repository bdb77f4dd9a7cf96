/**
 * The soak's schema, and the schema changes a deploy makes while containers are warm. The ledger
 * gains an enum column (`tag`), a timestamptz (`stamp`) and a tenant key (`tenant`) that some
 * inserts fill (events.ts says with what). At seeded times, 20–60 s apart, the enum type is
 * dropped and created again (its OID changes under every statement prepared with it), or a column
 * is added to or dropped from the ledger (the result of `select *` changes under its prepared
 * statements). Each change is one transaction, so writes see the old schema or the new one.
 *
 * A change is one simple-protocol message on a client of its own, ended after it: postgres.js
 * throws outside any promise when it writes to a connection a server restart has just closed
 * (as the ROLLBACK of its `begin()` does), which would end the soak.
 */
import { adminClient } from '../support/db.js';

export const SCHEMA_DDL = `
  create type chaos_tag as enum ('red', 'green', 'blue');
  alter table ledger add column tag chaos_tag, add column stamp timestamptz, add column tenant text;
  create index ledger_run_id on ledger (run_id);
`;

const RECREATE_ENUM = `
  alter table ledger alter column tag type text;
  drop type chaos_tag;
  create type chaos_tag as enum ('red', 'green', 'blue');
  alter table ledger alter column tag type chaos_tag using tag::chaos_tag;
`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class SchemaChanges {
  count = 0;
  readonly misfires: string[] = [];
  #adminUrl: string;
  #random: () => number;
  #columns = 0;

  constructor(adminUrl: string, random: () => number) {
    this.#adminUrl = adminUrl;
    this.#random = random;
  }

  /** Changes the schema every 20–60 s until `until` (epoch ms). */
  async run(until: number): Promise<void> {
    for (let turn = 0; ; turn++) {
      await sleep(20_000 + Math.round(this.#random() * 40_000));
      if (Date.now() >= until) return;
      // Every other change recreates the enum; the others add a column, then drop it.
      const change = turn % 2 === 0 ? RECREATE_ENUM : turn % 4 === 1 ? `alter table ledger add column extra_${++this.#columns} int` : `alter table ledger drop column extra_${this.#columns}`;
      const admin = adminClient(this.#adminUrl);
      try {
        // The statements of one message run as one transaction; a deploy waits for the
        // transactions using the table, not for ever.
        await admin.unsafe(`set local lock_timeout = '5s'; ${change}`);
        this.count++;
      } catch (err) {
        if (turn % 4 === 1) this.#columns--;
        this.misfires.push(`schema change: ${(err as Error).message}`);
      } finally {
        await admin.end({ timeout: 1 }).catch(() => {});
      }
    }
  }
}
