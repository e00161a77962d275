import { beforeEach, describe, expect, it } from 'vitest';
import { createPlatformTestKit, type PlatformTestKit } from '../../../test/support/platform-test-kit.js';
import { textToAdf } from '../adf.js';
import type { SimIssue, SimWorklog } from '../jira-site.js';
import { WORKLOG_PERMISSION_MESSAGES } from './worklog-write-permission.js';

let kit: PlatformTestKit;
let issue: SimIssue;
let othersWorklog: SimWorklog;

beforeEach(() => {
  kit = createPlatformTestKit();
  const open = [...kit.sim.site.issues.values()].filter((i) => i.projectId !== kit.hiddenProject.id && i.timeTrackingEnabled);
  issue = open[0] as SimIssue;
  // Someone else's worklog on a visible issue: the member holds Edit/Delete own, never all.
  othersWorklog = kit.sim.site.createWorklog({ issueId: issue.id, authorId: kit.admin.accountId, comment: undefined, startedMs: kit.sim.clock.now() - 3_600_000, timeSpentSeconds: 600 });
  kit.member.timeZone = 'Asia/Tokyo';
});

const body = { started: '2026-03-02T09:15:00.000+0100', timeSpentSeconds: 1800, comment: textToAdf('Pairing on the importer') };
const create = (as = kit.member) => kit.call(`/rest/api/3/issue/${issue.key}/worklog`, { method: 'POST', body, as });
const worklogPath = (worklog: { id: number | string }) => `/rest/api/3/issue/${issue.key}/worklog/${worklog.id}`;

describe('worklog writes need Jira’s project permissions', () => {
  it('records the calling user as author and update author, renders their zone and keeps the ADF comment', async () => {
    const answer = await create();
    expect(answer.status).toBe(201);
    expect(answer.body).toMatchObject({
      author: { accountId: kit.member.accountId },
      updateAuthor: { accountId: kit.member.accountId },
      // 09:15 at +0100 is 17:15 in Tokyo (+0900, no DST): the member's profile zone, not the site's.
      started: '2026-03-02T17:15:00.000+0900',
      comment: body.comment,
    });
    const stored = kit.sim.site.worklogs.get(Number(answer.body.id));
    expect(stored).toMatchObject({ authorId: kit.member.accountId, updateAuthorId: kit.member.accountId, startedMs: Date.UTC(2026, 2, 2, 8, 15) });
  });

  it('refuses a create without Work on issues with 400 and Jira’s words, and writes nothing', async () => {
    kit.member.withheldPermissions = ['WORK_ON_ISSUES'];
    const before = kit.sim.site.worklogs.size;
    const answer = await create();
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ errorMessages: [WORKLOG_PERMISSION_MESSAGES.create], errors: {} });
    expect(WORKLOG_PERMISSION_MESSAGES.create).toBe('You do not have the permission to associate a worklog to this issue.');
    expect(kit.sim.site.worklogs.size).toBe(before);
  });

  it('answers 403 instead when the site behaviour says so', async () => {
    kit.sim.site.behaviour.worklogPermissionRefusalStatus = 403;
    kit.member.withheldPermissions = ['WORK_ON_ISSUES'];
    const answer = await create();
    expect(answer.status).toBe(403);
    expect(answer.body.errorMessages).toEqual([WORKLOG_PERMISSION_MESSAGES.create]);
  });

  it('answers 404 without Browse projects: the issue is invisible, not forbidden', async () => {
    kit.member.withheldPermissions = ['BROWSE_PROJECTS'];
    const answer = await create();
    expect(answer.status).toBe(404);
    const mine = await kit.call(`/rest/api/3/mypermissions?permissions=BROWSE_PROJECTS&issueKey=${issue.key}`, { as: kit.member });
    expect(mine.status).toBe(404);
  });

  it('lets a user edit and delete their own worklog with the own-worklog permissions', async () => {
    const created = await create();
    const update = await kit.call(worklogPath(created.body), { method: 'PUT', body: { timeSpentSeconds: 2700 }, as: kit.member });
    expect(update.status).toBe(200);
    expect(update.body).toMatchObject({ timeSpent: '45m', updateAuthor: { accountId: kit.member.accountId } });
    const removed = await kit.call(worklogPath(created.body), { method: 'DELETE', as: kit.member });
    expect(removed.status).toBe(204);
    expect(kit.sim.site.worklogs.has(Number(created.body.id))).toBe(false);
  });

  it('refuses editing or deleting someone else’s worklog without the all-worklogs permissions', async () => {
    const update = await kit.call(worklogPath(othersWorklog), { method: 'PUT', body: { timeSpentSeconds: 60 }, as: kit.member });
    expect(update.status).toBe(400);
    expect(update.body.errorMessages).toEqual([WORKLOG_PERMISSION_MESSAGES.update]);
    const removed = await kit.call(worklogPath(othersWorklog), { method: 'DELETE', as: kit.member });
    expect(removed.status).toBe(400);
    expect(removed.body.errorMessages).toEqual([WORKLOG_PERMISSION_MESSAGES.delete]);
    expect(kit.sim.site.worklogs.get(othersWorklog.id)).toMatchObject({ timeSpentSeconds: 600, updateAuthorId: kit.admin.accountId });
  });

  it('refuses editing or deleting one’s own worklog when the own-worklog permissions are withheld', async () => {
    const created = await create();
    kit.member.withheldPermissions = ['EDIT_OWN_WORKLOGS', 'DELETE_OWN_WORKLOGS'];
    const update = await kit.call(worklogPath(created.body), { method: 'PUT', body: { timeSpentSeconds: 60 }, as: kit.member });
    expect(update.status).toBe(400);
    expect(update.body.errorMessages).toEqual([WORKLOG_PERMISSION_MESSAGES.update]);
    const removed = await kit.call(worklogPath(created.body), { method: 'DELETE', as: kit.member });
    expect(removed.status).toBe(400);
    expect(kit.sim.site.worklogs.has(Number(created.body.id))).toBe(true);
  });

  it('lets a site admin edit and delete anyone’s worklog', async () => {
    const created = await create();
    const update = await kit.call(worklogPath(created.body), { method: 'PUT', body: { timeSpentSeconds: 60 } });
    expect(update.status).toBe(200);
    expect(update.body).toMatchObject({ author: { accountId: kit.member.accountId }, updateAuthor: { accountId: kit.admin.accountId } });
    expect((await kit.call(worklogPath(created.body), { method: 'DELETE' })).status).toBe(204);
  });

  it('answers 404 for reading, editing or deleting a worklog once time tracking is off on its issue', async () => {
    const created = await create();
    issue.timeTrackingEnabled = false;
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const answer = await kit.call(worklogPath(created.body), { method, as: kit.member, ...(method === 'PUT' ? { body: { timeSpentSeconds: 60 } } : {}) });
      expect(answer.status, method).toBe(404);
    }
    expect(kit.sim.site.worklogs.get(Number(created.body.id))?.timeSpentSeconds).toBe(1800);
  });

  it('refuses a bulk delete without Delete all worklogs', async () => {
    const created = await create();
    const answer = await kit.call(`/rest/api/3/issue/${issue.key}/worklog`, { method: 'DELETE', body: { ids: [Number(created.body.id)] }, as: kit.member });
    expect(answer.status).toBe(400);
    expect(kit.sim.site.worklogs.has(Number(created.body.id))).toBe(true);
  });
});

describe('withheld permissions in the permission APIs', () => {
  it('are reported as missing by /mypermissions and /permissions/check alike', async () => {
    const project = Number(issue.projectId);
    const keys = 'WORK_ON_ISSUES,EDIT_OWN_WORKLOGS,USER_PICKER';
    const before = await kit.call(`/rest/api/3/mypermissions?permissions=${keys}&issueKey=${issue.key}`, { as: kit.member });
    expect(before.body.permissions.WORK_ON_ISSUES.havePermission).toBe(true);
    kit.member.withheldPermissions = ['WORK_ON_ISSUES', 'USER_PICKER'];
    const mine = await kit.call(`/rest/api/3/mypermissions?permissions=${keys}&issueKey=${issue.key}`, { as: kit.member });
    expect(mine.body.permissions.WORK_ON_ISSUES.havePermission).toBe(false);
    expect(mine.body.permissions.EDIT_OWN_WORKLOGS.havePermission).toBe(true);
    expect(mine.body.permissions.USER_PICKER.havePermission).toBe(false);
    const checked = await kit.call('/rest/api/3/permissions/check', {
      method: 'POST',
      body: { accountId: kit.member.accountId, globalPermissions: ['USER_PICKER'], projectPermissions: [{ permissions: ['WORK_ON_ISSUES', 'EDIT_OWN_WORKLOGS'], projects: [project], issues: [issue.id] }] },
    });
    expect(checked.body).toEqual({
      globalPermissions: [],
      projectPermissions: [
        { permission: 'WORK_ON_ISSUES', projects: [], issues: [] },
        { permission: 'EDIT_OWN_WORKLOGS', projects: [project], issues: [issue.id] },
      ],
    });
  });
});
