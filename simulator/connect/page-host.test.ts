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
    descriptor: { key: 'io.tally.test', modules: { generalPages: [{ key: 'reports', url: '/pages/reports' }], adminPages: [{ key: 'admin', url: '/pages/admin' }] } },
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
});
