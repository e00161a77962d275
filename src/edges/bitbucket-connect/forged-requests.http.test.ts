import { randomBytes } from 'node:crypto';
import { encodeSymmetric } from 'atlassian-jwt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateWorkspace } from '../../../simulator/bitbucket/generate-workspace.js';
import { bitbucketToken, startConnectEdgeTestbed, withJwt, type ConnectEdgeTestbed } from './bitbucket-connect-test-kit.js';

/*
 * The forged-request suite (issues 3 and 7) for every route of the Bitbucket Connect edge. Two
 * workspaces have Tally installed (A and B). Every forged request is refused with its stable code
 * and changes nothing: the whole control database is compared row for row before and after.
 */
describe('Bitbucket Connect edge: forged requests', () => {
  let bed: ConnectEdgeTestbed;
  let a: { clientKey: string; sharedSecret: string };
  let b: { clientKey: string; sharedSecret: string };
  let viewer: { uuid: string; accountId: string };
  let repo: string;
  let prId: number;

  beforeAll(async () => {
    bed = await startConnectEdgeTestbed();
    generateWorkspace(bed.bb.model, { workspaceSlug: 'other-ws', seed: 2 });
    await bed.install({ workspace: 'tally-sim' });
    await bed.install({ workspace: 'other-ws' });
    const secretOf = (workspace: string) => {
      const found = bed.bb.connect.findInstallation(bed.config.bitbucketAppKey, workspace)!;
      return { clientKey: found.clientKey, sharedSecret: found.sharedSecret };
    };
    a = secretOf('tally-sim');
    b = secretOf('other-ws');
    const generated = bed.bb.generated!;
    viewer = generated.users[1]!;
    const repository = generated.repositories[0]!;
    repo = `tally-sim/${repository.slug}`;
    prId = bed.bb.model.listPullRequests(repository.uuid)[0]!.id;
  });
  afterAll(async () => {
    await bed?.close();
  });

  /** The three iframe pages as Bitbucket loads them for workspace A (context parameters substituted, signed). */
  const pages = () => [
    { name: 'pull-request panel', url: bed.bb.connect.pageUrl({ workspace: 'tally-sim', moduleKey: 'tally-pull-request-time', repository: repo.split('/')[1]!, pullRequestId: prId, viewer: viewer.uuid }) },
    { name: 'repository page', url: bed.bb.connect.pageUrl({ workspace: 'tally-sim', moduleKey: 'tally-repository-time', repository: repo.split('/')[1]!, viewer: viewer.uuid }) },
    { name: 'configure page', url: bed.bb.connect.pageUrl({ workspace: 'tally-sim', moduleKey: 'tally-configure', viewer: viewer.uuid }) },
  ];

  const withoutJwt = (url: string) => {
    const parsed = new URL(url);
    parsed.searchParams.delete('jwt');
    return parsed.toString();
  };
  const sign = (url: string, secret: { clientKey: string; sharedSecret: string }, options: { issuedAgoSeconds?: number; claims?: Record<string, unknown>; qshUrl?: string } = {}) =>
    withJwt(url, bitbucketToken({ ...secret, method: 'GET', url: options.qshUrl ?? url, appBaseUrl: bed.tallyUrl, ...(options.issuedAgoSeconds ? { issuedAgoSeconds: options.issuedAgoSeconds } : {}), ...(options.claims ? { claims: options.claims } : {}) }));

  async function expectRefused(request: () => Promise<Response>, status: number, code: string) {
    const before = await bed.dumpControl();
    const response = await request();
    expect(response.status).toBe(status);
    expect(await response.text()).toContain(code);
    await bed.queue.idle();
    expect(await bed.dumpControl()).toBe(before);
  }

  it('serves the genuine pages (the baseline the forgeries are measured against)', async () => {
    for (const page of pages()) {
      const response = await fetch(page.url);
      expect(response.status, page.name).toBe(200);
      expect(await response.text(), page.name).toMatch(/Not linked yet|Tally settings/);
    }
  });

  for (const [forgery, status, code] of [
    ['no token', 401, 'AUTH_MISSING'],
    ['a token signed with a wrong secret', 401, 'AUTH_INVALID'],
    ['an expired token', 401, 'AUTH_INVALID'],
    ['a token for another URL (qsh)', 401, 'AUTH_INVALID'],
    ['a context token (qsh context-qsh)', 401, 'AUTH_INVALID'],
    ['a token naming installation A signed with installation B\'s secret', 401, 'AUTH_INVALID'],
    ['an unsigned token (alg none)', 401, 'AUTH_INVALID'],
    ['the account parameter changed after signing', 401, 'AUTH_INVALID'],
    ['a repository or pull request changed after signing', 401, 'AUTH_INVALID'],
  ] as const) {
    it(`refuses every iframe page with ${forgery}`, async () => {
      for (const page of pages()) {
        const bare = withoutJwt(page.url);
        const forged = (() => {
          switch (forgery) {
            case 'no token':
              return bare;
            case 'a token signed with a wrong secret':
              return sign(bare, { clientKey: a.clientKey, sharedSecret: randomBytes(32).toString('base64url') });
            case 'an expired token':
              return sign(bare, a, { issuedAgoSeconds: 600 });
            case 'a token for another URL (qsh)':
              return sign(bare, a, { qshUrl: `${bed.tallyUrl}/bitbucket/configure?account=x` });
            case 'a context token (qsh context-qsh)':
              return withJwt(bare, encodeSymmetric({ iss: a.clientKey, iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 180, qsh: 'context-qsh' }, a.sharedSecret));
            case 'a token naming installation A signed with installation B\'s secret':
              return sign(bare, { clientKey: a.clientKey, sharedSecret: b.sharedSecret });
            case 'an unsigned token (alg none)': {
              const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
              const iat = Math.floor(Date.now() / 1000);
              return withJwt(bare, `${encode({ alg: 'none', typ: 'JWT' })}.${encode({ iss: a.clientKey, iat, exp: iat + 180, qsh: 'x' })}.`);
            }
            case 'the account parameter changed after signing':
              return page.url.replace(/account=[^&]*/, 'account=557058%3Aanother-user');
            case 'a repository or pull request changed after signing':
              return page.url.includes('repo=') ? page.url.replace(/repo=[^&]*/, 'repo=tally-sim%2Fsecret-repo') : page.url.replace(/user=[^&]*/, 'user=%7Bother%7D');
          }
        })();
        await expectRefused(() => fetch(forged), status, code);
      }
    });
  }

  it('refuses a genuine token of installation B used for installation A\'s page (it opens B only)', async () => {
    // B's token is valid for B: the page shows B's state, never A's — the installation comes from the verified iss.
    const url = `${bed.tallyUrl}/bitbucket/configure?account=${encodeURIComponent(viewer.accountId)}&user=x`;
    const response = await fetch(sign(url, b));
    expect(response.status).toBe(200);
    await expectRefused(() => fetch(sign(url, { clientKey: b.clientKey, sharedSecret: a.sharedSecret })), 401, 'AUTH_INVALID');
  });

  /** The session token of a page's forms, as the page rendered it. */
  const sessionTokenOf = async (url: string) => {
    const text = await (await fetch(url)).text();
    const token = /name="token" value="([^"]+)"/.exec(text)?.[1];
    expect(token).toBeDefined();
    return token as string;
  };
  const post = (path: string, form: Record<string, string>) => fetch(`${bed.tallyUrl}${path}`, { method: 'POST', body: new URLSearchParams(form) });

  it('refuses the configure forms without a session token, with an altered one, or with one of another page', async () => {
    const configurePage = pages()[2];
    const configureToken = await sessionTokenOf(configurePage!.url);
    const [version, payload, mac] = configureToken.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const altered = `${version}.${Buffer.from(JSON.stringify({ ...claims, installationId: 'bb_000000000000000000000000' })).toString('base64url')}.${mac}`;
    for (const path of ['/bitbucket/configure/pair', '/bitbucket/configure/unlink']) {
      await expectRefused(() => post(path, { code: 'AAAA-BBBB-CCCC-DDDD' }), 401, 'AUTH_MISSING');
      await expectRefused(() => post(path, { token: altered, code: 'AAAA-BBBB-CCCC-DDDD' }), 401, 'AUTH_INVALID');
      await expectRefused(() => post(path, { token: `${configureToken}x`, code: 'AAAA-BBBB-CCCC-DDDD' }), 401, 'AUTH_INVALID');
    }
    // A configure token does not open the repository page's form.
    await expectRefused(() => post('/bitbucket/repository', { token: configureToken, repo, period: 'last-month' }), 401, 'AUTH_INVALID');
    await expectRefused(() => post('/bitbucket/repository', { repo, period: 'last-month' }), 401, 'AUTH_MISSING');
  });

  it('refuses log work and the panel after a write without a session token, with an altered one, or with one of another page or purpose', async () => {
    const configureToken = await sessionTokenOf(pages()[2]!.url);
    const [version, payload, mac] = configureToken.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    // A token re-labelled for log work on this pull request, naming another account, under the old signature.
    const relabelled = `${version}.${Buffer.from(JSON.stringify({ ...claims, purpose: 'log-work', subject: `${repo}#${prId}`, accountId: '557058:another-user' })).toString('base64url')}.${mac}`;
    const form = { repo, pr: String(prId), issue: 'ABC-1', date: '2026-11-17', startTime: '09:00', duration: '1h' };
    await expectRefused(() => post('/bitbucket/pr-panel/log-work', form), 401, 'AUTH_MISSING');
    for (const token of [configureToken, relabelled, `${configureToken}x`]) {
      await expectRefused(() => post('/bitbucket/pr-panel/log-work', { ...form, token }), 401, 'AUTH_INVALID');
      await expectRefused(() => fetch(`${bed.tallyUrl}/bitbucket/pr-panel/view?${new URLSearchParams({ repo, pr: String(prId), token })}`), 401, 'AUTH_INVALID');
    }
    await expectRefused(() => fetch(`${bed.tallyUrl}/bitbucket/pr-panel/view?${new URLSearchParams({ repo, pr: String(prId) })}`), 401, 'AUTH_MISSING');
  });

  describe('lifecycle', () => {
    const lifecycleUrl = (event: 'installed' | 'uninstalled') => `${bed.tallyUrl}/bitbucket/${event}`;
    const body = (event: 'installed' | 'uninstalled', overrides: Record<string, unknown> = {}) => ({
      key: bed.config.bitbucketAppKey,
      eventType: event,
      clientKey: a.clientKey,
      ...(event === 'installed' ? { sharedSecret: randomBytes(32).toString('base64url') } : {}),
      baseUrl: 'https://bitbucket.org',
      baseApiUrl: bed.bb.baseUrl,
      productType: 'bitbucket',
      user: { uuid: viewer.uuid, username: 'someone' },
      ...overrides,
    });
    const send = (event: 'installed' | 'uninstalled', payload: unknown, token?: string) =>
      fetch(lifecycleUrl(event), {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `JWT ${token}` } : {}) },
        body: typeof payload === 'string' ? payload : JSON.stringify(payload),
      });
    const lifecycleToken = (event: 'installed' | 'uninstalled', secret: { clientKey: string; sharedSecret: string }, options: { issuedAgoSeconds?: number; qshEvent?: string } = {}) =>
      bitbucketToken({ ...secret, method: 'POST', url: `${bed.tallyUrl}/bitbucket/${options.qshEvent ?? event}`, appBaseUrl: bed.tallyUrl, ...(options.issuedAgoSeconds ? { issuedAgoSeconds: options.issuedAgoSeconds } : {}) });

    it('refuses the simulator\'s forgeries: unsigned re-install, re-install with a wrong secret, first install from a foreign base URL', async () => {
      for (const tamper of ['unsigned-reinstall', 'wrong-secret', 'foreign-base-url'] as const) {
        const before = await bed.dumpControl();
        const result = await bed.bb.connect.install(bed.descriptorUrl, { workspace: 'tally-sim', tamper });
        expect(result, tamper).toMatchObject({ ok: false, status: 401 });
        expect(bed.bb.connect.calls.at(-1)?.status).toBe(401);
        await bed.queue.idle();
        expect(await bed.dumpControl(), tamper).toBe(before);
      }
      for (const tamper of ['unsigned', 'wrong-secret'] as const) {
        const before = await bed.dumpControl();
        const result = await bed.bb.connect.uninstall({ workspace: 'tally-sim', tamper });
        expect(result, tamper).toMatchObject({ ok: false, status: 401 });
        expect(await bed.dumpControl(), tamper).toBe(before);
      }
    });

    it('refuses a re-install with a wrong qsh, an expired token, or a token of another installation', async () => {
      await expectRefused(() => send('installed', body('installed'), lifecycleToken('installed', a, { qshEvent: 'uninstalled' })), 401, 'BITBUCKET_INSTALL_REFUSED');
      await expectRefused(() => send('installed', body('installed'), lifecycleToken('installed', a, { issuedAgoSeconds: 600 })), 401, 'BITBUCKET_INSTALL_REFUSED');
      await expectRefused(() => send('installed', body('installed'), lifecycleToken('installed', b)), 401, 'BITBUCKET_INSTALL_REFUSED');
    });

    it('refuses an uninstall with a wrong qsh, an expired token, a token of another installation, or for an unknown client key', async () => {
      await expectRefused(() => send('uninstalled', body('uninstalled'), lifecycleToken('uninstalled', a, { qshEvent: 'installed' })), 401, 'BITBUCKET_INSTALL_REFUSED');
      await expectRefused(() => send('uninstalled', body('uninstalled'), lifecycleToken('uninstalled', a, { issuedAgoSeconds: 600 })), 401, 'BITBUCKET_INSTALL_REFUSED');
      await expectRefused(() => send('uninstalled', body('uninstalled'), lifecycleToken('uninstalled', b)), 401, 'BITBUCKET_INSTALL_REFUSED');
      const stranger = { clientKey: 'connection:unknown', sharedSecret: 'whatever-secret' };
      await expectRefused(() => send('uninstalled', body('uninstalled', { clientKey: stranger.clientKey }), lifecycleToken('uninstalled', stranger)), 401, 'BITBUCKET_INSTALL_REFUSED');
    });

    it('refuses payloads that are not Bitbucket\'s or not this app\'s, even when signed', async () => {
      const signed = () => lifecycleToken('installed', a);
      await expectRefused(() => send('installed', body('installed', { productType: 'jira' }), signed()), 401, 'BITBUCKET_INSTALL_REFUSED');
      await expectRefused(() => send('installed', body('installed', { key: 'another.app' }), signed()), 401, 'BITBUCKET_INSTALL_REFUSED');
      await expectRefused(() => send('installed', body('installed', { baseApiUrl: 'https://api.bitbucket.attacker.example' }), signed()), 401, 'BITBUCKET_INSTALL_REFUSED');
      await expectRefused(() => send('installed', body('installed', { clientKey: 'connection:new', baseUrl: 'https://bitbucket.attacker.example' })), 401, 'BITBUCKET_INSTALL_REFUSED');
    });

    it('answers a malformed body with 400 REQUEST_INVALID', async () => {
      const signed = () => lifecycleToken('installed', a);
      await expectRefused(() => send('installed', '{"clientKey":', signed()), 400, 'REQUEST_INVALID');
      await expectRefused(() => send('installed', '', signed()), 400, 'REQUEST_INVALID');
      await expectRefused(() => send('installed', body('installed', { clientKey: undefined }), signed()), 400, 'REQUEST_INVALID');
      await expectRefused(() => send('installed', body('installed', { sharedSecret: 'x'.repeat(129) }), signed()), 400, 'REQUEST_INVALID');
      await expectRefused(() => send('installed', body('installed', { eventType: 'uninstalled' }), signed()), 400, 'REQUEST_INVALID');
      await expectRefused(() => send('uninstalled', [1, 2, 3], lifecycleToken('uninstalled', a)), 400, 'REQUEST_INVALID');
    });
  });
});
