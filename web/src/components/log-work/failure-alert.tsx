import type { RefObject } from 'react';
import { ApiError } from '../../api/api-error.js';
import { failureTitle, refusalHint } from './log-work-texts.js';

/**
 * The log-work error region: always in the page (an alert region added together with its text
 * may not be read out), empty until a failure. The failure's message is shown as it came — Jira's
 * words when Jira refused — with what the user can do and the error code. Focusable, so a failure
 * that is not about one field can take the focus.
 */
export function FailureAlert({ failure, alertRef, testId = 'log-work-error' }: { failure: Error | undefined; alertRef?: RefObject<HTMLDivElement | null>; testId?: string }) {
  const hint = failure && refusalHint(failure);
  const code = failure instanceof ApiError ? failure.code : undefined;
  return (
    <div className={failure ? 'log-work-alert' : 'log-work-alert empty'} role="alert" tabIndex={-1} ref={alertRef} data-testid={testId}>
      {failure && (
        <>
          <p className="log-work-alert-title">{failureTitle(failure)}</p>
          <p data-testid={`${testId}-message`}>{failure.message}</p>
          {hint && <p>{hint}</p>}
          {code && <p className="error-code">Error code: {code}</p>}
        </>
      )}
    </div>
  );
}
