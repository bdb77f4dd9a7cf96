/**
 * `db.query.summary` from SQL text, as the database conventions describe it: each operation and
 * the tables it names, in the order they appear and as written (`SELECT users`,
 * `INSERT orders SELECT carts`). A small tokenizer, not a parser: literals and comments are
 * skipped, so nothing of a value reaches the summary. Also the operation name, and the table when
 * the statement names exactly one.
 */

export interface QuerySummary {
  /** Undefined when no known operation starts the text. */
  summary: string | undefined;
  /** The statement's operation (`SELECT`, `CREATE TABLE`); undefined for WITH … and several statements. */
  operation: string | undefined;
  /** The one table the statement names; undefined when it names none or several. */
  collection: string | undefined;
}

const MAX_SUMMARY_LENGTH = 255;
/** Operations found anywhere in a statement (subqueries, INSERT … SELECT). */
const DML = new Set(['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'MERGE']);
/** Operations named with their object type: CREATE TABLE, DROP INDEX… */
const DDL = new Set(['CREATE', 'ALTER', 'DROP']);
/** Words after which UPDATE or DELETE is not an operation: FOR UPDATE, DO UPDATE, ON DELETE. */
const NOT_AN_OPERATION_AFTER = new Set(['FOR', 'DO', 'KEY', 'ON']);
/** Words after which a table name follows. */
const TABLE_BEFORE = new Set(['FROM', 'JOIN', 'INTO', 'TABLE', 'UPDATE', 'TRUNCATE', 'COPY']);
/** Words between FROM/TABLE… and a table name. */
const SKIPPED_BEFORE_TABLE = new Set(['ONLY', 'IF', 'NOT', 'EXISTS', 'LATERAL', 'TABLE', 'UNLOGGED', 'TEMP', 'TEMPORARY']);
const QUERY_START = new Set(['SELECT', 'WITH', 'VALUES', 'INSERT', 'UPDATE', 'DELETE']);
/** Words that end a FROM list entry's alias position. */
const CLAUSE_WORDS = new Set(['WHERE', 'JOIN', 'INNER', 'LEFT', 'RIGHT', 'FULL', 'CROSS', 'NATURAL', 'ON', 'USING', 'GROUP', 'ORDER', 'LIMIT', 'OFFSET', 'UNION', 'RETURNING', 'SET', 'VALUES', 'SELECT', 'WINDOW', 'HAVING', 'FOR', 'DEFAULT', 'AS', 'STDIN', 'STDOUT', 'WITH']);

const TOKEN = /\s+|--[^\n]*|\/\*[\s\S]*?\*\/|[Ee]?'(?:[^']|'')*'|\$([A-Za-z_]*)\$[\s\S]*?\$\1\$|"(?:[^"]|"")*"(?:\.(?:"(?:[^"]|"")*"|[A-Za-z_][\w$]*))*|[A-Za-z_][\w$]*(?:\.(?:"(?:[^"]|"")*"|[A-Za-z_][\w$]*))*|\d[\w.]*|\$\d+|./g;

interface Token {
  text: string;
  /** Upper-cased word, or '' for punctuation, literals and quoted names. */
  word: string;
  name: boolean;
}

function tokens(text: string): Token[] {
  const out: Token[] = [];
  for (const match of text.matchAll(TOKEN)) {
    const t = match[0];
    const c = t.charCodeAt(0);
    if (/^\s/.test(t) || t.startsWith('--') || t.startsWith('/*')) continue;
    const isName = t.startsWith('"') || /^[A-Za-z_]/.test(t) && !/^[Ee]'/.test(t);
    out.push({ text: t, word: isName && c !== 34 ? t.toUpperCase() : '', name: isName });
    if (out.length > 2000) break;
  }
  return out;
}

export function summarize(text: string): QuerySummary {
  const list = tokens(text);
  const parts: string[] = [];
  const operations: string[] = [];
  const tables: string[] = [];
  let statements = list.length > 0 ? 1 : 0;
  // Per open parenthesis: does a query start inside it? FROM in extract(year FROM x) names no table.
  const parens: boolean[] = [];
  for (let i = 0; i < list.length; i++) {
    const { word, text: t } = list[i];
    const previous = list[i - 1]?.word ?? '';
    if (t === ';' && i < list.length - 1) statements++;
    if (t === '(') parens.push(QUERY_START.has(list[i + 1]?.word ?? ''));
    if (t === ')') parens.pop();
    if (parens.length > 0 && !parens[parens.length - 1]) continue;
    let operation: string | undefined;
    if (DML.has(word) && !NOT_AN_OPERATION_AFTER.has(previous)) operation = word;
    else if (DDL.has(word) && i === 0 && list[1]?.word) operation = `${word} ${list[1].word}`;
    else if (i === 0 && word && word !== 'WITH') operation = word;
    if (operation) {
      parts.push(operation);
      operations.push(operation);
    }
    if (TABLE_BEFORE.has(word) && !(word === 'UPDATE' && !operation) && !(word === 'TABLE' && !DDL.has(list[0].word) && previous !== 'TRUNCATE' && previous !== 'LOCK')) {
      i = readTables(list, i + 1, parts, tables);
    }
  }
  let summary = parts.length > 0 ? parts.join(' ') : undefined;
  if (summary && summary.length > MAX_SUMMARY_LENGTH) summary = summary.slice(0, summary.lastIndexOf(' ', MAX_SUMMARY_LENGTH));
  const single = statements === 1 && list[0]?.word !== 'WITH';
  return {
    summary,
    operation: single ? operations[0] : undefined,
    collection: single && new Set(tables).size === 1 ? tables[0] : undefined,
  };
}

/** Reads `name [AS alias] [, name …]` from `start`; returns the index of the last token used. */
function readTables(list: Token[], start: number, parts: string[], tables: string[]): number {
  let i = start;
  while (i < list.length && SKIPPED_BEFORE_TABLE.has(list[i].word)) i++;
  for (;;) {
    const token = list[i];
    // A function in FROM (generate_series(…)), a subquery, or no name at all.
    if (!token?.name || CLAUSE_WORDS.has(token.word) || list[i + 1]?.text === '(' && !['INTO', 'TABLE'].includes(list[start - 1]?.word ?? '')) return i - 1;
    parts.push(token.text);
    tables.push(token.text);
    i++;
    if (list[i]?.word === 'AS') i++;
    if (list[i]?.name && !CLAUSE_WORDS.has(list[i].word)) i++;
    if (list[i]?.text !== ',') return i - 1;
    i++;
  }
}
