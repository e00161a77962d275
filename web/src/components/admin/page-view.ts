/**
 * Which of the page's two views to show: the time reports, or the admin view (Bitbucket
 * workspaces). One build serves both, so the view is chosen by how the page was served:
 *
 * - Connect: Tally's admin page route puts `<meta name="tally-view" content="admin">` in the page
 *   (src/http/report-page.ts); Jira shows it under Apps → Manage apps, to site admins.
 * - Forge: one Custom UI resource backs both the `jira:globalPage` and the `jira:adminPage`
 *   module (src/edges/jira-forge/manifest/forge-manifest.ts), so the page asks the Forge
 *   context which module it was opened as (`view.getContext().extension.type`).
 * - Standalone (the self-hosted site edge's `/`, the demo's direct link): there is no Jira around
 *   the page, so the page itself links the views and follows the URL hash (`#admin`). The link is
 *   shown to everyone; Tally answers 403 to a viewer who is not a Jira site admin, and the view
 *   says so.
 */
import { loadForgeInvokeRemote } from '../../host/forge-host.js';
import type { PageHostKind } from '../../host/page-host.js';

/** The page's views: the time reports, or the admin view (Bitbucket workspaces). */
export type PageView = 'report' | 'admin';

/** The marker Tally's Connect admin page carries (src/http/report-page.ts `view`). */
export const VIEW_META_NAME = 'tally-view';

/** The hash of the standalone admin view. */
export const ADMIN_HASH = '#admin';

/** The hash of the standalone report view (no hash at all is the report too). */
export const REPORT_HASH = '#reports';

/** The Forge module type of an admin page (Forge manifest reference, `jira:adminPage`). */
export const FORGE_ADMIN_MODULE_TYPE = 'jira:adminPage';

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
  return type === FORGE_ADMIN_MODULE_TYPE ? 'admin' : 'report';
}

/** How the page learns its view and, where the page itself navigates, follows changes. */
export interface PageViews {
  /** The view to show first; resolves once known (Forge asks its context). Never rejects. */
  initial(): Promise<PageView>;
  /**
   * Present where the page links its own views (standalone): the link of each view, and a
   * subscription to the user moving between them (back and forward included).
   */
  navigation?: {
    hrefOf(view: PageView): string;
    subscribe(onChange: (view: PageView) => void): () => void;
  };
}

async function forgeView(win: Window): Promise<PageView> {
  try {
    // Waits for Forge's bridge (the same wait the API client does), then asks for the context.
    await loadForgeInvokeRemote(win);
    const bridge = await import('@forge/bridge');
    const context = (await bridge.view.getContext()) as { extension?: { type?: unknown } };
    return viewFromForgeModuleType(context.extension?.type);
  } catch {
    // Without a context the report is the safer guess: it is what every viewer may open.
    return 'report';
  }
}

/** The page's views for the host it runs in (see the module comment). */
export function createPageViews(win: Window, doc: Document, host: PageHostKind): PageViews {
  const meta = doc.querySelector(`meta[name="${VIEW_META_NAME}"]`)?.getAttribute('content');
  if (meta) return { initial: async () => viewFromMeta(meta) };
  if (host === 'forge') return { initial: () => forgeView(win) };
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
