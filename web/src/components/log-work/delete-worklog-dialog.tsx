import { useId, useRef, useState } from 'react';
import { formatHours } from '../../report/format.js';
import { FailureAlert } from './failure-alert.js';
import type { LogWorkActions, LogWorkOutletState, WorklogRef } from './log-work-context.js';
import { deletedText } from './log-work-texts.js';
import { ModalDialog } from './modal-dialog.js';

/**
 * Asks before deleting one of the viewer's worklogs: Delete has the focus, Escape or Cancel backs
 * out. A refusal stays in the dialog, in Jira's words, and takes the focus.
 */
export function DeleteWorklogDialog({ actions, worklog, close }: { actions: LogWorkActions; worklog: WorklogRef; close: LogWorkOutletState['close'] }) {
  const [state, setState] = useState<{ step: 'asking' } | { step: 'deleting' } | { step: 'failed'; error: Error }>({ step: 'asking' });
  const questionId = useId();
  const alertRef = useRef<HTMLDivElement>(null);
  const remove = async () => {
    if (state.step === 'deleting') return;
    setState({ step: 'deleting' });
    try {
      await actions.api.deleteWorklog(worklog.issueId, worklog.worklogId);
      actions.announce(deletedText(worklog.issueKey));
      close(true);
    } catch (error) {
      setState({ step: 'failed', error: error instanceof Error ? error : new Error(String(error)) });
      window.requestAnimationFrame(() => alertRef.current?.focus());
    }
  };
  return (
    <ModalDialog title="Delete worklog?" testId="delete-worklog-dialog" alert describedBy={questionId} onDismiss={() => close(false)}>
      <p id={questionId}>
        Delete your worklog of {formatHours(worklog.timeSpentSeconds)} hours on {worklog.issueKey} from {worklog.workDate}? It is deleted in Jira too.
      </p>
      <FailureAlert failure={state.step === 'failed' ? state.error : undefined} alertRef={alertRef} />
      <div className="log-work-actions">
        <button type="button" className="button danger" data-testid="delete-worklog-confirm" data-autofocus aria-disabled={state.step === 'deleting' || undefined} onClick={() => void remove()}>
          {state.step === 'deleting' ? 'Deleting…' : 'Delete'}
        </button>
        <button type="button" className="button subtle" data-testid="delete-worklog-cancel" onClick={() => close(false)}>
          Cancel
        </button>
      </div>
    </ModalDialog>
  );
}
