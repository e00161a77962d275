/**
 * POST endpoints that only read: Jira prices them like GETs (objects returned), not as a write.
 * Templates keep the version segment, so both v2 and v3 forms are matched by suffix.
 */
const READ_ONLY_POST_SUFFIXES = ['/worklog/list', '/search/jql', '/permissions/check', '/issue/bulkfetch'];

/** Response fields that hold a page of core objects (Jira's paged envelopes). */
const OBJECT_ARRAY_FIELDS = ['values', 'worklogs', 'issues'] as const;

/**
 * Endpoints returning identity objects (users, groups), which cost 2 points each
 * (jira-connect-protocol.md §3: "identity objects (users, groups, roles, permissions) cost 2").
 */
const IDENTITY_TEMPLATE = /\/(myself|user|users|user\/search|users\/search|user\/bulk|group\/member|groups\/picker)$/;

/** Whether a request changes data (costs a flat point and counts toward per-issue writes). */
export function isWriteRequest(method: string, template: string): boolean {
  if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS') return false;
  if (method === 'POST' && READ_ONLY_POST_SUFFIXES.some((suffix) => template.endsWith(suffix))) return false;
  return true;
}

function isUserObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && typeof (value as { accountId?: unknown }).accountId === 'string';
}

/** Embedded user objects one level inside `item` (a worklog's `author` and `updateAuthor`). */
function countEmbeddedUsers(item: unknown): number {
  if (typeof item !== 'object' || item === null) return 0;
  return Object.values(item).filter(isUserObject).length;
}

/** What a request is charged, with its parts for benches and tests. */
export interface RequestCost {
  points: number;
  /** Objects the response returned (0 for writes and errors). */
  objects: number;
}

/** Inputs of {@link requestCost}. */
export interface RequestCostInput {
  method: string;
  template: string;
  status: number;
  /** The parsed JSON body, or undefined when there was none or it was not JSON. */
  body: unknown;
  countEmbeddedUsers: boolean;
  /** The route's own count of returned objects; when given, `body` is not inspected. */
  returned?: { count: number; embeddedUsers: number } | undefined;
  /** Charged a flat point whatever it returns (objects still counted); see `QuotaOptions.flatCostTemplates`. */
  flat?: boolean;
}

/**
 * Points Jira charges an app for one request (jira-connect-protocol.md §3): a base of 1, plus
 * for reads 1 per core object returned (2 per identity object). "GET issue = 2 points", so a
 * single object counts as one. Writes cost a flat 1. Objects are the items of a top-level array
 * or of a `values`/`worklogs`/`issues` page. Error answers cost only the base (assumed). With
 * `countEmbeddedUsers`, each user object inside a returned item adds 2 (unverified). Pure.
 */
export function requestCost(input: RequestCostInput): RequestCost {
  if (isWriteRequest(input.method, input.template) || input.status < 200 || input.status >= 300) return { points: 1, objects: 0 };
  const weight = IDENTITY_TEMPLATE.test(input.template) ? 2 : 1;
  if (input.returned && input.flat) return { points: 1, objects: input.returned.count };
  if (input.returned) {
    const embedded = input.countEmbeddedUsers ? 2 * input.returned.embeddedUsers : 0;
    return { points: 1 + input.returned.count * weight + embedded, objects: input.returned.count };
  }
  const body = input.body;
  let items: unknown[] | undefined;
  if (Array.isArray(body)) items = body;
  else if (typeof body === 'object' && body !== null) {
    const record = body as Record<string, unknown>;
    const field = OBJECT_ARRAY_FIELDS.find((name) => Array.isArray(record[name]));
    items = field ? (record[field] as unknown[]) : [body];
  } else items = [];
  if (input.flat) return { points: 1, objects: items.length };
  let points = 1 + items.length * weight;
  if (input.countEmbeddedUsers) for (const item of items) points += 2 * countEmbeddedUsers(item);
  return { points, objects: items.length };
}
