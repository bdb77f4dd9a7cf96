import { describe, expect, it } from 'vitest';
import { DatabaseError, WarmpoolError } from '../src/errors.js';
import { type Stage, outcome } from '../src/pool/outcome.js';

// The failure table of docs/guarantees.md, row by row, as the one function that decides it says.

const lost = () => new WarmpoolError('CONNECTION_LOST', 'The connection was lost.', { sqlState: '57P01' });
const lostUnsent = () => new WarmpoolError('CONNECTION_LOST', 'Found closed before use.', { notApplied: true });
const stale = () => new WarmpoolError('STALE_STATEMENT', 'Prepared before a schema change.', { sqlState: '0A000' });
const refused = () => new DatabaseError('duplicate key', { code: '23505' });
const cancelled = () => new WarmpoolError('DEADLINE_EXCEEDED', 'Cancelled on the server.', { notApplied: true });
const unknown = () => new WarmpoolError('OUTCOME_UNKNOWN', 'Unknown.');

type Row = [Stage, string, () => Error, { idempotent?: boolean }, string, boolean];
const rows: Row[] = [
  ['statement', 'lost after it was sent', lost, {}, 'OUTCOME_UNKNOWN', false],
  ['statement', 'lost after it was sent, idempotent: kept for the retry', lost, { idempotent: true }, 'CONNECTION_LOST', false],
  ['statement', 'lost before it was sent', lostUnsent, {}, 'CONNECTION_LOST', true],
  ['statement', 'refused by the server', refused, {}, '23505', false],
  ['reserved', 'lost after it was sent', lost, { idempotent: true }, 'OUTCOME_UNKNOWN', false],
  ['reserved', 'lost before it was sent', lostUnsent, {}, 'CONNECTION_LOST', true],
  ['before-commit', 'lost', lost, {}, 'CONNECTION_LOST', true],
  ['before-commit', 'stale', stale, {}, 'STALE_STATEMENT', true],
  ['before-commit', 'refused by the server (the callback may catch it and go on)', refused, {}, '23505', false],
  ['before-commit', 'statements that ran outside the transaction (BEGIN refused)', unknown, {}, 'OUTCOME_UNKNOWN', false],
  ['commit', 'lost in flight', lost, {}, 'OUTCOME_UNKNOWN', false],
  ['commit', 'cancelled at the deadline', cancelled, {}, 'DEADLINE_EXCEEDED', true],
  ['commit', 'refused (a deferred constraint)', refused, {}, '23505', false],
  ['batch', 'refused by the server', refused, {}, '23505', true],
  ['batch', 'lost before COMMIT', lost, {}, 'CONNECTION_LOST', true],
  ['batch', 'statements that ran outside the transaction', unknown, {}, 'OUTCOME_UNKNOWN', false],
];

describe('outcome: was it applied?', () => {
  for (const [stage, name, make, { idempotent }, code, notApplied] of rows) {
    it(`${stage}: ${name} → ${code}${notApplied ? ', notApplied' : ''}`, () => {
      const original = make();
      const result = outcome(original, stage, idempotent) as WarmpoolError;
      expect(result).toBeInstanceOf(WarmpoolError);
      expect({ code: result.code, notApplied: result.notApplied }).toEqual({ code, notApplied });
      // The server's SQLSTATE travels with it, and a rewritten error keeps the original's message.
      expect(result.sqlState).toBe((original as WarmpoolError).sqlState);
      if (result !== original) expect(String((result.cause as Error | undefined)?.message ?? result.message)).toContain(original.message);
    });
  }

  it('leaves what is not a warmpool error alone', () => {
    const plain = new TypeError('not ours');
    for (const stage of ['statement', 'reserved', 'before-commit', 'commit', 'batch'] as const) expect(outcome(plain, stage)).toBe(plain);
  });
});
