import { describe, expect, it } from 'vitest';
import { endpointTemplate, findIssueSegment } from './endpoint-template.js';

describe('endpointTemplate', () => {
  it.each([
    ['/rest/api/3/issue/TAL-7/worklog/10042', '/rest/api/3/issue/{issueIdOrKey}/worklog/{id}'],
    ['/rest/api/3/issue/10001/worklog', '/rest/api/3/issue/{issueIdOrKey}/worklog'],
    ['/rest/api/2/issue/tal-7/worklog/move', '/rest/api/2/issue/{issueIdOrKey}/worklog/move'],
    ['/rest/api/3/issue/10001/worklog/5/properties/tally.sync', '/rest/api/3/issue/{issueIdOrKey}/worklog/{id}/properties/{propertyKey}'],
    ['/rest/api/3/worklog/updated', '/rest/api/3/worklog/updated'],
    ['/rest/api/3/worklog/list', '/rest/api/3/worklog/list'],
    ['/rest/api/3/issue/bulkfetch', '/rest/api/3/issue/bulkfetch'],
    ['/rest/api/3/project/TAL', '/rest/api/3/project/{projectIdOrKey}'],
    ['/rest/api/3/project/search', '/rest/api/3/project/search'],
    ['/rest/api/3/group/77/member/', '/rest/api/3/group/{id}/member'],
  ])('maps %s to %s', (path, template) => {
    expect(endpointTemplate(path)).toBe(template);
  });

  it('keeps the API version literal', () => {
    expect(endpointTemplate('/rest/api/3/issue/1')).toBe('/rest/api/3/issue/{issueIdOrKey}');
  });
});

describe('findIssueSegment', () => {
  it('names the issue of a path under /issue/{issueIdOrKey}', () => {
    expect(findIssueSegment('/rest/api/3/issue/TAL-7/worklog/1')).toBe('TAL-7');
    expect(findIssueSegment('/rest/api/3/issue/10001/worklog')).toBe('10001');
  });

  it('names nothing for issue-wide endpoints and other resources', () => {
    expect(findIssueSegment('/rest/api/3/issue/bulkfetch')).toBeUndefined();
    expect(findIssueSegment('/rest/api/3/worklog/list')).toBeUndefined();
  });
});
