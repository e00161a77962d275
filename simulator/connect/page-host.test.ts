import { createQueryStringHash, decodeSymmetric, fromMethodAndUrl, SymmetricAlgorithm } from 'atlassian-jwt';
import { describe, expect, it } from 'vitest';
import { createSimulator } from '../create-simulator.js';

function withPages() {
  const sim = createSimulator({ clock: 'manual', generate: { worklogs: 20, seed: 3 } });
  const app = sim.site.registerApp({
    key: 'io.tally.test',
    clientKey: 'ck-pages',
    sharedSecret: 'secret-pages-0123456789abcdef0123456789abcdef',
    baseUrl: 'https://tally.example/base',
    descriptor: {
      key: 'io.tally.test',
      modules: {
        generalPages: [{ key: 'reports', url: '/pages/reports' }],
        adminPages: [{ key: 'admin', url: '/pages/admin' }],
        webPanels: [{ key: 'panel', url: '/pages/reports?view=issue-panel&issueKey={issue.key}', location: 'atl.jira.view.issue.right.context' }],
      },
    },
  });
  return { sim, app };
}

describe('page host', () => {
  it('redirects to the app page with a fresh page token for the viewer, bound to the page URL', async () => {
    const { sim, app } = withPages();
    const admin = [...sim.site.users.values()].find((user) => user.siteAdmin)!;
    const response = await sim.fetch(new Request(`${sim.site.baseUrl}/plugins/servlet/ac/io.tally.test/reports`));
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe('https://tally.example/base/pages/reports');
    const claims = decodeSymmetric(location.searchParams.get('jwt')!, app.sharedSecret, SymmetricAlgorithm.HS256);
    expect(claims).toMatchObject({ iss: 'ck-pages', sub: admin.accountId });
    expect(claims.qsh).toBe(createQueryStringHash(fromMethodAndUrl('GET', '/pages/reports'), false, ''));
    expect(claims.exp - claims.iat).toBe(180);
  });

  it('opens as another user with ?as=, and answers 404 for unknown apps, modules and users', async () => {
    const { sim, app } = withPages();
    const user = [...sim.site.users.values()].find((u) => !u.siteAdmin && u.accountType === 'atlassian')!;
    const as = await sim.fetch(new Request(`${sim.site.baseUrl}/plugins/servlet/ac/io.tally.test/admin?as=${encodeURIComponent(user.accountId)}`));
    const jwt = new URL(as.headers.get('location')!).searchParams.get('jwt')!;
    expect(decodeSymmetric(jwt, app.sharedSecret, SymmetricAlgorithm.HS256).sub).toBe(user.accountId);
    for (const path of ['/plugins/servlet/ac/nope/reports', '/plugins/servlet/ac/io.tally.test/nope', '/plugins/servlet/ac/io.tally.test/reports?as=nobody']) {
      expect((await sim.fetch(new Request(`${sim.site.baseUrl}${path}`))).status).toBe(404);
    }
  });

  it('loads a web panel with the issue in context: the key filled in, the query kept and covered by the qsh', async () => {
    const { sim, app } = withPages();
    const issue = [...sim.site.issues.values()][0]!;
    const response = await sim.fetch(new Request(`${sim.site.baseUrl}/plugins/servlet/ac/io.tally.test/panel?issue=${issue.id}`));
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get('location')!);
    expect(location.searchParams.get('view')).toBe('issue-panel');
    expect(location.searchParams.get('issueKey')).toBe(issue.key);
    const claims = decodeSymmetric(location.searchParams.get('jwt')!, app.sharedSecret, SymmetricAlgorithm.HS256);
    const pageQuery = `view=issue-panel&issueKey=${encodeURIComponent(issue.key)}`;
    expect(claims.qsh).toBe(createQueryStringHash(fromMethodAndUrl('GET', `/pages/reports?${pageQuery}`), false, ''));
    // Without an issue, or with one the viewer cannot see, Jira shows no panel.
    expect((await sim.fetch(new Request(`${sim.site.baseUrl}/plugins/servlet/ac/io.tally.test/panel`))).status).toBe(404);
    expect((await sim.fetch(new Request(`${sim.site.baseUrl}/plugins/servlet/ac/io.tally.test/panel?issue=NOPE-1`))).status).toBe(404);
  });
});
