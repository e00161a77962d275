import { useEffect, useId, useRef, useState } from 'react';
import type { LinkedWorkspace } from '../../api/api-types.js';
import { Avatar } from '../avatar.js';
import { failureText, installerName, linkedDateText, platformName } from './admin-texts.js';

type ItemState = { step: 'shown' } | { step: 'confirming' } | { step: 'unlinking' } | { step: 'failed'; error: Error };

/**
 * One linked workspace: who installed Tally there, on which Bitbucket app, since when, and
 * "Unlink" — which asks first, inline (no `window.confirm`: it blocks the page, cannot be styled
 * and is suppressed inside some iframes). The confirm step takes the focus; Cancel gives it back.
 */
export function LinkedWorkspaceItem({ workspace, onUnlink }: { workspace: LinkedWorkspace; onUnlink(workspace: LinkedWorkspace): Promise<void> }) {
  const [state, setState] = useState<ItemState>({ step: 'shown' });
  const questionId = useId();
  const unlinkRef = useRef<HTMLButtonElement>(null);
  const confirmRef = useRef<HTMLButtonElement>(null);
  const returnFocus = useRef(false);
  const name = installerName(workspace.installer.username);

  useEffect(() => {
    if (state.step === 'confirming') confirmRef.current?.focus();
    if (state.step === 'shown' && returnFocus.current) {
      returnFocus.current = false;
      unlinkRef.current?.focus();
    }
  }, [state.step]);

  const cancel = () => {
    returnFocus.current = true;
    setState({ step: 'shown' });
  };
  const unlink = async () => {
    setState({ step: 'unlinking' });
    try {
      await onUnlink(workspace);
    } catch (error) {
      setState({ step: 'failed', error: error instanceof Error ? error : new Error(String(error)) });
    }
  };

  const asking = state.step === 'confirming' || state.step === 'unlinking';
  return (
    <li className="workspace" data-testid="workspace" data-id={workspace.id} data-edge={workspace.edge}>
      <Avatar name={name} url={workspace.installer.avatarUrl} />
      <div className="workspace-facts">
        <span className="workspace-installer" data-testid="workspace-installer">
          Installed by {name}
        </span>
        <span className="muted">
          <span data-testid="workspace-platform">{platformName(workspace.edge)}</span> · linked{' '}
          <time dateTime={workspace.linkedAt} data-testid="workspace-linked-at">
            {linkedDateText(workspace.linkedAt)}
          </time>
        </span>
      </div>
      {asking ? (
        <div className="unlink-confirm" role="group" aria-labelledby={questionId} onKeyDown={(event) => event.key === 'Escape' && state.step === 'confirming' && cancel()}>
          <span id={questionId}>Unlink the workspace {name} installed Tally in? Its pull requests stop showing time from this site.</span>
          <button type="button" className="button danger" data-testid="unlink-confirm" ref={confirmRef} disabled={state.step === 'unlinking'} onClick={() => void unlink()}>
            {state.step === 'unlinking' ? 'Unlinking…' : 'Unlink'}
          </button>
          <button type="button" className="button subtle" data-testid="unlink-cancel" disabled={state.step === 'unlinking'} onClick={cancel}>
            Cancel
          </button>
        </div>
      ) : (
        <button type="button" className="button" data-testid="unlink" ref={unlinkRef} onClick={() => setState({ step: 'confirming' })}>
          Unlink<span className="visually-hidden"> the workspace {name} installed Tally in</span>
        </button>
      )}
      {state.step === 'failed' && (
        <p className="admin-problem workspace-problem" role="alert" data-testid="unlink-error">
          {failureText(state.error)}
        </p>
      )}
    </li>
  );
}
