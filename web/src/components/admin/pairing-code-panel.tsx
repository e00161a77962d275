import { useRef, useState } from 'react';
import type { PairingCode } from '../../api/api-types.js';
import type { TallyApi } from '../../api/tally-api.js';
import { expiryClockText, failureText, validityText } from './admin-texts.js';
import { copyText, selectElementText } from './copy-text.js';

type PanelState =
  | { status: 'idle' }
  | { status: 'creating'; previous?: ShownCode }
  | { status: 'shown'; shown: ShownCode }
  | { status: 'failed'; error: Error };

/** A code as shown: the answer, and when it arrived (the validity is counted from then). */
interface ShownCode {
  pairing: PairingCode;
  receivedAtMs: number;
}

/** Where the Bitbucket workspace admin enters the code; the same place in both Bitbucket apps. */
function WhereToEnter() {
  return (
    <p data-testid="pairing-where">
      A Bitbucket workspace admin enters it in <strong>Bitbucket → Workspace settings → Tally</strong>. It is the same
      place for the Forge app and for the Connect app.
    </p>
  );
}

/**
 * "Create pairing code" and the code it got: shown once, large, with a Copy button (clipboard,
 * else the code is selected), its validity and where to enter it. Creating another code shows
 * the new one; codes not used simply expire.
 */
export function PairingCodePanel({ api, nowMs, announce }: { api: TallyApi; nowMs(): number; announce(message: string): void }) {
  const [state, setState] = useState<PanelState>({ status: 'idle' });
  const codeRef = useRef<HTMLElement>(null);

  const create = async () => {
    setState((current) => ({ status: 'creating', previous: current.status === 'shown' ? current.shown : undefined }));
    try {
      const pairing = await api.createPairingCode();
      const receivedAtMs = nowMs();
      setState({ status: 'shown', shown: { pairing, receivedAtMs } });
      announce(`Pairing code created, ${validityText(pairing.expiresAt, receivedAtMs)}.`);
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      setState({ status: 'failed', error: failure });
      announce(failureText(failure));
    }
  };

  const copy = async (code: string) => {
    const outcome = await copyText(code, {
      clipboard: typeof navigator === 'undefined' ? undefined : navigator.clipboard,
      selectText: () => codeRef.current && selectElementText(codeRef.current),
    });
    announce(outcome === 'copied' ? 'Code copied.' : 'Code selected: press Ctrl+C (⌘C on a Mac) to copy it.');
  };

  const shown = state.status === 'shown' ? state.shown : state.status === 'creating' ? state.previous : undefined;
  return (
    <div className="pairing" data-testid="pairing" data-state={state.status}>
      <h3>Link a workspace</h3>
      <p>Create a one-time code here, then enter it in the Bitbucket workspace.</p>
      <button type="button" className="button primary" data-testid="create-pairing-code" disabled={state.status === 'creating'} onClick={() => void create()}>
        {state.status === 'creating' ? 'Creating code…' : 'Create pairing code'}
      </button>
      {state.status === 'failed' && (
        <p className="admin-problem" role="alert" data-testid="pairing-error">
          {failureText(state.error)}
        </p>
      )}
      {shown && (
        <div className="pairing-result" data-testid="pairing-result">
          <p className="pairing-code-label">
            Pairing code
          </p>
          <div className="pairing-code-row">
            <code className="pairing-code" data-testid="pairing-code" ref={codeRef}>
              {shown.pairing.code}
            </code>
            <button type="button" className="button" data-testid="copy-pairing-code" onClick={() => void copy(shown.pairing.code)}>
              Copy
            </button>
          </div>
          <p data-testid="pairing-validity">
            This code is {validityText(shown.pairing.expiresAt, shown.receivedAtMs)} (until{' '}
            <time dateTime={shown.pairing.expiresAt}>{expiryClockText(shown.pairing.expiresAt)}</time>). It is shown only now.
          </p>
          <WhereToEnter />
        </div>
      )}
    </div>
  );
}
