/**
 * Whether a single statement may be pipelined with others on one connection. Each statement is
 * one command (the extended protocol refuses more) and runs as its own transaction unless a
 * transaction block is open; only BEGIN and START TRANSACTION open one, and a statement written
 * after them would run inside it. Those two, and the commands that end or mark a block, run on a
 * connection of their own. The first word is read past whitespace and comments.
 */
const TRANSACTION_CONTROL = ['begin', 'start', 'commit', 'end', 'rollback', 'abort', 'savepoint', 'release', 'prepare'];

export function mayPipeline(text: string): boolean {
  const start = firstWordStart(text);
  if (start < 0) return false;
  let end = start;
  while (end < text.length && end - start < 12 && isWordChar(text.charCodeAt(end))) end++;
  // Compared in place: slicing and lower-casing would allocate a string per statement.
  for (const word of TRANSACTION_CONTROL) {
    if (word.length === end - start && sameWord(text, start, word)) return false;
  }
  return true;
}

/** Where the first word starts, past whitespace and comments; -1 when a comment never ends. */
function firstWordStart(text: string): number {
  let i = 0;
  for (;;) {
    while (i < text.length && isSpace(text.charCodeAt(i))) i++;
    if (text.startsWith('--', i)) {
      const end = text.indexOf('\n', i);
      if (end < 0) return -1;
      i = end + 1;
    } else if (text.startsWith('/*', i)) {
      // Block comments nest in PostgreSQL.
      let depth = 0;
      do {
        if (text.startsWith('/*', i)) (depth++, (i += 2));
        else if (text.startsWith('*/', i)) (depth--, (i += 2));
        else if (i >= text.length) return -1;
        else i++;
      } while (depth > 0);
    } else break;
  }
  return i;
}

/** `text` at `at` spells the lower-case `word`, in any case. */
function sameWord(text: string, at: number, word: string): boolean {
  for (let k = 0; k < word.length; k++) {
    if ((text.charCodeAt(at + k) | 0x20) !== word.charCodeAt(k)) return false;
  }
  return true;
}

/** Whitespace as the server's lexer sees it: space, tab, newline, carriage return, form feed, vertical tab. */
function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

function isWordChar(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f;
}
