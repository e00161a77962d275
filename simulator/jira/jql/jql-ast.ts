/**
 * The JQL subset the simulator understands, as a syntax tree. Field names are canonical
 * (aliases such as `issuekey` and `type` are resolved by the parser).
 */

/** Fields a clause may name. */
export type JqlField = 'project' | 'key' | 'id' | 'parent' | 'issuetype' | 'summary' | 'worklogAuthor' | 'worklogDate' | 'created';

/** Comparison operators of the subset. */
export type JqlOperator = '=' | '!=' | 'in' | 'not in' | '~' | '!~' | '>' | '>=' | '<' | '<=';

/** A literal (quoted or not) or a function call such as `currentUser()`. */
export type JqlValue = { kind: 'text'; text: string } | { kind: 'function'; name: string };

/** `field operator value(s)`; `in` lists carry several values, the rest exactly one. */
export interface JqlClause {
  kind: 'clause';
  field: JqlField;
  /** The field as written, for error messages. */
  fieldText: string;
  operator: JqlOperator;
  values: JqlValue[];
}

/** A boolean combination of clauses. */
export type JqlExpr =
  | JqlClause
  | { kind: 'and' | 'or'; left: JqlExpr; right: JqlExpr }
  | { kind: 'not'; expr: JqlExpr };

/** One `ORDER BY` term. */
export interface JqlSort {
  field: JqlField;
  fieldText: string;
  direction: 'asc' | 'desc';
}

/** A parsed query: an optional restriction (absent means unbounded) and the sort terms. */
export interface JqlQuery {
  where?: JqlExpr;
  orderBy: JqlSort[];
}

/**
 * A JQL problem Jira reports as 400 `{ errorMessages: [message] }`; `message` is the full,
 * Jira-worded text (syntax errors start with "Error in the JQL Query:").
 */
export class JqlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JqlError';
  }
}
