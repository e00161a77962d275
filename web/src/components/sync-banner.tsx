import { useEffect, useRef, useState } from 'react';
import type { SyncStatus } from '../api/api-types.js';
import type { TallyApi } from '../api/tally-api.js';

const POLL_INTERVAL_MS = 5000;
/** While the sync is paused (a revoked token), the status is asked again this often: a restart resumes it. */
const PAUSED_POLL_INTERVAL_MS = 30_000;

function eta(seconds: number | undefined): string {
  if (seconds === undefined) return '';
  if (seconds < 90) return ' — about a minute left';
  if (seconds < 5400) return ` — about ${Math.round(seconds / 60)} minutes left`;
  return ` — about ${Math.round(seconds / 3600)} hours left`;
}

/**
 * While Tally is still reading the site's history, says so (reports are incomplete until then)
 * and polls the status; calls `onSynced` once the full sync has finished, so the report reloads.
 * While the sync is paused (the site's edge cannot reach Jira, e.g. a revoked API token), says
 * that instead, with the operator's next step: reports show what was synchronised until then.
 */
export function SyncBanner({ api, onSynced }: { api: TallyApi; onSynced(): void }) {
  const [status, setStatus] = useState<SyncStatus | undefined>();
  const onSyncedRef = useRef(onSynced);
  onSyncedRef.current = onSynced;

  useEffect(() => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let wasSyncing = false;
    const poll = () => {
      api.syncStatus(controller.signal).then(
        (next) => {
          setStatus(next);
          if (next.paused) {
            timer = setTimeout(poll, PAUSED_POLL_INTERVAL_MS);
          } else if (next.phase !== 'incremental') {
            wasSyncing = true;
            timer = setTimeout(poll, POLL_INTERVAL_MS);
          } else if (wasSyncing) {
            onSyncedRef.current();
          }
        },
        () => {
          // The status is a courtesy; the report itself shows real errors.
          if (!controller.signal.aborted) timer = setTimeout(poll, POLL_INTERVAL_MS * 3);
        },
      );
    };
    poll();
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, [api]);

  if (status?.paused) {
    return (
      <div className="banner banner-warning" role="alert" data-testid="sync-paused">
        <strong>Synchronisation is paused.</strong> {status.paused.message ?? 'Tally cannot reach Jira for this site.'} Reports show the worklogs synchronised until then.
      </div>
    );
  }
  if (!status || status.phase === 'incremental') return null;
  const percent = Math.floor(status.fraction * 100);
  if (status.completeFromMs !== undefined && status.completeFromMs > 0) {
    // Recent first: this month and the last are exact already; the report says so per range.
    return (
      <div className="banner" role="status" data-testid="sync-banner" data-complete-from={status.completeFromMs}>
        <strong>Recent months are complete; Tally is still reading this site’s older worklogs</strong> ({percent}%{eta(status.etaSeconds)}). Reports that reach further back are marked partial.
        <progress max={100} value={percent} aria-label="Synchronisation progress of the older worklogs" />
      </div>
    );
  }
  return (
    <div className="banner" role="status" data-testid="sync-banner">
      <strong>Tally is still reading this site’s worklogs</strong> ({percent}%{eta(status.etaSeconds)}). Reports are incomplete until it has finished.
      <progress max={100} value={percent} aria-label="Synchronisation progress" />
    </div>
  );
}
