import { useEffect } from 'react';
import type { TallyApi } from '../api/tally-api.js';
import { useApiResource } from '../report/use-api-resource.js';
import { AdminPage } from './admin/admin-page.js';
import type { PageViews } from './admin/page-view.js';
import { usePageView } from './admin/use-page-view.js';
import { ViewLinks } from './admin/view-links.js';
import { ReportPage } from './report-page.js';
import { ErrorState, LoadingState } from './status-views.js';

export interface AppProps {
  api: TallyApi;
  /** Called after every render (inside Jira: `AP.resize()`). */
  onRender(): void;
  /** The authoritative clock for "today" (injected so tests can fix it). */
  nowMs(): number;
  /** Which view the page shows (admin/page-view.ts); default: the report only. */
  views?: PageViews;
}

const REPORT_ONLY: PageViews = { initial: async () => 'report' };

/** Loads the session (tenant, site, reporting zone), then shows the report page or the admin view. */
export function App({ api, onRender, nowMs, views = REPORT_ONLY }: AppProps) {
  const [session, retry] = useApiResource('session', (signal) => api.session(signal));
  const view = usePageView(views);
  useEffect(() => onRender());
  if (session.status === 'error') {
    return (
      <div className="page">
        <h1>{view === 'admin' ? 'Tally settings' : 'Time reports'}</h1>
        <ErrorState error={session.error} onRetry={retry} />
      </div>
    );
  }
  if (session.status !== 'ready' || view === undefined) {
    return (
      <div className="page">
        <LoadingState label="Opening Tally…" />
      </div>
    );
  }
  return (
    <>
      {views.navigation && <ViewLinks current={view} navigation={views.navigation} />}
      {view === 'admin' ? <AdminPage api={api} session={session.data} nowMs={nowMs} /> : <ReportPage api={api} session={session.data} nowMs={nowMs} />}
    </>
  );
}
