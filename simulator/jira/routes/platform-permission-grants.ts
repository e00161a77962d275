import type { JiraSite, SimProject, SimUser } from '../jira-site.js';
import { canBrowseProject } from '../jql/jql-values.js';

/** One permission of Jira's catalogue (ids and names as `GET /rest/api/3/permissions` lists them). */
export interface PermissionInfo {
  id: string;
  key: string;
  name: string;
  type: 'GLOBAL' | 'PROJECT';
  description: string;
}

const entry = (id: number, key: string, name: string, type: PermissionInfo['type'], description: string): PermissionInfo => ({
  id: String(id),
  key,
  name,
  type,
  description,
});

/** The permissions the simulator knows; any other key is a 400, as in Jira. */
export const PERMISSIONS: ReadonlyMap<string, PermissionInfo> = new Map(
  [
    entry(0, 'ADMINISTER', 'Administer Jira', 'GLOBAL', 'Create and administer projects, issue types, fields, workflows, and schemes.'),
    entry(44, 'SYSTEM_ADMIN', 'Jira System Administrators', 'GLOBAL', 'Ability to perform all administration functions.'),
    entry(27, 'USER_PICKER', 'Browse users and groups', 'GLOBAL', 'View and select users or groups from the user picker.'),
    entry(22, 'CREATE_SHARED_OBJECTS', 'Share dashboards and filters', 'GLOBAL', 'Share dashboards and filters with other users.'),
    entry(24, 'MANAGE_GROUP_FILTER_SUBSCRIPTIONS', 'Manage group filter subscriptions', 'GLOBAL', 'Create and delete group filter subscriptions.'),
    entry(33, 'BULK_CHANGE', 'Make bulk changes', 'GLOBAL', 'Modify collections of issues at once.'),
    entry(10, 'BROWSE_PROJECTS', 'Browse Projects', 'PROJECT', 'Ability to browse projects and the issues within them.'),
    entry(23, 'ADMINISTER_PROJECTS', 'Administer Projects', 'PROJECT', 'Ability to administer a project in Jira.'),
    entry(11, 'CREATE_ISSUES', 'Create Issues', 'PROJECT', 'Ability to create issues.'),
    entry(12, 'EDIT_ISSUES', 'Edit Issues', 'PROJECT', 'Ability to edit issues.'),
    entry(16, 'DELETE_ISSUES', 'Delete Issues', 'PROJECT', 'Ability to delete issues.'),
    entry(15, 'ADD_COMMENTS', 'Add Comments', 'PROJECT', 'Ability to comment on issues.'),
    entry(20, 'WORK_ON_ISSUES', 'Work On Issues', 'PROJECT', 'Ability to log work done against an issue.'),
    entry(40, 'EDIT_OWN_WORKLOGS', 'Edit Own Worklogs', 'PROJECT', 'Ability to edit own worklogs made on issues.'),
    entry(41, 'EDIT_ALL_WORKLOGS', 'Edit All Worklogs', 'PROJECT', 'Ability to edit all worklogs made on issues.'),
    entry(42, 'DELETE_OWN_WORKLOGS', 'Delete Own Worklogs', 'PROJECT', 'Ability to delete own worklogs made on issues.'),
    entry(43, 'DELETE_ALL_WORKLOGS', 'Delete All Worklogs', 'PROJECT', 'Ability to delete all worklogs made on issues.'),
  ].map((p) => [p.key, p]),
);

/** Whether a test withheld permission `key` from `user` (see `SimUser.withheldPermissions`). */
export function isWithheld(user: SimUser, key: string): boolean {
  return user.withheldPermissions?.includes(key) ?? false;
}

const MEMBER_GLOBAL = new Set(['USER_PICKER', 'CREATE_SHARED_OBJECTS', 'MANAGE_GROUP_FILTER_SUBSCRIPTIONS', 'BULK_CHANGE']);
const MANAGER_PROJECT = new Set(['ADMINISTER_PROJECTS', 'DELETE_ISSUES', 'EDIT_ALL_WORKLOGS', 'DELETE_ALL_WORKLOGS']);

/**
 * The simulator's permission scheme, kept deliberately small:
 * - site admins hold every permission everywhere;
 * - members of `jira-administrators` also hold ADMINISTER;
 * - app users hold every project permission (the add-on project role) and USER_PICKER;
 * - other active users hold the member set of global permissions and, on projects they may
 *   browse, every project permission except the manager ones (administer, delete issues,
 *   edit/delete all worklogs);
 * - inactive users hold nothing;
 * - nobody holds a permission listed in their `withheldPermissions` (how a test narrows the
 *   scheme for one user; withholding BROWSE_PROJECTS also hides every issue from them).
 */
export function hasGlobalPermission(user: SimUser, key: string): boolean {
  if (!user.active || isWithheld(user, key)) return false;
  if (user.siteAdmin) return true;
  if (key === 'ADMINISTER' && user.groups.includes('jira-administrators')) return true;
  if (user.accountType === 'app') return key === 'USER_PICKER';
  return MEMBER_GLOBAL.has(key);
}

/** Whether `user` holds project permission `key` in `project` (see {@link hasGlobalPermission}). */
export function hasProjectPermission(user: SimUser, key: string, project: SimProject): boolean {
  if (!user.active || isWithheld(user, key)) return false;
  if (user.siteAdmin || user.accountType === 'app') return true;
  return canBrowseProject(project, user) && !MANAGER_PROJECT.has(key);
}

/** Whether `user` holds project permission `key` in any project (Jira's global context). */
export function hasProjectPermissionAnywhere(site: JiraSite, user: SimUser, key: string): boolean {
  return [...site.projects.values()].some((project) => hasProjectPermission(user, key, project));
}
