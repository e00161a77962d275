import type { ReconciliationFindings } from '../../api/api-types.js';
import { instantText, worklogCount } from './overview-texts.js';

/**
 * The last reconciliation: Tally's store compared with every worklog Jira lists to the app —
 * what was missing (and repaired), what was extra (deleted in Jira, removed), and what Jira no
 * longer shows to the app (kept, since Jira never said it was deleted).
 */
export function ReconciliationSection({ findings }: { findings: ReconciliationFindings | null }) {
  return (
    <section className="admin-section admin-card" aria-labelledby="admin-reconcile-heading" data-testid="admin-reconciliation">
      <h2 id="admin-reconcile-heading">Last reconciliation</h2>
      {findings === null ? (
        <p data-testid="admin-reconciliation-none">No reconciliation has run yet.</p>
      ) : (
        <>
          <p>
            On <span data-testid="admin-reconciliation-at">{instantText(findings.atMs)}</span>, Tally compared its copy with the {worklogCount(findings.jiraVisible)} Jira
            shows it.
          </p>
          <dl className="admin-facts">
            <div className="admin-fact">
              <dt>Missing in Tally (repaired)</dt>
              <dd data-testid="admin-reconciliation-missing">{findings.missing.toLocaleString()}</dd>
            </div>
            <div className="admin-fact">
              <dt>Extra in Tally (deleted in Jira; removed)</dt>
              <dd data-testid="admin-reconciliation-extra">{findings.extra.toLocaleString()}</dd>
            </div>
            <div className="admin-fact">
              <dt>No longer visible to Tally (kept)</dt>
              <dd data-testid="admin-reconciliation-invisible">{findings.invisible.toLocaleString()}</dd>
            </div>
          </dl>
        </>
      )}
    </section>
  );
}
