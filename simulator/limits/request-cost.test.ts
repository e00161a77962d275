import { describe, expect, it } from 'vitest';
import { isWriteRequest, requestCost } from './request-cost.js';

const base = { status: 200, countEmbeddedUsers: false };
const worklog = (id: number) => ({ id: String(id), author: { accountId: 'a' }, updateAuthor: { accountId: 'b' }, timeSpentSeconds: 60 });

describe('requestCost', () => {
  it('charges a base point plus one per item of a values page', () => {
    const body = { values: [{ worklogId: 1 }, { worklogId: 2 }, { worklogId: 3 }], lastPage: true };
    expect(requestCost({ ...base, method: 'GET', template: '/rest/api/3/worklog/updated', body })).toEqual({ points: 4, objects: 3 });
  });

  it('prices the read-only POST /worklog/list by the worklogs in its top-level array', () => {
    const body = [worklog(1), worklog(2)];
    expect(requestCost({ ...base, method: 'POST', template: '/rest/api/3/worklog/list', body }).points).toBe(3);
  });

  it('counts the worklogs array of an issue worklog page', () => {
    const body = { startAt: 0, maxResults: 5000, total: 2, worklogs: [worklog(1), worklog(2)] };
    expect(requestCost({ ...base, method: 'GET', template: '/rest/api/3/issue/{issueIdOrKey}/worklog', body }).points).toBe(3);
  });

  it('charges a single returned object as one (GET issue = 2 points)', () => {
    expect(requestCost({ ...base, method: 'GET', template: '/rest/api/3/issue/{issueIdOrKey}', body: { id: '1' } }).points).toBe(2);
  });

  it('charges identity objects two points each', () => {
    const users = [{ accountId: 'a' }, { accountId: 'b' }];
    expect(requestCost({ ...base, method: 'GET', template: '/rest/api/3/users/search', body: users }).points).toBe(5);
  });

  it('charges writes a flat point whatever they return', () => {
    expect(requestCost({ ...base, status: 201, method: 'POST', template: '/rest/api/3/issue/{issueIdOrKey}/worklog', body: worklog(1) }).points).toBe(1);
    expect(requestCost({ ...base, status: 204, method: 'DELETE', template: '/rest/api/3/issue/{issueIdOrKey}/worklog/{id}', body: undefined }).points).toBe(1);
  });

  it('charges an error answer only the base point', () => {
    expect(requestCost({ ...base, status: 404, method: 'GET', template: '/rest/api/3/issue/{issueIdOrKey}/worklog', body: { errorMessages: ['x'] } }).points).toBe(1);
  });

  it('adds two points per embedded user only when asked', () => {
    const body = [worklog(1)];
    const input = { ...base, method: 'POST', template: '/rest/api/3/worklog/list', body };
    expect(requestCost(input).points).toBe(2);
    expect(requestCost({ ...input, countEmbeddedUsers: true }).points).toBe(6);
  });
});

describe('isWriteRequest', () => {
  it('treats search-like POSTs as reads and other POST/PUT/DELETE as writes', () => {
    expect(isWriteRequest('POST', '/rest/api/3/search/jql')).toBe(false);
    expect(isWriteRequest('POST', '/rest/api/3/permissions/check')).toBe(false);
    expect(isWriteRequest('POST', '/rest/api/3/issue/bulkfetch')).toBe(false);
    expect(isWriteRequest('POST', '/rest/api/3/issue/{issueIdOrKey}/worklog')).toBe(true);
    expect(isWriteRequest('PUT', '/rest/api/3/issue/{issueIdOrKey}/worklog/{id}')).toBe(true);
    expect(isWriteRequest('GET', '/rest/api/3/worklog/updated')).toBe(false);
  });
});
