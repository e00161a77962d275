import { describe, expect, it } from 'vitest';
import { AppError, isAppError } from '../platform/app-error.js';
import { createManualClock } from '../platform/clock.js';
import type { TenantId } from '../tenants/tenant.js';
import type { JiraClient, JiraIssue } from '../jira/jira-client.js';
import { createLiveJiraData } from './live/live-jira-data.js';
import { parseReportQuestion } from './report-question.js';
import { createReportService, type LiveIssue, type LiveJiraPort, type LiveUser, type ReportColumnsPort } from './report-service.js';

const TENANT = 't_aaaaaaaaaaaaaaaaaaaaaaaa' as TenantId;
const VIEWER = { tenantId: TENANT, accountId: 'acc-viewer' };
const spent = () => new AppError('JIRA_INTERACTIVE_BUDGET_SPENT', 'spent', { retryAfterMs: 1_800_000 });

const issue = (id: number): LiveIssue => ({ id, key: `T-${id}`, summary: `Task ${id}`, projectId: '1', projectKey: 'T', projectName: 'Team', parentId: null, parentKey: null, parentSummary: null });
const user = (accountId: string): LiveUser => ({ accountId, displayName: `Name of ${accountId}`, avatarUrl: null, active: true });

/** Worklogs on issues 1 and 2 by one person, grouped issue → user. */
const columns: ReportColumnsPort = {
  summarizeAsColumns: () => ({ total: { seconds: 7200, worklogs: 2 }, columns: { depth: [0, 1, 0, 1], key: ['1', 'acc-1', '2', 'acc-1'], seconds: [3600, 3600, 3600, 3600], worklogs: [1, 1, 1, 1] } }),
  distinctIssueIds: () => [1, 2],
  details: () => ({ refs: [{ clientWorklogId: 7, clientIssueId: 2, accountId: 'acc-1', startedMs: 0, workDate: '2026-11-02', timeSpentSeconds: 3600 }] }),
};

/** Live data whose Jira look-ups fail with `failure` once asked; issue 1 and acc-1 are cached. */
function liveFailingWith(failure: () => Error): LiveJiraPort {
  return {
    issues: async () => Promise.reject(failure()),
    users: async (_tenant, ids) => (ids.includes('acc-1') ? Promise.reject(failure()) : new Map()),
    cachedIssues: (_tenant, ids) => new Map(ids.filter((id) => id === 1).map((id) => [id, issue(id)])),
    cachedUsers: (_tenant, ids) => new Map(ids.filter((id) => id === 'acc-1').map((id) => [id, user(id)])),
    issueIdsForJql: async () => [],
    issueIdsForKeys: async () => [],
    issueIdsForProjects: async () => [],
    viewerScope: async () => ({ kind: 'all' }),
  };
}

const question = (groupBy: string[]) => parseReportQuestion({ from: '2026-11-01', to: '2026-11-30', timeZone: 'UTC', groupBy });
const service = (live: LiveJiraPort) =>
  createReportService({ columnsFor: async () => columns, openStore: async () => ({ getWorklogsByIds: async () => [{ clientWorklogId: 7, started: '2026-11-02T09:00:00.000+0000', timeSpentSeconds: 3600, comment: null }] }) as never, live });

describe('report labels while the Jira look-up budget is spent', () => {
  it('labels from memory what it can, shows the rest as ids and says why', async () => {
    const answer = await service(liveFailingWith(spent)).summaryWire(VIEWER, question(['issue', 'user']));
    expect(answer.total).toEqual({ seconds: 7200, worklogs: 2 });
    expect(answer.labels.issue?.['1']).toEqual({ label: 'T-1 Task 1', issueKey: 'T-1' });
    expect(answer.labels.issue?.['2']).toEqual({ label: 'Issue 2' });
    expect(answer.labels.user?.['acc-1']?.label).toBe('Name of acc-1');
    expect(answer.notices).toEqual([{ code: 'JIRA_INTERACTIVE_BUDGET_SPENT', message: expect.stringContaining('show as ids'), retryAfterSeconds: 1800 }]);
  });

  it('gives detail rows without the keys it may not look up, with the notice', async () => {
    const answer = await service(liveFailingWith(spent)).details(VIEWER, question([]), { limit: 10 });
    expect(answer.rows.map((row) => [row.issueKey, row.displayName])).toEqual([[null, 'Name of acc-1']]);
    expect(answer.notices?.map((notice) => notice.code)).toEqual(['JIRA_INTERACTIVE_BUDGET_SPENT']);
  });

  it('fails an export instead of writing rows without keys', async () => {
    const rows = service(liveFailingWith(spent)).allDetails(VIEWER, question([]));
    await expect((async () => { for await (const _ of rows) void _; })()).rejects.toSatisfy((error) => isAppError(error, 'JIRA_INTERACTIVE_BUDGET_SPENT'));
  });

  it('fails as before on any other Jira error, and sends no notices with a complete answer', async () => {
    const unavailable = () => new AppError('JIRA_UNAVAILABLE', 'down');
    await expect(service(liveFailingWith(unavailable)).summaryWire(VIEWER, question(['issue', 'user']))).rejects.toSatisfy((error) => isAppError(error, 'JIRA_UNAVAILABLE'));
    const complete = await service({ ...liveFailingWith(spent), issues: async (_t, ids) => new Map(ids.map((id) => [id, issue(id)])), users: async (_t, ids) => new Map(ids.map((id) => [id, user(id)])) }).summaryWire(VIEWER, question(['issue', 'user']));
    expect(complete.labels.issue?.['2']?.label).toBe('T-2 Task 2');
    expect('notices' in complete).toBe(false);
  });

  it('answers cached labels without asking Jira, so they spend no budget', async () => {
    let calls = 0;
    let budgetSpent = false;
    const jiraIssue = (id: number): JiraIssue => ({ id, key: `T-${id}`, summary: `Task ${id}`, project: { id: '1', key: 'T', name: 'Team' }, parent: null });
    const client = {
      getIssues: async (ids: readonly (number | string)[]) => {
        calls++;
        if (budgetSpent) throw spent();
        return { issues: ids.map((id) => jiraIssue(Number(id))), failedIdsOrKeys: [] };
      },
    } as Partial<JiraClient> as JiraClient;
    const live = createLiveJiraData({ clock: createManualClock(Date.UTC(2026, 10, 23)), clientFor: async () => client });
    await live.issues(TENANT, [1, 2]);
    budgetSpent = true;
    expect([...(await live.issues(TENANT, [1, 2])).keys()]).toEqual([1, 2]);
    expect(calls).toBe(1);
    await expect(live.issues(TENANT, [1, 2, 3])).rejects.toSatisfy((error) => isAppError(error, 'JIRA_INTERACTIVE_BUDGET_SPENT'));
    expect([...live.cachedIssues(TENANT, [1, 2, 3]).keys()]).toEqual([1, 2]);
  });
});
