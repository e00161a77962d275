import { useState } from 'react';
import type { Session } from '../../api/api-types.js';
import type { TallyApi } from '../../api/tally-api.js';
import { TimerControl } from '../timer/timer-control.js';
import { useLogWork } from './log-work-context.js';
import { newValues, toInput } from './log-work-fields.js';
import { LogWorkForm } from './log-work-form.js';
import { LogWorkOutlet } from './log-work-outlet.js';
import { LogWorkProvider } from './log-work-provider.js';
import { loggedText } from './log-work-texts.js';
import { UnavailableNotice } from './unavailable-notice.js';
import './log-work.css';

/**
 * The issue panel (`?view=issue-panel&issueKey=KEY`, components/admin/page-view.ts): the
 * viewer's timer and the log-work form for that one issue. After a worklog is written the form
 * starts again, empty, with the focus on its first field, and the live region says what was logged.
 */
export function IssuePanelPage({ api, session, issueKey }: { api: TallyApi; session: Session; issueKey: string }) {
  return (
    <LogWorkProvider api={api} session={session}>
      <main className="page issue-panel" data-testid="issue-panel">
        <h1>
          Time on <span className="issue-key">{issueKey}</span>
        </h1>
        <IssuePanelContent issueKey={issueKey} />
        <LogWorkOutlet />
      </main>
    </LogWorkProvider>
  );
}

function IssuePanelContent({ issueKey }: { issueKey: string }) {
  const actions = useLogWork();
  const [round, setRound] = useState(0);
  if (!actions) return null;
  if (!actions.availability.available) return <UnavailableNotice availability={actions.availability} />;
  return (
    <>
      <section className="issue-panel-section" aria-labelledby="issue-panel-timer">
        <h2 id="issue-panel-timer">Timer</h2>
        <TimerControl issueKey={issueKey} />
      </section>
      <section className="issue-panel-section" aria-labelledby="issue-panel-log">
        <h2 id="issue-panel-log">Log work</h2>
        <LogWorkForm
          key={round}
          mode="create"
          initial={newValues(issueKey, Date.now(), actions.timeZone)}
          issueFixed
          autoFocus={round > 0}
          onSubmit={async (values) => {
            const worklog = await actions.api.createWorklog(toInput(values));
            actions.announce(loggedText(worklog));
            actions.written();
            setRound((n) => n + 1);
          }}
        />
      </section>
    </>
  );
}
