import type { ReactNode } from 'react';
import type { AdminOverview } from '../../api/api-types.js';
import { agoText, etaText, instantText, lagText, percentDone, phaseText, worklogsText } from './overview-texts.js';

/** A fact: its name and value, as a row of the section's description list. */
function Fact({ name, testId, children }: { name: string; testId: string; children: ReactNode }) {
  return (
    <div className="admin-fact">
      <dt>{name}</dt>
      <dd data-testid={testId}>{children}</dd>
    </div>
  );
}

/**
 * The sync: its phase, a running full sync's progress (a real progress bar, `aria-valuenow` the
 * percentage) with the worklogs read and the honest ETA, the last incremental sync, the last
 * webhook and its lag, and the Jira points the first sync spent.
 */
export function SyncSection({ overview, nowMs }: { overview: AdminOverview; nowMs: number }) {
  const { sync, webhook } = overview;
  const percent = percentDone(sync);
  return (
    <section className="admin-section admin-card" aria-labelledby="admin-sync-heading" data-testid="admin-sync" data-phase={sync.phase}>
      <h2 id="admin-sync-heading">Sync</h2>
      <p className="admin-phase" data-testid="admin-sync-phase">
        {phaseText(sync)}
      </p>
      {sync.paused && (
        <p className="admin-problem" data-testid="admin-sync-paused">
          {sync.paused.message ?? 'Tally cannot reach Jira with its credentials.'}
        </p>
      )}
      {sync.phase !== 'incremental' && (
        <div className="admin-progress">
          <div
            className="admin-progressbar"
            role="progressbar"
            aria-labelledby="admin-progress-label"
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={percent}
            aria-valuetext={`${percent}% of the history read`}
            data-testid="admin-sync-progress"
          >
            <div className="admin-progressbar-fill" style={{ width: `${percent}%` }} />
          </div>
          <p id="admin-progress-label">
            Full sync: <span data-testid="admin-sync-percent">{percent}%</span> — {worklogsText(sync)}
          </p>
          <p data-testid="admin-sync-eta">{etaText(sync)}</p>
        </div>
      )}
      <dl className="admin-facts">
        <Fact name="Last full sync" testId="admin-last-full-sync">
          {instantText(sync.lastFullSyncAtMs)}
        </Fact>
        <Fact name="Last incremental sync" testId="admin-last-incremental">
          {overview.lastIncrementalSyncAtMs === null ? 'never' : `${instantText(overview.lastIncrementalSyncAtMs)} (${agoText(overview.lastIncrementalSyncAtMs, nowMs)})`}
        </Fact>
        <Fact name="Last webhook" testId="admin-webhook">
          {webhook.lastReceivedAtMs === null ? 'none received yet' : `${instantText(webhook.lastReceivedAtMs)}: ${lagText(webhook.lastLagMs)}`}
        </Fact>
        <Fact name="Jira points spent by the full sync" testId="admin-points">
          {sync.points === undefined
            ? 'not known'
            : `${sync.points.spent.toLocaleString()}${sync.points.perWorklog === undefined ? '' : ` (${sync.points.perWorklog.toFixed(2)} per worklog)`}`}
        </Fact>
      </dl>
    </section>
  );
}
