import { useEffect } from 'react';
import type { TallyApi } from '../api/tally-api.js';
import { useApiResource } from '../report/use-api-resource.js';
import { ReportPage } from './report-page.js';
import { ErrorState, LoadingState } from './status-views.js';

export interface AppProps {
  api: TallyApi;
  /** Called after every render (inside Jira: `AP.resize()`). */
  onRender(): void;
  /** The authoritative clock for "today" (injected so tests can fix it). */
  nowMs(): number;
}

/** Loads the session (tenant, site, reporting zone), then shows the report page. */
export function App({ api, onRender, nowMs }: AppProps) {
  const [session, retry] = useApiResource('session', (signal) => api.session(signal));
  useEffect(() => onRender());
  if (session.status === 'error') {
    return (
      <div className="page">
        <h1>Time reports</h1>
        <ErrorState error={session.error} onRetry={retry} />
      </div>
    );
  }
  if (session.status !== 'ready') {
    return (
      <div className="page">
        <LoadingState label="Opening Tally…" />
      </div>
    );
  }
  return <ReportPage api={api} session={session.data} nowMs={nowMs} />;
}
