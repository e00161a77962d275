import { useMemo } from 'react';
import { useApiResource } from '../../report/use-api-resource.js';
import { FailureAlert } from './failure-alert.js';
import type { LogWorkActions, LogWorkOutletState, WorklogRef } from './log-work-context.js';
import { toChange, valuesOf } from './log-work-fields.js';
import { LogWorkForm } from './log-work-form.js';
import { updatedText } from './log-work-texts.js';
import { ModalDialog } from './modal-dialog.js';

/**
 * Edit one of the viewer's worklogs: its values are read from Jira as the viewer first (the
 * report's copy may lag or round), then only what changed is sent.
 */
export function EditWorklogDialog({ actions, worklog, close }: { actions: LogWorkActions; worklog: WorklogRef; close: LogWorkOutletState['close'] }) {
  const [current, retry] = useApiResource(`worklog:${worklog.issueId}:${worklog.worklogId}`, (signal) => actions.api.getWorklog(worklog.issueId, worklog.worklogId, signal));
  const initial = useMemo(() => (current.status === 'ready' ? valuesOf(current.data) : undefined), [current]);
  return (
    <ModalDialog title={`Edit worklog on ${worklog.issueKey}`} testId="log-work-dialog" onDismiss={() => close(false)}>
      {initial ? (
        <LogWorkForm
          mode="edit"
          initial={initial}
          issueFixed
          autoFocus
          onCancel={() => close(false)}
          onSubmit={async (values) => {
            const change = toChange(initial, values);
            if (Object.keys(change).length === 0) {
              actions.announce('Nothing changed.');
              return close(false);
            }
            const saved = await actions.api.updateWorklog(worklog.issueId, worklog.worklogId, change);
            actions.announce(updatedText(saved));
            close(true);
          }}
        />
      ) : (
        <>
          {current.status === 'error' ? <FailureAlert failure={current.error} /> : <p role="status">Reading the worklog from Jira…</p>}
          <div className="log-work-actions">
            {current.status === 'error' && (
              <button type="button" className="button" onClick={retry}>
                Try again
              </button>
            )}
            <button type="button" className="button subtle" data-testid="log-work-cancel" data-autofocus onClick={() => close(false)}>
              Cancel
            </button>
          </div>
        </>
      )}
    </ModalDialog>
  );
}
