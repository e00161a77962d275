import { describe, expect, it } from 'vitest';
import { isAppError } from '../platform/app-error.js';
import { parseBulkIssues, parsePermissionGrants, parseProjectPage, parseUserPage } from './platform-parsers.js';

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

const project = { id: '10000', key: 'EX', name: 'Example', self: 'https://x.example/rest/api/3/project/10000' };

describe('parseBulkIssues', () => {
  it('reads id, key, summary, project and parent, sorted by id, and lists issueErrors', () => {
    const result = parseBulkIssues({
      expand: '',
      issues: [
        { id: '10005', key: 'EX-2', fields: { summary: 'Second', project, parent: { id: '10002', key: 'EX-1', fields: { summary: 'Epic' } } } },
        { id: '10002', key: 'EX-1', fields: { summary: 'Epic', project } },
      ],
      issueErrors: [{ id: '10009', errorMessage: 'try again' }, { errorMessage: 'no id' }],
    });
    expect(result).toEqual({
      issues: [
        { id: 10002, key: 'EX-1', summary: 'Epic', project: { id: '10000', key: 'EX', name: 'Example' }, parent: null },
        { id: 10005, key: 'EX-2', summary: 'Second', project: { id: '10000', key: 'EX', name: 'Example' }, parent: { id: 10002, key: 'EX-1', summary: 'Epic' } },
      ],
      failedIdsOrKeys: ['10009'],
    });
  });

  it('tolerates a missing summary and a parent without fields', () => {
    const result = parseBulkIssues({ issues: [{ id: '1', key: 'A-1', fields: { project, parent: { id: '2', key: 'A-2' } } }] });
    expect(result.issues[0]).toMatchObject({ summary: '', parent: { id: 2, key: 'A-2', summary: '' } });
  });

  it('fails the whole answer on a malformed issue, naming the field but not the value', () => {
    const error = thrown(() => parseBulkIssues({ issues: [{ id: 'secret-id', key: 'A-1', fields: { project } }] }));
    expect(isAppError(error, 'JIRA_RESPONSE_INVALID')).toBe(true);
    expect(JSON.stringify({ message: (error as Error).message, details: (error as { details: unknown }).details })).not.toContain('secret-id');
    expect(isAppError(thrown(() => parseBulkIssues({ issues: [{ id: '1', key: 'A-1', fields: {} }] })), 'JIRA_RESPONSE_INVALID')).toBe(true);
  });
});

describe('parseUserPage', () => {
  it('reads the 48×48 avatar and defaults what the excerpt does not require', () => {
    const page = parseUserPage({
      isLast: true,
      values: [
        { accountId: 'a1', displayName: 'Ann', active: false, timeZone: 'UTC', avatarUrls: { '48x48': 'https://a/48', '16x16': 'https://a/16' } },
        { accountId: 'a2' },
      ],
    });
    expect(page).toEqual({
      isLast: true,
      users: [
        { accountId: 'a1', displayName: 'Ann', avatarUrl: 'https://a/48', active: false, timeZone: 'UTC' },
        { accountId: 'a2', displayName: '', avatarUrl: null, active: true, timeZone: undefined },
      ],
    });
  });

  it('requires an account id on every user', () => {
    expect(isAppError(thrown(() => parseUserPage({ values: [{ displayName: 'x' }] })), 'JIRA_RESPONSE_INVALID')).toBe(true);
  });
});

describe('parseProjectPage', () => {
  it('reduces projects to id, key and name', () => {
    expect(parseProjectPage({ values: [{ ...project, style: 'classic' }] })).toEqual({ projects: [{ id: '10000', key: 'EX', name: 'Example' }], isLast: undefined });
  });
});

describe('parsePermissionGrants', () => {
  it('merges a permission listed twice', () => {
    const grants = parsePermissionGrants({
      globalPermissions: ['ADMINISTER'],
      projectPermissions: [
        { permission: 'BROWSE_PROJECTS', issues: [1, 2], projects: [10] },
        { permission: 'BROWSE_PROJECTS', issues: [3], projects: [] },
      ],
    });
    expect(grants.globalPermissions).toEqual(new Set(['ADMINISTER']));
    expect(grants.projectPermissions.get('BROWSE_PROJECTS')).toEqual({ projectIds: new Set([10]), issueIds: new Set([1, 2, 3]) });
  });

  it('requires both lists (BulkPermissionGrants marks them required)', () => {
    expect(isAppError(thrown(() => parsePermissionGrants({ globalPermissions: [] })), 'JIRA_RESPONSE_INVALID')).toBe(true);
  });
});
