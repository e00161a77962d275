import { parseJiraDateTime } from '../jira/jira-date-time.js';
import { AppError } from '../platform/app-error.js';
import { commentToAdf } from './worklog-comment.js';
import { formatJiraStarted, instantOfWallTime, wallTimeOf } from './jira-started.js';
import { checkLogWorkInput, checkWorklogChanges, type LogWorkInput, type WorklogChanges } from './worklog-input.js';
import { readOwnWorklog, type OwnWorklog } from './own-worklog.js';
import type { WorklogBody, WorklogOps, WorklogWriter } from './worklog-jira-ops.js';

/** Log work, read, edit and delete one's worklogs in Jira, as the person (docs/api.md). */
export interface WorklogWriteService {
  /** Writes a new worklog; nothing is sent when the input is invalid (`WORKLOG_INPUT_INVALID`). */
  logWork(writer: WorklogWriter, input: LogWorkInput): Promise<OwnWorklog>;
  /** One worklog as the writer may read it (the edit form's values). */
  getWorklog(writer: WorklogWriter, issueId: number, worklogId: number): Promise<OwnWorklog>;
  /** Changes the given fields; Jira decides whether this person may (its edit-own/edit-all permissions). */
  editWorklog(writer: WorklogWriter, issueId: number, worklogId: number, changes: WorklogChanges): Promise<OwnWorklog>;
  deleteWorklog(writer: WorklogWriter, issueId: number, worklogId: number): Promise<void>;
}

/**
 * The service over the writer's own Jira access. Every write goes to Jira in one request whose
 * refusal leaves nothing written (Jira's own atomic create/update/delete), and a successful one is
 * announced to the sync at once. Jira's rules stay Jira's: the duration goes as `timeSpent` text,
 * so Jira applies the site's working day; `started` is the wall time in the writer's Jira zone.
 */
export function createWorklogWriteService(ops: WorklogOps): WorklogWriteService {
  return {
    async logWork(writer, rawInput) {
      const input = checkLogWorkInput(rawInput);
      const jira = ops.jiraOf(writer);
      const zone = await ops.viewerZone(jira, writer);
      const body: WorklogBody = {
        started: formatJiraStarted(instantOfWallTime({ date: input.date, time: input.startTime }, zone), zone),
        timeSpent: input.duration,
      };
      const comment = input.comment === undefined ? undefined : commentToAdf(input.comment);
      if (comment) body.comment = comment;
      const { raw, worklog } = await ops.createWorklog(jira, input.issue, body);
      ops.announce(writer, 'worklog_created', worklog.id, worklog.issueId, raw.updated);
      const fallbackKey = /^\d+$/.test(input.issue) ? String(worklog.issueId) : input.issue.toUpperCase();
      return { ...worklog, issueKey: await ops.issueKeyOf(jira, worklog.issueId, fallbackKey) };
    },

    async getWorklog(writer, issueId, worklogId) {
      const jira = ops.jiraOf(writer);
      const raw = await ops.readWorklog(jira, issueId, worklogId);
      return readOwnWorklog(raw, await ops.issueKeyOf(jira, issueId, String(issueId)));
    },

    async editWorklog(writer, issueId, worklogId, rawChanges) {
      const changes = checkWorklogChanges(rawChanges);
      const jira = ops.jiraOf(writer);
      const body: WorklogBody = {};
      if (changes.date !== undefined || changes.startTime !== undefined) {
        const zone = await ops.viewerZone(jira, writer);
        // Only one of date and time given: the other stays as Jira holds it, read in the same zone.
        let wall = { date: changes.date ?? '', time: changes.startTime ?? '' };
        if (changes.date === undefined || changes.startTime === undefined) {
          const current = await ops.readWorklog(jira, issueId, worklogId);
          const startedMs = typeof current.started === 'string' ? parseJiraDateTime(current.started) : undefined;
          if (startedMs === undefined) throw new AppError('JIRA_RESPONSE_INVALID', "Jira's worklog answer has no readable start");
          const held = wallTimeOf(startedMs, zone);
          wall = { date: changes.date ?? held.date, time: changes.startTime ?? held.time };
        }
        body.started = formatJiraStarted(instantOfWallTime(wall, zone), zone);
      }
      if (changes.duration !== undefined) body.timeSpent = changes.duration;
      // An empty comment removes it (null), as clearing the field in Jira's dialog does.
      if (changes.comment !== undefined) body.comment = commentToAdf(changes.comment) ?? null;
      const raw = await ops.updateWorklog(jira, issueId, worklogId, body);
      const worklog = readOwnWorklog(raw, String(issueId));
      ops.announce(writer, 'worklog_updated', worklog.id, worklog.issueId, raw.updated);
      return { ...worklog, issueKey: await ops.issueKeyOf(jira, worklog.issueId, String(issueId)) };
    },

    async deleteWorklog(writer, issueId, worklogId) {
      await ops.deleteWorklog(ops.jiraOf(writer), issueId, worklogId);
      ops.announce(writer, 'worklog_deleted', worklogId, issueId, undefined);
    },
  };
}
