import { describe, expect, it } from 'vitest';
import { sessionChangeOf } from '../src/transports/session-state.js';

// What a statement may leave in its session, read from its text as the server's lexer reads it.

describe('a statement', () => {
  it('changes the session when it sets, resets, listens, loads or discards, past comments and any line ending', () => {
    for (const text of [
      'set search_path = tenant_a', 'SET statement_timeout = 50', 'reset all', 'Listen jobs', 'load \'auto_explain\'', 'discard temp',
      '/* a /* nested */ b */ set role app', '-- note\rset x = 1', '-- note\r\nSET x = 1', '\t\f\vset x = 1', 'set session authorization app',
      "select set_config('app.tenant', 'a', false)", "select set_config('app.tenant', $1, is_local => false)", 'select pg_advisory_lock(1)',
      'select pg_try_advisory_lock_shared(1)', 'create temp table t (n int)', 'CREATE TEMPORARY TABLE t (n int)', 'select * into temp t from u',
      'declare c cursor with hold for select 1', 'do $$ begin perform 1; end $$', '-- only a comment',
    ]) {
      expect(sessionChangeOf(text), JSON.stringify(text)).toBe('changed');
    }
  });

  it('can only be undone by a new session when it prepares or deallocates by hand', () => {
    for (const text of ['prepare q as select 1', 'DEALLOCATE ALL', '/* x */ deallocate q']) expect(sessionChangeOf(text), text).toBe('close');
  });

  it('leaves the session alone when its effects end with its transaction, or it has none', () => {
    for (const text of [
      'select 1', 'update users set name = $1 where id = $2', 'insert into t values ($1)', 'set local statement_timeout = 10',
      "select set_config('app.tenant', $1, true)", "select set_config('app.tenant', 'a', TRUE )", 'select pg_advisory_xact_lock(1)',
      'prepare transaction \'x\'', 'begin', 'commit', '-- set x = 1\nselect 1', '/* set x */ select 1', 'select offset_at from t',
    ]) {
      expect(sessionChangeOf(text), JSON.stringify(text)).toBe('clean');
    }
  });
});
