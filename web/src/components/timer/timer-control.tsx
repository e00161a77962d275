import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { ApiError } from '../../api/api-error.js';
import { FailureAlert } from '../log-work/failure-alert.js';
import { useLogWork } from '../log-work/log-work-context.js';
import { elapsedClock, elapsedMinutes, elapsedWords, startedClock } from './timer-texts.js';
import { useRunningTimer } from './use-running-timer.js';
import '../log-work/log-work.css';

type Step = 'idle' | 'busy' | 'confirm-discard';
/** Which control takes the focus after the timer's state changed (the one the user pressed is gone). */
type FocusTo = 'start' | 'stop' | 'discard' | 'discard-confirm' | 'error';

/**
 * The viewer's timer: start on an issue (given, in the issue panel; typed, on the report), the
 * running time (once a minute; a `timer` role, which screen readers do not read out on every
 * change, named in words), Stop — which writes the worklog — and Discard, which asks first.
 * Failures are shown in words (Jira's, when Jira refused) and take the focus.
 */
export function TimerControl({ issueKey }: { issueKey?: string }) {
  const actions = useLogWork();
  if (!actions) throw new Error('TimerControl needs a LogWorkProvider');
  const { timer, reload, set, nowMs } = useRunningTimer(actions.api);
  const [step, setStep] = useState<Step>('idle');
  const [failure, setFailure] = useState<Error | undefined>();
  // Said after a stop that wrote the worklog but could not clear the timer (stopping again is safe).
  const [notice, setNotice] = useState<string | undefined>();
  const [typedIssue, setTypedIssue] = useState('');
  const [focusTo, setFocusTo] = useState<{ to: FocusTo } | undefined>();
  const id = useId();
  const root = useRef<HTMLDivElement>(null);
  const alertRef = useRef<HTMLDivElement>(null);

  // Once, after the render that shows the new state: a later reload must not pull the focus back.
  useEffect(() => {
    if (!focusTo) return;
    if (focusTo.to === 'error') alertRef.current?.focus();
    else root.current?.querySelector<HTMLElement>(`[data-testid="timer-${focusTo.to}"]`)?.focus();
    setFocusTo(undefined);
  }, [focusTo]);

  const run = async (work: () => Promise<FocusTo>) => {
    setStep('busy');
    setFailure(undefined);
    setNotice(undefined);
    try {
      setFocusTo({ to: await work() });
    } catch (error) {
      const failed = error instanceof Error ? error : new Error(String(error));
      setFailure(failed);
      setFocusTo({ to: 'error' });
      // Started or stopped elsewhere (another tab, another device): show Jira's state.
      if (failed instanceof ApiError && (failed.code === 'TIMER_RUNNING' || failed.code === 'TIMER_NOT_RUNNING')) reload();
    } finally {
      setStep('idle');
    }
  };

  const start = (event: FormEvent) => {
    event.preventDefault();
    if (step === 'busy') return;
    const issue = (issueKey ?? typedIssue).trim();
    if (issue === '') {
      setFailure(new Error('Enter the issue to time, e.g. TT-12.'));
      setFocusTo({ to: 'error' });
      return;
    }
    void run(async () => {
      const started = await actions.api.startTimer({ issue });
      set(started);
      actions.announce(`Timer started on ${started.issueKey}.`);
      return 'stop';
    });
  };
  const stop = () =>
    void run(async () => {
      const { worklog, notice } = await actions.api.stopTimer();
      // With a notice the timer is still in Jira: show what Jira holds (stopping again writes nothing twice).
      if (notice) reload();
      else set(null);
      setNotice(notice);
      actions.announce(`Timer stopped: logged ${worklog.timeSpent} on ${worklog.issueKey}.${notice ? ` ${notice}` : ''}`);
      actions.written();
      return 'start';
    });
  const discard = () =>
    void run(async () => {
      await actions.api.discardTimer();
      set(null);
      actions.announce('Timer discarded; nothing was logged.');
      return 'start';
    });

  const running = timer.status === 'ready' ? timer.data : undefined;
  const busy = step === 'busy';
  return (
    <div className="timer" ref={root} data-testid="timer" data-state={timer.status === 'ready' ? (timer.data ? 'running' : 'stopped') : timer.status}>
      <FailureAlert failure={failure} alertRef={alertRef} testId="timer-error" />
      {notice && (
        <p className="timer-notice" data-testid="timer-notice">
          {notice}
        </p>
      )}
      {timer.status === 'loading' && <span className="muted">Checking your timer…</span>}
      {timer.status === 'error' && (
        <span className="timer-problem">
          <span data-testid="timer-load-error">{timer.error.message}</span>{' '}
          <button type="button" className="button subtle compact" onClick={reload}>
            Try again
          </button>
        </span>
      )}
      {running === null && (
        <form className="timer-start" onSubmit={start} aria-label="Start a timer">
          {issueKey === undefined && (
            <>
              <label htmlFor={`${id}-issue`} className="visually-hidden">
                Issue to time
              </label>
              <input id={`${id}-issue`} data-testid="timer-issue" placeholder="Issue, e.g. TT-12" autoComplete="off" spellCheck={false} size={12} value={typedIssue} onChange={(event) => setTypedIssue(event.target.value)} />
            </>
          )}
          <button type="submit" className="button" data-testid="timer-start" aria-disabled={busy || undefined}>
            Start timer{issueKey === undefined ? '' : <span className="visually-hidden"> on {issueKey}</span>}
          </button>
        </form>
      )}
      {running && (
        <div className="timer-running" role="group" aria-label={`Timer on ${running.issueKey}`}>
          <span className="timer-facts">
            Timer on <span className="issue-key" data-testid="timer-issue-key">{running.issueKey}</span>{' '}
            <span role="timer" aria-label={elapsedWords(elapsedMinutes(running.startedAt, nowMs))} data-testid="timer-elapsed" data-minutes={elapsedMinutes(running.startedAt, nowMs)}>
              {elapsedClock(elapsedMinutes(running.startedAt, nowMs))}
            </span>{' '}
            <span className="muted">
              since <time dateTime={running.startedAt}>{startedClock(running.startedAt, actions.timeZone)}</time>
            </span>
          </span>
          {step === 'confirm-discard' ? (
            <span className="timer-confirm" role="group" aria-label="Discard the timer? Nothing is logged." onKeyDown={(event) => event.key === 'Escape' && (setStep('idle'), setFocusTo({ to: 'discard' }))}>
              <span aria-hidden="true">Discard? Nothing is logged.</span>
              <button type="button" className="button danger compact" data-testid="timer-discard-confirm" onClick={discard}>
                Discard
              </button>
              <button
                type="button"
                className="button subtle compact"
                data-testid="timer-discard-cancel"
                onClick={() => {
                  setStep('idle');
                  setFocusTo({ to: 'discard' });
                }}
              >
                Keep
              </button>
            </span>
          ) : (
            <>
              <button type="button" className="button primary compact" data-testid="timer-stop" aria-disabled={busy || undefined} onClick={() => !busy && stop()}>
                Stop and log<span className="visually-hidden"> the time on {running.issueKey}</span>
              </button>
              <button
                type="button"
                className="button subtle compact"
                data-testid="timer-discard"
                aria-disabled={busy || undefined}
                onClick={() => {
                  if (busy) return;
                  setStep('confirm-discard');
                  setFocusTo({ to: 'discard-confirm' });
                }}
              >
                Discard
              </button>
            </>
          )}
        </div>
      )}
    </div>
  );
}
