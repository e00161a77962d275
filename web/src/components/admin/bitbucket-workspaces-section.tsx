import { useCallback } from 'react';
import type { LinkedWorkspace } from '../../api/api-types.js';
import type { TallyApi } from '../../api/tally-api.js';
import { useApiResource } from '../../report/use-api-resource.js';
import { installerName, isNotAdmin, NOT_ADMIN_MESSAGE } from './admin-texts.js';
import { LinkedWorkspaceList } from './linked-workspace-list.js';
import { PairingCodePanel } from './pairing-code-panel.js';
import { useAnnouncer } from './use-announcer.js';

/**
 * The admin view's "Bitbucket workspaces" section: what linking does, a pairing code to link a
 * workspace, and the linked workspaces with Unlink. Everything here is for Jira site admins; when
 * Tally answers 403 to the list, the section says so and offers nothing else. Changes are
 * announced in one polite live region.
 */
export function BitbucketWorkspacesSection({ api, nowMs }: { api: TallyApi; nowMs(): number }) {
  const [announcement, announce] = useAnnouncer();
  const [workspaces, reload] = useApiResource('bitbucket-workspaces', (signal) => api.listLinkedWorkspaces(signal));

  const unlink = useCallback(
    async (workspace: LinkedWorkspace) => {
      await api.unlinkWorkspace(workspace.id);
      announce(`Workspace installed by ${installerName(workspace.installer.username)} unlinked.`);
      reload();
    },
    [api, announce, reload],
  );

  const notAdmin = workspaces.status === 'error' && isNotAdmin(workspaces.error);
  return (
    <section className="admin-section" aria-labelledby="bitbucket-workspaces-heading" data-testid="bitbucket-workspaces">
      <h2 id="bitbucket-workspaces-heading">Bitbucket workspaces</h2>
      <p className="admin-intro">
        A linked Bitbucket workspace shows, on each pull request, the time logged on the Jira issues the pull request mentions. Each viewer sees
        time only on issues Jira lets them browse.
      </p>
      {notAdmin ? (
        <p className="admin-problem" role="alert" data-testid="not-admin">
          {NOT_ADMIN_MESSAGE}
        </p>
      ) : (
        <>
          <PairingCodePanel api={api} nowMs={nowMs} announce={announce} />
          <LinkedWorkspaceList workspaces={workspaces} onReload={reload} onUnlink={unlink} />
        </>
      )}
      <div className="visually-hidden" role="status" aria-live="polite" data-testid="admin-announcement">
        {announcement}
      </div>
    </section>
  );
}
