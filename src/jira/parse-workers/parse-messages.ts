import type { JiraWorklog } from '../jira-client.js';

/** Pool → worker: one answer's bytes (their buffer transferred). */
export interface ParseRequest {
  id: number;
  bytes: Uint8Array;
}

/** Worker → pool: the worklogs, or why the answer was refused. */
export type ParseReply = { id: number; ok: true; worklogs: JiraWorklog[] } | { id: number; ok: false; message: string; details: readonly string[] };
