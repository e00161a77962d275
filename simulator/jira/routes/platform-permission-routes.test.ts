import { beforeEach, describe, expect, it } from 'vitest';
import { createPlatformTestKit, type PlatformTestKit } from '../../../test/support/platform-test-kit.js';

let kit: PlatformTestKit;
beforeEach(() => {
  kit = createPlatformTestKit();
});

const check = (body: unknown, as = kit.admin) => kit.call('/rest/api/3/permissions/check', { method: 'POST', body, as });

describe('POST /rest/api/3/permissions/check', () => {
  it('grants BROWSE_PROJECTS only on the projects and issues a user may browse', async () => {
    const hiddenIssue = [...kit.sim.site.issues.values()].find((i) => i.projectId === kit.hiddenProject.id);
    const openIssue = [...kit.sim.site.issues.values()].find((i) => i.projectId !== kit.hiddenProject.id);
    if (!hiddenIssue || !openIssue) throw new Error('issues expected');
    const openProject = Number(openIssue.projectId);
    const answer = await check({
      accountId: kit.member.accountId,
      globalPermissions: ['ADMINISTER', 'USER_PICKER'],
      projectPermissions: [{ permissions: ['BROWSE_PROJECTS'], projects: [Number(kit.hiddenProject.id), openProject, 99999], issues: [hiddenIssue.id, openIssue.id] }],
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      globalPermissions: ['USER_PICKER'],
      projectPermissions: [{ permission: 'BROWSE_PROJECTS', projects: [openProject], issues: [openIssue.id] }],
    });
  });

  it('gives site admins every permission, checking the caller when no accountId is given', async () => {
    const answer = await check({ globalPermissions: ['ADMINISTER'], projectPermissions: [{ permissions: ['EDIT_ALL_WORKLOGS'], projects: [Number(kit.hiddenProject.id)] }] });
    expect(answer.body.globalPermissions).toEqual(['ADMINISTER']);
    expect(answer.body.projectPermissions[0].projects).toEqual([Number(kit.hiddenProject.id)]);
  });

  it('forbids non-admins to check other users, but lets them check themselves', async () => {
    const other = await check({ accountId: kit.admin.accountId, globalPermissions: ['ADMINISTER'] }, kit.member);
    expect(other.status).toBe(403);
    const self = await check({ accountId: kit.member.accountId, globalPermissions: ['ADMINISTER'] }, kit.member);
    expect(self.body).toEqual({ globalPermissions: [], projectPermissions: [] });
  });

  it('rejects unknown permission keys, empty permission lists and wrong types', async () => {
    expect((await check({ globalPermissions: ['FLY'] })).status).toBe(400);
    expect((await check({ projectPermissions: [{ permissions: [] }] })).status).toBe(400);
    expect((await check({ projectPermissions: [{ permissions: ['BROWSE_PROJECTS'], projects: ['10000'] }] })).status).toBe(400);
    expect((await check({ accountId: 'nobody' })).status).toBe(400);
  });
});

describe('GET /rest/api/3/mypermissions', () => {
  it('answers per project context and globally', async () => {
    const hidden = await kit.call(`/rest/api/3/mypermissions?permissions=BROWSE_PROJECTS&projectKey=${kit.hiddenProject.key}`, { as: kit.member });
    expect(hidden.status).toBe(404);
    const global = await kit.call('/rest/api/3/mypermissions?permissions=BROWSE_PROJECTS,ADMINISTER', { as: kit.member });
    expect(global.body.permissions.BROWSE_PROJECTS).toMatchObject({ key: 'BROWSE_PROJECTS', type: 'PROJECT', havePermission: true });
    expect(global.body.permissions.ADMINISTER.havePermission).toBe(false);
    const issue = await kit.call('/rest/api/3/mypermissions?permissions=EDIT_ALL_WORKLOGS&issueKey=OPS-1');
    expect(issue.body.permissions.EDIT_ALL_WORKLOGS.havePermission).toBe(true);
  });

  it('requires known permission keys', async () => {
    expect((await kit.call('/rest/api/3/mypermissions')).status).toBe(400);
    expect((await kit.call('/rest/api/3/mypermissions?permissions=BROWSE')).status).toBe(400);
  });
});
