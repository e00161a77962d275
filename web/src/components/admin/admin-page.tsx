import { useEffect, useState } from 'react';
import type { Session } from '../../api/api-types.js';
import type { TallyApi } from '../../api/tally-api.js';
import { shownData } from '../../report/use-api-resource.js';
import { isNotAdmin } from './admin-texts.js';
import { BitbucketWorkspacesSection } from './bitbucket-workspaces-section.js';
import { NOT_SITE_ADMIN_MESSAGE } from './overview-texts.js';
import { SyncOverview } from './sync-overview.js';
import { useAdminOverview } from './use-admin-overview.js';
import { useAnnouncer } from './use-announcer.js';
import './admin.css';

/**
 * Tally's admin view for the Jira site (Connect's admin page, Forge's `jira:adminPage`, `#admin`
 * standalone): the sync, the last reconciliation, the actions, the backups and the linked
 * Bitbucket workspaces. Jira decides who is a site admin (Tally asks it on every call); to
 * anyone else the view says so, and shows nothing else.
 */
export function AdminPage({ api, session, nowMs }: { api: TallyApi; session: Session; nowMs(): number }) {
  const [overview, refresh] = useAdminOverview(api);
  const [announcement, announce] = useAnnouncer();
  const [now, setNow] = useState(nowMs);
  useEffect(() => setNow(nowMs()), [overview, nowMs]);
  const data = shownData(overview);
  const refused = overview.status === 'error' && isNotAdmin(overview.error);
  return (
    <main className="page admin-page" data-testid="admin-page">
      <header className="page-header">
        <div>
          <h1>Tally settings</h1>
          <p className="muted site-url">{session.siteUrl}</p>
        </div>
      </header>
      {refused ? (
        <p className="admin-problem" role="alert" data-testid="admin-refused">
          {NOT_SITE_ADMIN_MESSAGE}
        </p>
      ) : (
        <>
          {data ? (
            <SyncOverview api={api} overview={data} nowMs={now} refresh={refresh} announce={announce} />
          ) : overview.status === 'error' ? (
            <div className="admin-problem" role="alert" data-testid="admin-overview-error">
              <p>The sync overview could not be loaded: {overview.error.message}</p>
              <button type="button" className="button" onClick={refresh}>
                Try again
              </button>
            </div>
          ) : (
            <p className="muted" role="status" data-testid="admin-overview-loading">
              Loading the sync overview…
            </p>
          )}
          <BitbucketWorkspacesSection api={api} nowMs={nowMs} />
        </>
      )}
      <div className="visually-hidden" role="status" aria-live="polite" data-testid="admin-sync-announcement">
        {announcement}
      </div>
    </main>
  );
}
