import type { JiraWorklog } from './jira-client.js';
import { decodeUtf8, parseJsonText } from './jira-response-body.js';
import { parseWorklogList } from './worklog-parsers.js';

/** The endpoint named in a malformed-JSON error. */
const LIST_ENDPOINT = 'POST /rest/api/3/worklog/list';

/**
 * Turns the raw bytes of a `POST /worklog/list` answer into worklogs: UTF-8, JSON, then the
 * worklog reader, all or nothing (`JIRA_RESPONSE_INVALID`, retryable). Pure and synchronous: the
 * same function runs inline and on the parse workers.
 */
export function decodeWorklogListBytes(bytes: Uint8Array): JiraWorklog[] {
  return parseWorklogList(parseJsonText(decodeUtf8(bytes), LIST_ENDPOINT));
}

/**
 * Where `/worklog/list` answers are decoded. A full sync decodes about 1.8 KB of JSON per
 * worklog; on a worker thread that work runs beside the HTTP client and the SQLite writer instead
 * of in turn with them. `decode` may take ownership of `bytes` (their buffer is transferred).
 */
export interface WorklogListDecoder {
  decode(bytes: Uint8Array): Promise<JiraWorklog[]>;
  /** Stops the workers; pending decodes reject. Idempotent. */
  close(): Promise<void>;
}

/** Decodes on the calling thread: for one-core machines and tests that need no threads. */
export const inlineWorklogListDecoder: WorklogListDecoder = {
  decode: async (bytes) => decodeWorklogListBytes(bytes),
  close: async () => undefined,
};
