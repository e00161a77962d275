import type { Session } from '../../api/api-types.js';
import type { TallyApi } from '../../api/tally-api.js';
import { BitbucketWorkspacesSection } from './bitbucket-workspaces-section.js';
import './admin.css';

/** Tally's admin view for the Jira site (Connect's admin page, Forge's `jira:adminPage`, `#admin` standalone). */
export function AdminPage({ api, session, nowMs }: { api: TallyApi; session: Session; nowMs(): number }) {
  return (
    <main className="page admin-page" data-testid="admin-page">
      <header className="page-header">
        <div>
          <h1>Tally settings</h1>
          <p className="muted site-url">{session.siteUrl}</p>
        </div>
      </header>
      <BitbucketWorkspacesSection api={api} nowMs={nowMs} />
    </main>
  );
}
