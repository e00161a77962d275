import { describe, expect, it } from 'vitest';
import { issueKeyFromForgeExtension, issuePanelKeyFromSearch, viewFromForgeModuleType, viewFromHash, viewFromMeta } from './page-view.js';

describe('page view choice', () => {
  it("shows the admin view for Connect's admin page marker only", () => {
    expect(viewFromMeta('admin')).toBe('admin');
    expect(viewFromMeta('report')).toBe('report');
    expect(viewFromMeta(null)).toBe('report');
  });

  it("shows the admin view for Forge's jira:adminPage module and the report for any other", () => {
    expect(viewFromForgeModuleType('jira:adminPage')).toBe('admin');
    expect(viewFromForgeModuleType('jira:globalPage')).toBe('report');
    expect(viewFromForgeModuleType(undefined)).toBe('report');
  });

  it("shows the issue panel for Forge's jira:issuePanel module, for the issue its context names", () => {
    expect(viewFromForgeModuleType('jira:issuePanel')).toBe('issue-panel');
    expect(issueKeyFromForgeExtension({ issue: { key: 'TT-12' } })).toBe('TT-12');
    expect(issueKeyFromForgeExtension({ issue: { key: '<b>' } })).toBeUndefined();
    expect(issueKeyFromForgeExtension(undefined)).toBeUndefined();
  });

  it('follows the #admin hash standalone', () => {
    expect(viewFromHash('#admin')).toBe('admin');
    expect(viewFromHash('#ADMIN')).toBe('admin');
    expect(viewFromHash('#reports')).toBe('report');
    expect(viewFromHash('')).toBe('report');
  });

  it('opens the issue panel for a well-formed issue key in the query only', () => {
    expect(issuePanelKeyFromSearch('?view=issue-panel&issueKey=TT-12')).toBe('TT-12');
    expect(issuePanelKeyFromSearch('?issueKey=tt-12&view=issue-panel&xdm_e=x')).toBe('TT-12');
    expect(issuePanelKeyFromSearch('?view=issue-panel')).toBeUndefined();
    expect(issuePanelKeyFromSearch('?view=issue-panel&issueKey=TT-12%22%3E')).toBeUndefined();
    expect(issuePanelKeyFromSearch('?issueKey=TT-12')).toBeUndefined();
  });
});
