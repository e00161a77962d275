import { useRef } from 'react';
import type { LinkedWorkspace } from '../../api/api-types.js';
import type { Resource } from '../../report/use-api-resource.js';
import { failureText } from './admin-texts.js';
import { LinkedWorkspaceItem } from './linked-workspace-item.js';

/**
 * The workspaces linked to this Jira site, with loading, empty and error states and a Refresh
 * (a workspace admin redeems a code in Bitbucket, not here: the list learns of it on refresh).
 * After an unlink the focus goes to the list's heading, since the item it was on is gone.
 */
export function LinkedWorkspaceList({
  workspaces,
  onReload,
  onUnlink,
}: {
  workspaces: Resource<LinkedWorkspace[]>;
  onReload(): void;
  onUnlink(workspace: LinkedWorkspace): Promise<void>;
}) {
  const headingRef = useRef<HTMLHeadingElement>(null);
  const unlinkThenFocus = async (workspace: LinkedWorkspace) => {
    await onUnlink(workspace);
    headingRef.current?.focus();
  };
  const list = workspaces.status === 'ready' ? workspaces.data : workspaces.status === 'loading' ? workspaces.previous : undefined;
  return (
    <div className="linked" data-testid="linked-workspaces" data-state={workspaces.status}>
      <div className="linked-header">
        <h3 id="linked-workspaces-heading" tabIndex={-1} ref={headingRef}>
          Linked workspaces
        </h3>
        <button type="button" className="button subtle" data-testid="refresh-workspaces" disabled={workspaces.status === 'loading'} onClick={onReload}>
          Refresh
        </button>
      </div>
      {workspaces.status === 'loading' && list === undefined && (
        <p className="muted" data-testid="workspaces-loading">
          Loading linked workspaces…
        </p>
      )}
      {workspaces.status === 'error' && (
        <div className="admin-problem" role="alert" data-testid="workspaces-error">
          <p>{failureText(workspaces.error)}</p>
          <button type="button" className="button" onClick={onReload}>
            Try again
          </button>
        </div>
      )}
      {list !== undefined && list.length === 0 && (
        <p className="muted" data-testid="workspaces-empty">
          No Bitbucket workspace is linked to this Jira site yet.
        </p>
      )}
      {list !== undefined && list.length > 0 && (
        <ul className="workspace-list" aria-labelledby="linked-workspaces-heading" data-testid="workspace-list">
          {list.map((workspace) => (
            <LinkedWorkspaceItem key={workspace.id} workspace={workspace} onUnlink={unlinkThenFocus} />
          ))}
        </ul>
      )}
    </div>
  );
}
