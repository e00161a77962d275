import { createContext, useContext, useEffect, useRef } from 'react';
import type { LogWorkAvailability, Session } from '../../api/api-types.js';
import type { TallyApi } from '../../api/tally-api.js';

/** A worklog a report row shows, as much as the dialogs need of it. */
export interface WorklogRef {
  issueId: number;
  worklogId: number;
  issueKey: string;
  /** `YYYY-MM-DD` and seconds, to name the worklog in the delete question. */
  workDate: string;
  timeSpentSeconds: number;
}

/** Which dialog is open: a new worklog (maybe on a given issue), an edit, or a delete question. */
export type DialogRequest = { kind: 'create'; issueKey?: string } | { kind: 'edit'; worklog: WorklogRef } | { kind: 'delete'; worklog: WorklogRef };

/** What the log-work controls share on a page (log-work-provider.tsx). */
export interface LogWorkActions {
  api: TallyApi;
  /** Whether this viewer may log work here, and why not. */
  availability: LogWorkAvailability;
  /** The viewer's account: their own worklogs get Edit and Delete. */
  accountId: string | null;
  /** The viewer's own Jira zone (`session.timeZone`): a new worklog starts now, on its clock. */
  timeZone: string;
  /** Opens a dialog; the focus returns to `opener` (or the first of `returnSelectors` found) when it closes. */
  open(request: DialogRequest, opener: HTMLElement | null, returnSelectors?: readonly string[]): void;
  /** Says something in the page's polite live region. */
  announce(message: string): void;
  /** Tells the page a worklog was written (it asks the report again); the timer uses it too. */
  written(): void;
  /** Called after every write; returns the unsubscribe. */
  subscribe(listener: () => void): () => void;
}

/** The log-work controls of the page; undefined where the page offers none (no provider). */
export const LogWorkContext = createContext<LogWorkActions | undefined>(undefined);

/** What the outlet renders (log-work-outlet.tsx): the open dialog and the live region's text. */
export interface LogWorkOutletState {
  request: DialogRequest | undefined;
  announcement: string;
  /** Closes the dialog; the focus goes back where it came from. `wrote` when a worklog was written. */
  close(wrote: boolean): void;
}

/** The outlet's state; the provider renders no DOM of its own. */
export const OutletContext = createContext<LogWorkOutletState | undefined>(undefined);

/** The page's log-work controls, or undefined where there are none. */
export function useLogWork(): LogWorkActions | undefined {
  return useContext(LogWorkContext);
}

/** Calls `onWritten` after every worklog write on the page (the report page reloads its answers). */
export function useWorklogWritten(onWritten: () => void): void {
  const actions = useLogWork();
  const callback = useRef(onWritten);
  callback.current = onWritten;
  useEffect(() => actions?.subscribe(() => callback.current()), [actions]);
}

/** The session's log-work availability; a server that predates log work offers none. */
export function availabilityOf(session: Session): LogWorkAvailability {
  return session.logWork ?? { available: false, reason: null };
}
