import { useLogWork } from './log-work-context.js';
import { LogWorkOutlet } from './log-work-outlet.js';
import { TimerControl } from '../timer/timer-control.js';

/**
 * The report header's log-work controls: "Log work" (any issue) and the viewer's timer, with the
 * dialog and live region they share. Where log work is not available the button still opens the
 * dialog, which says why; a server that predates log work (no `session.logWork`) gets nothing.
 */
export function LogWorkToolbar() {
  const actions = useLogWork();
  if (!actions || (!actions.availability.available && actions.availability.reason === null)) return null;
  return (
    <div className="log-work-toolbar" role="group" aria-label="Log work">
      <button type="button" className="button primary" data-testid="log-work-open" onClick={(event) => actions.open({ kind: 'create' }, event.currentTarget)}>
        Log work
      </button>
      {actions.availability.available && <TimerControl />}
      <LogWorkOutlet />
    </div>
  );
}
