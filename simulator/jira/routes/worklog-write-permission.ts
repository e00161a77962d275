import { jiraError } from '../../http/jira-error.js';
import type { Caller } from '../../http/sim-env.js';
import type { JiraSite, SimIssue, SimUser, SimWorklog } from '../jira-site.js';
import { hasProjectPermission } from './platform-permission-grants.js';

/** A worklog write, as Jira's `DefaultWorklogService` checks it. */
export type WorklogWrite = 'create' | 'update' | 'delete';

/**
 * Jira's refusal texts. The create text is Jira's `worklog.service.error.no.permission` ("{0}, you
 * do not have the permission to associate a worklog to this issue." in Jira Server's service,
 * quoted without the display-name prefix by Cloud users). The edit and delete texts follow the
 * keys `…no.edit.permission` / `…no.delete.permission`; their exact Cloud wording is unverified.
 */
export const WORKLOG_PERMISSION_MESSAGES: Readonly<Record<WorklogWrite, string>> = {
  create: 'You do not have the permission to associate a worklog to this issue.',
  update: 'You do not have the permission to edit this worklog.',
  delete: 'You do not have the permission to delete this worklog.',
};

function mayWrite(user: SimUser, action: WorklogWrite, issue: SimIssue, site: JiraSite, worklog: SimWorklog | undefined): boolean {
  const project = site.projects.get(issue.projectId);
  if (!project) return false;
  const has = (key: string) => hasProjectPermission(user, key, project);
  // "Edit all worklogs … to update any worklog or Edit own worklogs to update worklogs created by
  // the user" (openapi: updateWorklog); the same pair for delete (deleteWorklog).
  const own = worklog !== undefined && worklog.authorId === user.accountId;
  if (action === 'create') return has('WORK_ON_ISSUES');
  if (action === 'update') return has('EDIT_ALL_WORKLOGS') || (own && has('EDIT_OWN_WORKLOGS'));
  return has('DELETE_ALL_WORKLOGS') || (own && has('DELETE_OWN_WORKLOGS'));
}

/**
 * Jira's answer when `caller` may not make this worklog write on `issue` (the project permission
 * check, after the issue was found visible), or undefined when it may. The status is the site's
 * `worklogPermissionRefusalStatus` (400 per the Cloud OpenAPI excerpt).
 */
export function refuseWorklogWrite(site: JiraSite, caller: Caller, action: WorklogWrite, issue: SimIssue, worklog?: SimWorklog): Response | undefined {
  if (mayWrite(caller.user, action, issue, site, worklog)) return undefined;
  return jiraError(site.behaviour.worklogPermissionRefusalStatus, [WORKLOG_PERMISSION_MESSAGES[action]]);
}

/**
 * Whether `caller` may delete every worklog of a bulk delete: "Delete all worklogs project
 * permission to delete any worklog" (openapi: bulkDeleteWorklogs); refused with 400.
 */
export function refuseBulkWorklogDelete(site: JiraSite, caller: Caller, issue: SimIssue): Response | undefined {
  const project = site.projects.get(issue.projectId);
  if (project && hasProjectPermission(caller.user, 'DELETE_ALL_WORKLOGS', project)) return undefined;
  return jiraError(400, ['You do not have the permission to delete the worklogs.']);
}

/**
 * The time zone a worklog answer is rendered in: a user caller's profile zone ("Responses render
 * the offset of the user's timezone", jira-connect-protocol.md §1.4; self-hosted-site.md §6). App
 * callers keep the site's one zone, the simulator's simplification for the app user.
 */
export function renderZoneFor(site: JiraSite, caller: Caller): string {
  return caller.kind === 'user' ? caller.user.timeZone : site.timeZone;
}
