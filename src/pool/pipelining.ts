/**
 * Whether a single statement may be pipelined with others on one connection. Each statement is
 * one command (the extended protocol refuses more) and runs as its own transaction unless a
 * transaction block is open; only BEGIN and START TRANSACTION open one, and a statement written
 * after them would run inside it. Those two, and the commands that end or mark a block, run on a
 * connection of their own. The first word is read past whitespace and comments.
 */
const TRANSACTION_CONTROL = new Set(['begin', 'start', 'commit', 'end', 'rollback', 'abort', 'savepoint', 'release', 'prepare']);

export function mayPipeline(text: string): boolean {
  const word = firstWord(text);
  return word !== undefined && !TRANSACTION_CONTROL.has(word);
}

/** The first word, lower-cased, past whitespace and comments; '' when something else comes first. */
function firstWord(text: string): string | undefined {
  let i = 0;
  for (;;) {
    while (i < text.length && isSpace(text.charCodeAt(i))) i++;
    if (text.startsWith('--', i)) {
      const end = text.indexOf('\n', i);
      if (end < 0) return undefined;
      i = end + 1;
    } else if (text.startsWith('/*', i)) {
      // Block comments nest in PostgreSQL.
      let depth = 0;
      do {
        if (text.startsWith('/*', i)) (depth++, (i += 2));
        else if (text.startsWith('*/', i)) (depth--, (i += 2));
        else if (i >= text.length) return undefined;
        else i++;
      } while (depth > 0);
    } else break;
  }
  // Anything but a word first (a parenthesis, WITH …): not a transaction command.
  let end = i;
  while (end < text.length && end - i < 12 && isWordChar(text.charCodeAt(end))) end++;
  return text.slice(i, end).toLowerCase();
}

/** Whitespace as the server's lexer sees it: space, tab, newline, carriage return, form feed, vertical tab. */
function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

function isWordChar(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f;
}
