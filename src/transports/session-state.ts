/**
 * What a statement may leave in its server session for the next user of the connection, read
 * from its text: a statement's own effects (SET, set_config(…, false), temp tables, LISTEN,
 * session advisory locks, cursors WITH HOLD) are visible there. Effects inside functions are not,
 * except settings the server reports with ParameterStatus, which the transports watch too.
 * A false alarm costs one reset; a miss would leak state, so the checks lean towards alarms.
 *
 * - 'clean': nothing to undo;
 * - 'changed': RESET_SESSION undoes it (one round trip, on release);
 * - 'close': only a new session undoes it (a user's PREPARE or DEALLOCATE: a reset would have to
 *   drop the driver's own prepared statements too).
 */
export type SessionState = 'clean' | 'changed' | 'close';

/**
 * DISCARD ALL without DEALLOCATE ALL and DISCARD PLANS, so the driver's prepared statements
 * survive. One simple-protocol message; each command runs even when the session had none of it.
 */
export const RESET_SESSION =
  'close all; set session authorization default; reset all; unlisten *; select pg_advisory_unlock_all(); discard temp; discard sequences';

/** Commands that change the session when they are the statement. */
const CHANGING = ['set', 'reset', 'listen', 'load', 'discard', 'do'];
const CLOSING = ['prepare', 'deallocate'];

/** Anywhere in the text: calls and clauses that change the session. Checked only when the prefilter matches. */
const ANYWHERE = /set_config\s*\(|pg_(?:try_)?advisory_lock|\btemp(?:orary)?\b|\bwith\s+hold\b/gi;
const PREFILTER = /set|temp|hold|advisory/i;

/** The worse of two states. */
export function worse(a: SessionState, b: SessionState): SessionState {
  return a === 'close' || b === 'close' ? 'close' : a === 'changed' || b === 'changed' ? 'changed' : 'clean';
}

export function sessionChangeOf(text: string): SessionState {
  const start = firstWordStart(text);
  if (start < 0) return 'changed';
  const word = wordAt(text, start);
  if (CLOSING.includes(word)) return word === 'prepare' && isPrepareTransaction(text, start) ? 'clean' : 'close';
  if (CHANGING.includes(word)) return word === 'set' && wordAt(text, firstWordStart(text, start + 3)) === 'local' ? 'clean' : 'changed';
  if (!PREFILTER.test(text)) return 'clean';
  ANYWHERE.lastIndex = 0;
  for (let match = ANYWHERE.exec(text); match; match = ANYWHERE.exec(text)) {
    if (!match[0].toLowerCase().startsWith('set_config') || !isLocalSetConfig(text, ANYWHERE.lastIndex)) return 'changed';
  }
  return 'clean';
}

/** `set_config(name, value, true)`: its third argument is the literal `true`, so it ends with the transaction. */
function isLocalSetConfig(text: string, argsStart: number): boolean {
  let depth = 1;
  let i = argsStart;
  for (; i < text.length && depth > 0; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === "'") i = text.indexOf("'", i + 1) < 0 ? text.length : text.indexOf("'", i + 1);
  }
  const args = text.slice(argsStart, i - 1);
  return /,\s*true\s*$/i.test(args);
}

/** The statement's first word in lower case, past whitespace and comments ('' when there is none). */
/** Statements that read only, unless they call a function that writes (which a read-only transaction refuses). */
const READS = new Set(['select', 'with', 'values', 'table', 'show']);

/** Whether `text` starts as a read (see READS): a candidate to run in a read-only transaction. */
export function readsOnly(text: string): boolean {
  return READS.has(firstWord(text));
}

export function firstWord(text: string): string {
  return wordAt(text, firstWordStart(text));
}

/** PREPARE TRANSACTION ends a transaction for two-phase commit; it leaves nothing in the session. */
function isPrepareTransaction(text: string, start: number): boolean {
  return wordAt(text, firstWordStart(text, start + 'prepare'.length)) === 'transaction';
}

/** The lower-case word at `at` (letters and underscores), '' when there is none. */
function wordAt(text: string, at: number): string {
  if (at < 0) return '';
  let end = at;
  while (end < text.length && end - at < 12 && isWordChar(text.charCodeAt(end))) end++;
  return text.slice(at, end).toLowerCase();
}

/**
 * Where the next word starts from `from`, past whitespace and comments as PostgreSQL's lexer
 * reads them: `--` to the end of a line (\n or \r), nested block comments; -1 when a comment never ends.
 */
export function firstWordStart(text: string, from = 0): number {
  let i = from;
  for (;;) {
    while (i < text.length && isSpace(text.charCodeAt(i))) i++;
    if (text.startsWith('--', i)) {
      while (i < text.length && text[i] !== '\n' && text[i] !== '\r') i++;
      if (i >= text.length) return -1;
    } else if (text.startsWith('/*', i)) {
      let depth = 0;
      do {
        if (text.startsWith('/*', i)) (depth++, (i += 2));
        else if (text.startsWith('*/', i)) (depth--, (i += 2));
        else if (i >= text.length) return -1;
        else i++;
      } while (depth > 0);
    } else return i;
  }
}

/** Whitespace as the server's lexer sees it: space, tab, newline, carriage return, form feed, vertical tab. */
function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

function isWordChar(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f;
}
