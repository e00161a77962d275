import { JqlError } from './jql-ast.js';

/** A JQL token; `position` is the 1-based character Jira names in its error messages. */
export interface JqlToken {
  type: 'word' | 'string' | 'operator' | '(' | ')' | ',' | 'end';
  text: string;
  position: number;
}

const OPERATOR_START = new Set(['=', '!', '~', '<', '>']);
const WORD_STOP = /[\s=!~<>(),"']/;
const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '"': '"', "'": "'", '\\': '\\', ' ': ' ' };

/** Error text in Jira's form, e.g. `Error in the JQL Query: … (line 1, character 9)`. */
export function jqlSyntaxError(detail: string, position: number): JqlError {
  return new JqlError(`Error in the JQL Query: ${detail} (line 1, character ${position})`);
}

function readString(jql: string, start: number): { text: string; end: number } {
  const quote = jql[start] as string;
  let text = '';
  let i = start + 1;
  while (i < jql.length) {
    const ch = jql[i] as string;
    if (ch === quote) return { text, end: i + 1 };
    if (ch === '\\') {
      const next = jql[i + 1];
      if (next === 'u' && /^[0-9a-fA-F]{4}$/.test(jql.slice(i + 2, i + 6))) {
        text += String.fromCharCode(parseInt(jql.slice(i + 2, i + 6), 16));
        i += 6;
        continue;
      }
      const escaped = next === undefined ? undefined : ESCAPES[next];
      if (escaped === undefined) throw jqlSyntaxError(`Illegal escape sequence '\\${next ?? ''}' in a quoted string.`, i + 1);
      text += escaped;
      i += 2;
      continue;
    }
    text += ch;
    i++;
  }
  throw jqlSyntaxError(`The quoted string '${text}' has not been completed.`, start + 1);
}

/** Splits JQL into tokens; throws {@link JqlError} for unterminated strings and stray `!`. */
export function tokenizeJql(jql: string): JqlToken[] {
  const tokens: JqlToken[] = [];
  let i = 0;
  while (i < jql.length) {
    const ch = jql[i] as string;
    if (/\s/.test(ch)) {
      i++;
    } else if (ch === '(' || ch === ')' || ch === ',') {
      tokens.push({ type: ch, text: ch, position: i + 1 });
      i++;
    } else if (ch === '"' || ch === "'") {
      const { text, end } = readString(jql, i);
      tokens.push({ type: 'string', text, position: i + 1 });
      i = end;
    } else if (OPERATOR_START.has(ch)) {
      const two = jql.slice(i, i + 2);
      const text = ['!=', '!~', '>=', '<='].includes(two) ? two : ch;
      if (text === '!') throw jqlSyntaxError(`Expecting '=' or '~' after '!'.`, i + 1);
      tokens.push({ type: 'operator', text, position: i + 1 });
      i += text.length;
    } else {
      let end = i;
      while (end < jql.length && !WORD_STOP.test(jql[end] as string)) end++;
      tokens.push({ type: 'word', text: jql.slice(i, end), position: i + 1 });
      i = end;
    }
  }
  tokens.push({ type: 'end', text: '', position: jql.length + 1 });
  return tokens;
}
