import type { LogWorkActions, LogWorkOutletState } from './log-work-context.js';
import { newValues, toInput } from './log-work-fields.js';
import { LogWorkForm } from './log-work-form.js';
import { loggedText } from './log-work-texts.js';
import { ModalDialog } from './modal-dialog.js';
import { UnavailableNotice } from './unavailable-notice.js';

/** "Log work": a new worklog, on a given issue (a report row) or one the user types. */
export function NewWorklogDialog({ actions, issueKey, close }: { actions: LogWorkActions; issueKey: string | undefined; close: LogWorkOutletState['close'] }) {
  const title = issueKey ? `Log work on ${issueKey}` : 'Log work';
  if (!actions.availability.available) {
    return (
      <ModalDialog title={title} testId="log-work-dialog" onDismiss={() => close(false)}>
        <UnavailableNotice availability={actions.availability} />
        <div className="log-work-actions">
          <button type="button" className="button" data-testid="log-work-close" data-autofocus onClick={() => close(false)}>
            Close
          </button>
        </div>
      </ModalDialog>
    );
  }
  return (
    <ModalDialog title={title} testId="log-work-dialog" onDismiss={() => close(false)}>
      <LogWorkForm
        mode="create"
        initial={newValues(issueKey ?? '', Date.now(), actions.timeZone)}
        issueFixed={issueKey !== undefined}
        autoFocus
        onCancel={() => close(false)}
        onSubmit={async (values) => {
          const worklog = await actions.api.createWorklog(toInput(values));
          actions.announce(loggedText(worklog));
          close(true);
        }}
      />
    </ModalDialog>
  );
}
