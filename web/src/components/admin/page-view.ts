/**
 * Which of the page's views to show: the time reports, the admin view (sync, backups, Bitbucket
 * workspaces), or the issue panel (timer and log work for one issue). One build serves them all,
 * so the view is chosen by how the page was served:
 *
 * - Any host: `?view=issue-panel&issueKey=KEY` in the page's URL is the issue panel for KEY
 *   (a Connect issue panel's URL carries `{issue.key}`; standalone, the URL is the link).
 *
 * - Connect: Tally's admin page route puts `<meta name="tally-view" content="admin">` in the page
 *   (src/http/report-page.ts); Jira shows it under Apps → Manage apps, to site admins.
 * - Forge: one Custom UI resource backs the `jira:globalPage`, `jira:adminPage` and
 *   `jira:issuePanel` modules (src/edges/jira-forge/manifest/forge-manifest.ts), so the page asks
 *   the Forge context which module it was opened as (`view.getContext().extension.type`; an issue
 *   panel's context names its issue in `extension.issue.key`).
 * - Standalone (the self-hosted site edge's `/`, the demo's direct link): there is no Jira around
 *   the page, so the page itself links the views and follows the URL hash (`#admin`). The link is
 *   shown to everyone; Tally answers 403 to a viewer who is not a Jira site admin, and the view
 *   says so.
 */
import { loadForgeInvokeRemote } from '../../host/forge-host.js';
import type { PageHostKind } from '../../host/page-host.js';

/** The page's views: the time reports, the admin view, or the issue panel. */
export type PageView = 'report' | 'admin' | 'issue-panel';

/** The `view` query parameter of the issue panel. */
export const ISSUE_PANEL_VIEW = 'issue-panel';

const ISSUE_KEY = /^[A-Za-z][A-Za-z0-9_]{0,254}-\d{1,16}$/;

/**
 * The issue a URL's query opens the issue panel for (`?view=issue-panel&issueKey=KEY`), or
 * undefined: another view, or a key that is not one (never shown, never sent).
 */
export function issuePanelKeyFromSearch(search: string): string | undefined {
  const params = new URLSearchParams(search);
  if (params.get('view') !== ISSUE_PANEL_VIEW) return undefined;
  const key = params.get('issueKey')?.trim();
  return key && ISSUE_KEY.test(key) ? key.toUpperCase() : undefined;
}

/** The marker Tally's Connect admin page carries (src/http/report-page.ts `view`). */
export const VIEW_META_NAME = 'tally-view';

/** The hash of the standalone admin view. */
export const ADMIN_HASH = '#admin';

/** The hash of the standalone report view (no hash at all is the report too). */
export const REPORT_HASH = '#reports';

/** The Forge module type of an admin page (Forge manifest reference, `jira:adminPage`). */
export const FORGE_ADMIN_MODULE_TYPE = 'jira:adminPage';

/** The Forge module type of an issue panel (Forge manifest reference, `jira:issuePanel`). */
export const FORGE_ISSUE_PANEL_MODULE_TYPE = 'jira:issuePanel';

/** The view a `<meta name="tally-view">` names; anything but `admin` is the report. */
export function viewFromMeta(content: string | null | undefined): PageView {
  return content === 'admin' ? 'admin' : 'report';
}

/** The standalone view for a URL hash: `#admin` (any case) is the admin view. */
export function viewFromHash(hash: string): PageView {
  return hash.toLowerCase() === ADMIN_HASH ? 'admin' : 'report';
}

/** The view for a Forge context's extension type; unknown or missing is the report. */
export function viewFromForgeModuleType(type: unknown): PageView {
  if (type === FORGE_ISSUE_PANEL_MODULE_TYPE) return 'issue-panel';
  return type === FORGE_ADMIN_MODULE_TYPE ? 'admin' : 'report';
}

/** The issue key of a Forge issue panel's context extension, when it is one. */
export function issueKeyFromForgeExtension(extension: { issue?: { key?: unknown } } | undefined): string | undefined {
  const key = extension?.issue?.key;
  return typeof key === 'string' && ISSUE_KEY.test(key) ? key : undefined;
}

/** How the page learns its view and, where the page itself navigates, follows changes. */
export interface PageViews {
  /** The view to show first; resolves once known (Forge asks its context). Never rejects. */
  initial(): Promise<PageView>;
  /** The issue of the issue panel, once `initial()` resolved to `issue-panel` (Forge reads it from its context). */
  issueKey?(): string | undefined;
  /**
   * Present where the page links its own views (standalone): the link of each view, and a
   * subscription to the user moving between them (back and forward included).
   */
  navigation?: {
    hrefOf(view: PageView): string;
    subscribe(onChange: (view: PageView) => void): () => void;
  };
}

async function forgeView(win: Window, found: { issueKey?: string }): Promise<PageView> {
  try {
    // Waits for Forge's bridge (the same wait the API client does), then asks for the context.
    await loadForgeInvokeRemote(win);
    const bridge = await import('@forge/bridge');
    const context = (await bridge.view.getContext()) as { extension?: { type?: unknown; issue?: { key?: unknown } } };
    const view = viewFromForgeModuleType(context.extension?.type);
    if (view !== 'issue-panel') return view;
    found.issueKey = issueKeyFromForgeExtension(context.extension);
    // An issue panel without an issue has nothing to show: the report is the safer view.
    return found.issueKey ? view : 'report';
  } catch {
    // Without a context the report is the safer guess: it is what every viewer may open.
    return 'report';
  }
}

/** The page's views for the host it runs in (see the module comment). */
export function createPageViews(win: Window, doc: Document, host: PageHostKind): PageViews {
  const issueKey = issuePanelKeyFromSearch(win.location.search);
  if (issueKey) return { initial: async () => 'issue-panel', issueKey: () => issueKey };
  const meta = doc.querySelector(`meta[name="${VIEW_META_NAME}"]`)?.getAttribute('content');
  if (meta) return { initial: async () => viewFromMeta(meta) };
  if (host === 'forge') {
    const found: { issueKey?: string } = {};
    return { initial: () => forgeView(win, found), issueKey: () => found.issueKey };
  }
  if (host === 'connect') return { initial: async () => 'report' };
  return {
    initial: async () => viewFromHash(win.location.hash),
    navigation: {
      hrefOf: (view) => (view === 'admin' ? ADMIN_HASH : REPORT_HASH),
      subscribe(onChange) {
        const listener = () => onChange(viewFromHash(win.location.hash));
        win.addEventListener('hashchange', listener);
        return () => win.removeEventListener('hashchange', listener);
      },
    },
  };
}
