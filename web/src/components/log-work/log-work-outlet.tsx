import { useContext } from 'react';
import { OutletContext, useLogWork } from './log-work-context.js';
import { DeleteWorklogDialog } from './delete-worklog-dialog.js';
import { EditWorklogDialog } from './edit-worklog-dialog.js';
import { NewWorklogDialog } from './new-worklog-dialog.js';

/**
 * Where the page shows the log-work dialog and its polite live region: inside the page's `main`
 * landmark (the report header renders it). The region is always there, so what it says is read.
 */
export function LogWorkOutlet() {
  const outlet = useContext(OutletContext);
  const actions = useLogWork();
  if (!outlet || !actions) return null;
  const { request, close } = outlet;
  return (
    <>
      {request?.kind === 'create' && <NewWorklogDialog actions={actions} issueKey={request.issueKey} close={close} />}
      {request?.kind === 'edit' && <EditWorklogDialog actions={actions} worklog={request.worklog} close={close} />}
      {request?.kind === 'delete' && <DeleteWorklogDialog actions={actions} worklog={request.worklog} close={close} />}
      <div className="visually-hidden" role="status" aria-live="polite" data-testid="log-work-announcement">
        {outlet.announcement}
      </div>
    </>
  );
}
