import { Hono } from 'hono';
import type { BitbucketConnectHost } from './bitbucket-connect-host.js';

/**
 * The simulated Bitbucket's page host, like the Jira simulator's (`simulator/connect/page-host.ts`):
 * real Bitbucket draws its own pull-request page around the app's iframe, whose URL carries a
 * fresh `?jwt=`. There is no chrome here: these routes answer 302 to that signed URL, so a browser
 * or the demo opens the app's panel exactly as the iframe would load it — with a token minted now,
 * however long ago the link was printed. `?as=<uuid or account id>` picks the viewer (default: none), `?app=<key>` the app (default the workspace's only one). Public: the
 * simulator has no login.
 */
export function connectPageHostRoutes(connect: BitbucketConnectHost): Hono {
  const routes = new Hono();
  const open = (moduleKey: string, input: { workspace: string; repository?: string; pullRequestId?: number; viewer?: string; appKey?: string }) => {
    try {
      return connect.pageUrl({
        moduleKey,
        workspace: input.workspace,
        ...(input.repository !== undefined ? { repository: input.repository } : {}),
        ...(input.pullRequestId !== undefined ? { pullRequestId: input.pullRequestId } : {}),
        ...(input.viewer !== undefined ? { viewer: input.viewer } : {}),
        ...(input.appKey !== undefined ? { appKey: input.appKey } : {}),
      });
    } catch (error) {
      return new Error((error as Error).message);
    }
  };
  const answer = (c: { redirect(url: string, status: 302): Response; text(text: string, status: 404): Response }, target: string | Error) =>
    target instanceof Error ? c.text(target.message, 404) : c.redirect(target, 302);

  // The pull-request overview with the app's panel named by `?module=` (a `webPanels` key).
  routes.get('/:workspace/:repository/pull-requests/:id', (c) => {
    const id = Number(c.req.param('id'));
    if (!Number.isSafeInteger(id) || id < 1) return c.text('No such pull request', 404);
    const moduleKey = c.req.query('module');
    if (!moduleKey) return c.text('Name the panel: ?module=<webPanels key>', 404);
    const viewer = c.req.query('as');
    return answer(c, open(moduleKey, { workspace: c.req.param('workspace'), repository: c.req.param('repository'), pullRequestId: id, ...(viewer ? { viewer } : {}), ...(c.req.query('app') ? { appKey: c.req.query('app')! } : {}) }));
  });
  // A repository page (`repoPages`) and the workspace's configure page.
  routes.get('/:workspace/:repository/addon/:module', (c) => {
    const viewer = c.req.query('as');
    return answer(c, open(c.req.param('module'), { workspace: c.req.param('workspace'), repository: c.req.param('repository'), ...(viewer ? { viewer } : {}) }));
  });
  routes.get('/:workspace/workspace/settings/addon/:module', (c) => {
    const viewer = c.req.query('as');
    return answer(c, open(c.req.param('module'), { workspace: c.req.param('workspace'), ...(viewer ? { viewer } : {}) }));
  });
  return routes;
}
