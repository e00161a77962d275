import { describe, expect, it } from 'vitest';
import { parseJql } from './jql-parser.js';
import { JqlError } from './jql-ast.js';

const errorOf = (jql: string): string => {
  try {
    parseJql(jql);
  } catch (error) {
    if (error instanceof JqlError) return error.message;
    throw error;
  }
  throw new Error(`expected '${jql}' to fail`);
};

describe('parseJql', () => {
  it('binds AND tighter than OR and honours parentheses', () => {
    const flat = parseJql('project = A OR project = B AND issuetype = Epic');
    expect(flat.where).toMatchObject({ kind: 'or', right: { kind: 'and' } });
    const grouped = parseJql('(project = A OR project = B) AND issuetype = Epic');
    expect(grouped.where).toMatchObject({ kind: 'and', left: { kind: 'or' } });
  });

  it('resolves field aliases case-insensitively and reads lists, strings and functions', () => {
    const query = parseJql(`IssueKey IN (A-1, "B-2") and WORKLOGAUTHOR = currentUser() and summary ~ 'it\\'s "x"'`);
    expect(query.where).toMatchObject({
      kind: 'and',
      left: {
        kind: 'and',
        left: { field: 'key', operator: 'in', values: [{ kind: 'text', text: 'A-1' }, { kind: 'text', text: 'B-2' }] },
        right: { field: 'worklogAuthor', values: [{ kind: 'function', name: 'currentUser' }] },
      },
      right: { field: 'summary', operator: '~', values: [{ text: `it's "x"` }] },
    });
  });

  it('keeps unquoted account ids and dates as single values', () => {
    const query = parseJql('worklogAuthor = 557058:1a2b-3c4d AND worklogDate >= 2024-01-31');
    expect(query.where).toMatchObject({
      left: { values: [{ text: '557058:1a2b-3c4d' }] },
      right: { operator: '>=', values: [{ text: '2024-01-31' }] },
    });
  });

  it('parses NOT, NOT IN and a multi-term ORDER BY', () => {
    const query = parseJql('NOT project not in (A) ORDER BY key DESC, id');
    expect(query.where).toMatchObject({ kind: 'not', expr: { operator: 'not in' } });
    expect(query.orderBy).toEqual([
      { field: 'key', fieldText: 'key', direction: 'desc' },
      { field: 'id', fieldText: 'id', direction: 'asc' },
    ]);
  });

  it('accepts a query with only ORDER BY as unbounded', () => {
    expect(parseJql('order by created desc')).toEqual({ orderBy: [{ field: 'created', fieldText: 'created', direction: 'desc' }] });
  });

  it('reports syntax errors with the position Jira names', () => {
    expect(errorOf('project WEB')).toBe(
      "Error in the JQL Query: Expecting operator but got 'WEB'. The valid operators are '=', '!=', '<', '>', '<=', '>=', '~', '!~', 'IN' and 'NOT IN'. (line 1, character 9)",
    );
    expect(errorOf('summary ~ "open')).toBe("Error in the JQL Query: The quoted string 'open' has not been completed. (line 1, character 11)");
    expect(errorOf('project = AND')).toMatch(/You must surround 'AND' in quotation characters/);
    expect(errorOf('(project = A')).toMatch(/Expecting '\)' but got end of query/);
    expect(errorOf('project = A project = B')).toMatch(/Expecting either 'OR' or 'AND' but got 'project'/);
  });

  it('reports unknown fields, unsupported operators and unsortable fields after a clean parse', () => {
    expect(errorOf('assignee = x')).toBe("Field 'assignee' does not exist or you do not have permission to view it.");
    expect(errorOf('project ~ A')).toBe("The operator '~' is not supported by the 'project' field.");
    expect(errorOf('project = A ORDER BY worklogDate')).toBe("Field 'worklogDate' does not support sorting.");
    // The syntax error wins over the unknown field, as Jira's parser runs first.
    expect(errorOf('assignee = ')).toMatch(/^Error in the JQL Query/);
  });
});
