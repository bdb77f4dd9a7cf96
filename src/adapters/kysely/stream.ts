/**
 * Kysely's `stream()`. On TCP through a row-limited portal (Execute with a row count, as
 * `pg-cursor` does), so any statement streams, an insert, update, delete or merge `… returning`
 * too. Where the transport has no such portal (WebSocket) through a server cursor: DECLARE … NO
 * SCROLL CURSOR, FETCH FORWARD n, CLOSE, inside the Kysely transaction or in one of its own; a
 * cursor takes only SELECT and VALUES, so there a data-modifying statement is refused before
 * anything is sent, and `execute()` runs it.
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

export function checkChunkSize(chunkSize: number): void {
  if (!Number.isInteger(chunkSize) || chunkSize <= 0) {
    throw new WarmpoolError('INVALID_PARAMETER', `stream(chunkSize) must be a positive integer; got ${String(chunkSize)}.`, { notApplied: true });
  }
}

/** Kysely's chunks from the portal's batches. */
export async function* streamFromPortal<R>(batches: AsyncIterable<Result<Row>>): AsyncIterableIterator<QueryResult<R>> {
  for await (const batch of batches) {
    mapRows(batch, batch.columns);
    yield { rows: [...batch] as R[] };
  }
}

export async function* streamFromCursor<R>(compiledQuery: CompiledQuery, chunkSize: number, session: StreamSession): AsyncIterableIterator<QueryResult<R>> {
  checkChunkSize(chunkSize);
  if (DATA_MODIFYING_NODES.has(compiledQuery.query.kind) || DATA_MODIFYING_SQL.test(compiledQuery.sql)) {
    throw new WarmpoolError('NOT_SUPPORTED_ON_TRANSPORT', `stream() reads from a server cursor, which takes only SELECT and VALUES; an insert, update, delete or merge cannot be streamed on the ${session.transport} transport (it needs a row-limited portal, which TCP has). Run it with execute().`, { notApplied: true });
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
