import { describe, expect, it } from 'vitest';
import { worklogRefusal } from './jira-refusal.js';

describe('worklogRefusal', () => {
  it.each([
    [400, { errorMessages: ['Time tracking is disabled.'], errors: {} }, 'issue', 'time_tracking_off', 400],
    [404, { errorMessages: ['Time tracking is disabled.'] }, 'issue', 'time_tracking_off', 400],
    [400, { errorMessages: ['You do not have the permission to associate a worklog to this issue.'] }, 'issue', 'no_permission', 403],
    [403, { errorMessages: [] }, 'worklog', 'no_permission', 403],
    [404, { errorMessages: ['Issue does not exist or you do not have permission to see it.'] }, 'issue', 'issue_not_found', 404],
    [404, { errorMessages: ['Issue does not exist or you do not have permission to see it.'] }, 'worklog', 'issue_not_found', 404],
    [404, { errorMessages: ['Cannot find worklog with id: 7'] }, 'worklog', 'worklog_not_found', 404],
    [400, { errorMessages: [], errors: { started: 'Invalid date format.', timeLogged: 'Invalid time duration entered.' } }, 'issue', 'bad_input', 400],
  ] as const)('reads %i %j on an %s as %s (%i)', (status, body, target, reason, httpStatus) => {
    const error = worklogRefusal(status, body, target);
    expect(error).toMatchObject({ code: 'JIRA_WORKLOG_REFUSED', details: [reason], httpStatus, expose: true });
  });

  it("keeps Jira's words, messages first, then each field's", () => {
    const error = worklogRefusal(400, { errorMessages: ['One.'], errors: { started: 'Two.' } }, 'issue');
    expect(error.message).toBe('One. Two.');
    expect(worklogRefusal(400, undefined, 'issue').message).toBe('Jira refused the request (HTTP 400).');
  });
});
