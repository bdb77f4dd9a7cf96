/**
 * Kysely's `stream()` through a server cursor: DECLARE … NO SCROLL CURSOR, FETCH FORWARD n,
 * CLOSE, inside the Kysely transaction or in one of its own. A cursor takes only SELECT and
 * VALUES, so an insert, update, delete or merge (… returning) is refused before anything is sent:
 * streaming it needs a row-limited portal (Execute with a row count, as `pg-cursor` does), which
 * warmpool's transports do not offer; `execute()` runs it.
 */
import type { CompiledQuery, QueryResult } from 'kysely';
import { WarmpoolError } from '../../errors.js';
import type { Result } from '../../pool/query.js';
import type { Row } from '../../transports/types.js';
import type { Control } from './connection.js';
import { mapRows, toParams } from './values.js';

export interface StreamSession {
  transport: string;
  inTransaction: boolean;
  run(text: string, params: readonly unknown[], control?: Control): Promise<Result<Row>>;
}

const DATA_MODIFYING_NODES = new Set(['InsertQueryNode', 'UpdateQueryNode', 'DeleteQueryNode', 'MergeQueryNode']);
const DATA_MODIFYING_SQL = /^\s*(insert|update|delete|merge)\b/i;

let cursorCount = 0;

export async function* streamFromCursor<R>(compiledQuery: CompiledQuery, chunkSize: number, session: StreamSession): AsyncIterableIterator<QueryResult<R>> {
  if (!Number.isInteger(chunkSize) || chunkSize <= 0) {
    throw new WarmpoolError('INVALID_PARAMETER', `stream(chunkSize) must be a positive integer; got ${String(chunkSize)}.`, { notApplied: true });
  }
  if (DATA_MODIFYING_NODES.has(compiledQuery.query.kind) || DATA_MODIFYING_SQL.test(compiledQuery.sql)) {
    throw new WarmpoolError('NOT_SUPPORTED_ON_TRANSPORT', `stream() reads from a server cursor, which takes only SELECT and VALUES; an insert, update, delete or merge cannot be streamed on the ${session.transport} transport (it needs a row-limited portal). Run it with execute().`, { notApplied: true });
  }
  const { run } = session;
  const ownTransaction = !session.inTransaction;
  if (ownTransaction) await run('begin', [], 'begin');
  const cursor = `warmpool_kysely_cursor_${++cursorCount}`;
  let open = false;
  let committed = false;
  try {
    await run(`declare ${cursor} no scroll cursor for ${compiledQuery.sql}`, toParams(compiledQuery.parameters));
    open = true;
    for (;;) {
      const chunk = await run(`fetch forward ${chunkSize} from ${cursor}`, []);
      if (chunk.length === 0) break;
      mapRows(chunk, chunk.columns);
      yield { rows: [...chunk] as R[] };
      if (chunk.length < chunkSize) break;
    }
    open = false;
    await run(`close ${cursor}`, []);
    if (ownTransaction) {
      committed = true;
      await run('commit', [], 'commit');
    }
  } finally {
    // Reached on an error, or when the caller stops iterating early.
    if (ownTransaction && !committed) await run('rollback', [], 'rollback').catch(() => {});
    else if (open) await run(`close ${cursor}`, []).catch(() => {});
  }
}
