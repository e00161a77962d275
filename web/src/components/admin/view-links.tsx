import type { PageView, PageViews } from './page-view.js';
import './admin.css';

const LABELS: Readonly<Record<Exclude<PageView, 'issue-panel'>, string>> = { report: 'Time reports', admin: 'Admin' };

/**
 * Links between the report and the admin view where no Jira page around Tally offers them
 * (standalone: the self-hosted site, the demo). Everyone sees both; the admin view itself says
 * when the viewer is not a Jira site admin.
 */
export function ViewLinks({ current, navigation }: { current: PageView; navigation: NonNullable<PageViews['navigation']> }) {
  return (
    <nav className="view-links" aria-label="Tally">
      {(['report', 'admin'] as const).map((view) => (
        <a key={view} href={navigation.hrefOf(view)} aria-current={view === current ? 'page' : undefined} data-testid={`view-link-${view}`}>
          {LABELS[view]}
        </a>
      ))}
    </nav>
  );
}
