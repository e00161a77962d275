import { JqlError, type JqlClause, type JqlExpr, type JqlField, type JqlOperator, type JqlQuery, type JqlSort, type JqlValue } from './jql-ast.js';
import { jqlSyntaxError, tokenizeJql, type JqlToken } from './jql-lexer.js';

const FIELDS: Record<string, JqlField> = {
  project: 'project',
  key: 'key',
  issuekey: 'key',
  id: 'id',
  parent: 'parent',
  issuetype: 'issuetype',
  type: 'issuetype',
  summary: 'summary',
  worklogauthor: 'worklogAuthor',
  worklogdate: 'worklogDate',
  created: 'created',
  createddate: 'created',
};

const EQUALITY: JqlOperator[] = ['=', '!=', 'in', 'not in'];
const OPERATORS: Record<JqlField, JqlOperator[]> = {
  project: EQUALITY,
  key: EQUALITY,
  // Ranges over numeric ids page an id-ordered search without a page token (`id > 10234 ORDER BY id`).
  id: [...EQUALITY, '>', '>=', '<', '<='],
  parent: EQUALITY,
  issuetype: EQUALITY,
  worklogAuthor: EQUALITY,
  summary: ['~', '!~'],
  worklogDate: ['=', '!=', '>', '>=', '<', '<='],
  // Issues carry no creation time in the simulator: `created` only sorts (by id, which rises with it).
  created: [],
};
const UNSORTABLE = new Set<JqlField>(['worklogAuthor', 'worklogDate']);
const RESERVED = new Set(['and', 'or', 'not', 'in', 'is', 'order', 'by', 'asc', 'desc', 'empty', 'null']);

const describe = (token: JqlToken) => (token.type === 'end' ? 'end of query' : `'${token.text}'`);

/**
 * Parses the simulator's JQL subset (see `jql-ast.ts`) with Jira's precedence: NOT binds
 * tighter than AND, AND tighter than OR. Syntax errors win over unknown fields, as in Jira, whose
 * parser runs before validation. Throws {@link JqlError}; never returns a partial query.
 */
export function parseJql(jql: string): JqlQuery {
  const tokens = tokenizeJql(jql);
  let index = 0;
  let semanticError: JqlError | undefined;
  const peek = (offset = 0): JqlToken => tokens[Math.min(index + offset, tokens.length - 1)] as JqlToken;
  const isWord = (token: JqlToken, word: string) => token.type === 'word' && token.text.toLowerCase() === word;
  const next = (): JqlToken => {
    const token = peek();
    index++;
    return token;
  };
  const expect = (type: JqlToken['type'], what: string): JqlToken => {
    const token = peek();
    if (token.type !== type) throw jqlSyntaxError(`Expecting ${what} but got ${describe(token)}.`, token.position);
    return next();
  };
  const resolveField = (token: JqlToken): JqlField | undefined => {
    const field = FIELDS[token.text.toLowerCase()];
    if (!field) semanticError ??= new JqlError(`Field '${token.text}' does not exist or you do not have permission to view it.`);
    return field;
  };
  const fieldToken = (): JqlToken => {
    const token = peek();
    if ((token.type === 'word' && !RESERVED.has(token.text.toLowerCase())) || token.type === 'string') return next();
    throw jqlSyntaxError(`Expecting a field name but got ${describe(token)}.`, token.position);
  };

  function parseValue(): JqlValue {
    const token = peek();
    if (token.type === 'string') return { kind: 'text', text: next().text };
    if (token.type === 'word' && !RESERVED.has(token.text.toLowerCase())) {
      next();
      if (peek().type !== '(') return { kind: 'text', text: token.text };
      next();
      expect(')', `')' (functions of the simulator take no arguments)`);
      return { kind: 'function', name: token.text };
    }
    const hint = token.type === 'word' ? ` You must surround '${token.text}' in quotation characters to use it as a value.` : '';
    throw jqlSyntaxError(`Expecting either a value, list or function but got ${describe(token)}.${hint}`, token.position);
  }

  function parseOperator(): JqlOperator {
    const token = peek();
    if (token.type === 'operator') return next().text as JqlOperator;
    if (isWord(token, 'in')) return next() && 'in';
    if (isWord(token, 'not') && isWord(peek(1), 'in')) return next() && next() && 'not in';
    throw jqlSyntaxError(
      `Expecting operator but got ${describe(token)}. The valid operators are '=', '!=', '<', '>', '<=', '>=', '~', '!~', 'IN' and 'NOT IN'.`,
      token.position,
    );
  }

  function parseClause(): JqlClause {
    const token = fieldToken();
    const operator = parseOperator();
    const values: JqlValue[] = [];
    if (operator === 'in' || operator === 'not in') {
      expect('(', "'('");
      values.push(parseValue());
      while (peek().type === ',') {
        next();
        values.push(parseValue());
      }
      expect(')', "')'");
    } else {
      values.push(parseValue());
    }
    const field = resolveField(token) ?? 'id';
    if (!OPERATORS[field].includes(operator)) {
      semanticError ??= new JqlError(`The operator '${operator}' is not supported by the '${token.text}' field.`);
    }
    return { kind: 'clause', field, fieldText: token.text, operator, values };
  }

  function parseUnary(): JqlExpr {
    if (isWord(peek(), 'not')) {
      next();
      return { kind: 'not', expr: parseUnary() };
    }
    if (peek().type === '(') {
      next();
      const expr = parseOr();
      expect(')', "')'");
      return expr;
    }
    return parseClause();
  }

  function parseAnd(): JqlExpr {
    let left = parseUnary();
    while (isWord(peek(), 'and')) {
      next();
      left = { kind: 'and', left, right: parseUnary() };
    }
    return left;
  }

  function parseOr(): JqlExpr {
    let left = parseAnd();
    while (isWord(peek(), 'or')) {
      next();
      left = { kind: 'or', left, right: parseAnd() };
    }
    return left;
  }

  function parseOrderBy(): JqlSort[] {
    next();
    if (!isWord(peek(), 'by')) throw jqlSyntaxError(`Expecting 'by' but got ${describe(peek())}.`, peek().position);
    next();
    const sorts: JqlSort[] = [];
    do {
      if (sorts.length > 0) next();
      const token = fieldToken();
      const field = resolveField(token) ?? 'id';
      if (UNSORTABLE.has(field)) semanticError ??= new JqlError(`Field '${token.text}' does not support sorting.`);
      const direction = isWord(peek(), 'asc') || isWord(peek(), 'desc') ? (next().text.toLowerCase() as 'asc' | 'desc') : 'asc';
      sorts.push({ field, fieldText: token.text, direction });
    } while (peek().type === ',');
    return sorts;
  }

  const query: JqlQuery = { orderBy: [] };
  if (peek().type !== 'end' && !isWord(peek(), 'order')) query.where = parseOr();
  if (isWord(peek(), 'order')) query.orderBy = parseOrderBy();
  if (peek().type !== 'end') {
    throw jqlSyntaxError(`Expecting either 'OR' or 'AND' but got ${describe(peek())}.`, peek().position);
  }
  if (semanticError) throw semanticError;
  return query;
}
