/**
 * The report page's entry. Inside Jira (`xdm_e` in the URL) it adds Atlassian's all.js and uses
 * `AP` for tokens, theming and resizing; inside Forge Custom UI it calls Tally through
 * `invokeRemote` (host/page-host.ts); standalone it uses the session token Tally put in the
 * page and never loads all.js. The same page is Tally's admin view when served as an admin page
 * (components/admin/page-view.ts).
 */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './components/app.js';
import { createResizer, findAp, isInsideJira, loadConnectJs } from './host/connect-host.js';
import { createPageApi, detectPageHost } from './host/page-host.js';
import { createPageViews } from './components/admin/page-view.js';
import './styles.css';

const resize = createResizer(window);
if (isInsideJira(window.location.search)) {
  // Rendering does not wait for all.js: until it arrives, the session token works.
  void loadConnectJs(document).then((result) => {
    if (result !== 'loaded') return;
    findAp(window)?.theming?.initializeTheming?.();
    resize();
  });
}

const host = detectPageHost(window, document);
const api = createPageApi(window, document, host);
// The report, or the admin view when the page was served as an admin page (page-view.ts).
const views = createPageViews(window, document, host);
const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <App api={api} onRender={resize} nowMs={() => Date.now()} views={views} />
  </StrictMode>,
);
