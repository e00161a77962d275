import { useEffect } from 'react';
import type { TallyApi } from '../api/tally-api.js';
import { useApiResource } from '../report/use-api-resource.js';
import { AdminPage } from './admin/admin-page.js';
import type { PageView, PageViews } from './admin/page-view.js';
import { usePageView } from './admin/use-page-view.js';
import { ViewLinks } from './admin/view-links.js';
import { IssuePanelPage } from './log-work/issue-panel-page.js';
import { LogWorkProvider } from './log-work/log-work-provider.js';
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

/** The heading a view shows before its own page is there (loading, or the session failed). */
function viewTitle(view: PageView | undefined): string {
  if (view === 'admin') return 'Tally settings';
  return view === 'issue-panel' ? 'Time on this issue' : 'Time reports';
}

/**
 * Loads the session (tenant, site, reporting zone), then shows the report page or the admin view.
 *
 * Landmarks: every view renders exactly one `<main>` of its own (ReportPage, AdminPage, and the
 * loading and error states here), and the app adds only the view links' `<nav>` beside it — never
 * a wrapper `<main>` — so no page has two mains, a nested one, or content outside a landmark
 * (axe `landmark-one-main`, `landmark-no-duplicate-main`, `region`).
 */
export function App({ api, onRender, nowMs, views = REPORT_ONLY }: AppProps) {
  const [session, retry] = useApiResource('session', (signal) => api.session(signal));
  const view = usePageView(views);
  useEffect(() => onRender());
  if (session.status === 'error') {
    return (
      <main className="page">
        <h1>{viewTitle(view)}</h1>
        <ErrorState error={session.error} onRetry={retry} />
      </main>
    );
  }
  if (session.status !== 'ready' || view === undefined) {
    return (
      <main className="page">
        {/* The page's heading is there while it loads too (axe `page-has-heading-one`). */}
        <h1 className="visually-hidden">{viewTitle(view)}</h1>
        <LoadingState label="Opening Tally…" />
      </main>
    );
  }
  return (
    <>
      {views.navigation && <ViewLinks current={view} navigation={views.navigation} />}
      {view === 'admin' ? (
        <AdminPage api={api} session={session.data} nowMs={nowMs} />
      ) : view === 'issue-panel' && views.issueKey?.() ? (
        <IssuePanelPage api={api} session={session.data} issueKey={views.issueKey()!} />
      ) : (
        // Log work, its dialog and the timer are shared by the report's header and its details rows.
        <LogWorkProvider api={api} session={session.data}>
          <ReportPage api={api} session={session.data} nowMs={nowMs} />
        </LogWorkProvider>
      )}
    </>
  );
}
