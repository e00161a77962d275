import { describe, expect, it } from 'vitest';
import { Hono } from 'hono';
import { createQueryStringHash, decodeSymmetric, fromMethodAndUrl, SymmetricAlgorithm } from 'atlassian-jwt';
import { createBitbucketSimulator } from './create-bitbucket-simulator.js';
import { testAppDescriptor } from '../../test/support/bitbucket-connect-test-app.js';

const APP_BASE = 'https://bb.tally.example/app';
const DESCRIPTOR_URL = `${APP_BASE}/atlassian-connect.json`;

/** The test app with a panel, a repository page, a configure page and webhooks, whose URLs name many context parameters. */
function descriptorWith(overrides: Record<string, unknown> = {}) {
  return testAppDescriptor(APP_BASE, {
    modules: {
      webPanels: [
        {
          key: 'tally-pr',
          location: 'org.bitbucket.pullrequest.overview.informationPanel',
          url: '/bb/pr-panel?repo={repository.full_name}&ru={repository.uuid}&pr={pullrequest.id}&branch={pullrequest.source.branch.name}&user={user.account_id}&uu={user.uuid}&ws={workspace.uuid}',
        },
      ],
      repoPages: [{ key: 'tally-repo', location: 'org.bitbucket.repository.navigation', url: '/bb/repo/{repository.uuid}?owner={repository.owner.uuid}' }],
      configurePage: { key: 'tally-configure', url: '/bb/configure?ws={workspace.slug}' },
      webhooks: [
        { event: 'pullrequest:fulfilled', url: '/bb/webhook' },
        { event: 'pullrequest:created', url: '/bb/webhook' },
      ],
    },
    ...overrides,
  });
}

interface Seen {
  path: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
}

/** A Connect app that accepts every lifecycle call, stores the secrets it receives and records everything. */
function recordingApp(descriptor: Record<string, unknown>) {
  const secrets = new Map<string, string>();
  const seen: Seen[] = [];
  const app = new Hono();
  app.get('/app/atlassian-connect.json', (c) => c.json(descriptor));
  app.all('/app/*', async (c) => {
    const text = await c.req.text();
    const body = text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>);
    seen.push({ path: c.req.path, url: c.req.url, headers: Object.fromEntries(c.req.raw.headers), body });
    if (c.req.path === '/app/bb/installed') secrets.set(String(body!.clientKey), String(body!.sharedSecret));
    return c.body(null, c.req.method === 'GET' ? 200 : 204);
  });
  return { app, seen, secrets };
}

function setup(descriptor = descriptorWith()) {
  const receiver = recordingApp(descriptor);
  const bb = createBitbucketSimulator({
    startMs: Date.UTC(2026, 2, 1),
    appFetch: async (input, init) => receiver.app.fetch(input instanceof Request ? input : new Request(input, init)),
  });
  return { bb, receiver };
}

const claimsOf = (token: string, secret: string) => decodeSymmetric(token, secret, SymmetricAlgorithm.HS256) as Record<string, unknown>;

describe('Bitbucket Connect host: re-install after uninstall', () => {
  it('reuses the clientKey and signs the install with the old secret; the new secret works on REST', async () => {
    const { bb, receiver } = setup();
    const first = await bb.connect.install(DESCRIPTOR_URL);
    const oldSecret = receiver.secrets.get(first.clientKey!)!;
    await bb.connect.uninstall();
    expect(bb.connect.findInstallation('tally-bb', 'tally-sim')).toBeUndefined();

    const again = await bb.connect.install(DESCRIPTOR_URL);
    expect(again).toEqual({ ok: true, status: 204, clientKey: first.clientKey });
    const install = bb.connect.calls.at(-1)!;
    expect(install.authorization).toMatch(/^JWT /);
    const claims = claimsOf(install.authorization!.slice(4), oldSecret);
    expect(claims).toMatchObject({ iss: first.clientKey, qsh: createQueryStringHash(fromMethodAndUrl('POST', `${APP_BASE}/bb/installed`), false, APP_BASE) });
    const newSecret = String(install.body.sharedSecret);
    expect(newSecret).not.toBe(oldSecret);
    expect(bb.connect.findInstallation('tally-bb', 'tally-sim')).toMatchObject({ clientKey: first.clientKey, sharedSecret: newSecret });
  });

  it('installs as new (new clientKey, unsigned) when told Bitbucket forgot the app', async () => {
    const { bb } = setup();
    const first = await bb.connect.install(DESCRIPTOR_URL);
    await bb.connect.uninstall();
    const fresh = await bb.connect.install(DESCRIPTOR_URL, { fresh: true });
    expect(fresh.ok).toBe(true);
    expect(fresh.clientKey).not.toBe(first.clientKey);
    expect(bb.connect.calls.at(-1)!.authorization).toBeUndefined();
  });

  it('keeps the app uninstalled when it refuses the re-install', async () => {
    const receiver = recordingApp(descriptorWith());
    let refuse = false;
    const bb = createBitbucketSimulator({
      appFetch: async (input, init) => {
        const request = input instanceof Request ? input : new Request(input, init);
        return refuse && request.method === 'POST' ? new Response('no', { status: 401 }) : receiver.app.fetch(request);
      },
    });
    const first = await bb.connect.install(DESCRIPTOR_URL);
    await bb.connect.uninstall();
    refuse = true;
    expect(await bb.connect.install(DESCRIPTOR_URL)).toMatchObject({ ok: false, status: 401, clientKey: first.clientKey });
    expect(bb.model.findInstallation(first.clientKey!)).toBeUndefined();
  });
});

describe('Bitbucket Connect host: app pages', () => {
  it('substitutes context parameters, URL-encoded, and signs the URL with iss = clientKey, sub = viewer uuid and the qsh of the request', async () => {
    const { bb, receiver } = setup();
    const { clientKey } = await bb.connect.install(DESCRIPTOR_URL);
    const secret = receiver.secrets.get(clientKey!)!;
    const repo = bb.generated!.repositories[0]!;
    const pr = bb.model.findPullRequest(repo.uuid, 1)!;
    const viewer = bb.generated!.users[1]!;
    const workspace = bb.generated!.workspace;

    const url = bb.connect.pageUrl({ moduleKey: 'tally-pr', repository: repo.slug, pullRequestId: 1, viewer: viewer.accountId });
    const parsed = new URL(url);
    expect(parsed.origin + parsed.pathname).toBe(`${APP_BASE}/bb/pr-panel`);
    expect(Object.fromEntries([...parsed.searchParams].filter(([k]) => k !== 'jwt'))).toEqual({
      repo: `tally-sim/${repo.slug}`,
      ru: repo.uuid,
      pr: '1',
      branch: pr.sourceBranch,
      user: viewer.accountId,
      uu: viewer.uuid,
      ws: workspace.uuid,
    });
    // Encoded, not raw: braces and the slash of the full name travel as %XX.
    expect(url).toContain(`repo=tally-sim%2F${repo.slug}`);
    expect(url).toContain(`ru=${encodeURIComponent(repo.uuid)}`);

    const jwt = parsed.searchParams.get('jwt')!;
    const claims = claimsOf(jwt, secret);
    const withoutJwt = url.replace(/&jwt=[^&]+$/, '');
    expect(claims).toMatchObject({ iss: clientKey, sub: viewer.uuid, qsh: createQueryStringHash(fromMethodAndUrl('GET', withoutJwt), false, APP_BASE) });
    expect(claims.exp).toBe((claims.iat as number) + 180);

    // The app can load it.
    const response = await receiver.app.fetch(new Request(url));
    expect(response.status).toBe(200);
    expect(receiver.seen.at(-1)!.url).toBe(url);
  });

  it('builds pages from any module list or a given template, with the sub claim as asked', async () => {
    const { bb, receiver } = setup();
    const { clientKey } = await bb.connect.install(DESCRIPTOR_URL);
    const secret = receiver.secrets.get(clientKey!)!;
    const repo = bb.generated!.repositories[1]!;
    const viewer = bb.generated!.users[0]!;
    const repoPage = new URL(bb.connect.pageUrl({ moduleKey: 'tally-repo', repository: repo.uuid, viewer: viewer.uuid, subject: 'user-account-id' }));
    expect(repoPage.pathname).toBe(`/app/bb/repo/${encodeURIComponent(repo.uuid)}`);
    expect(repoPage.searchParams.get('owner')).toBe(bb.generated!.workspace.uuid);
    expect(claimsOf(repoPage.searchParams.get('jwt')!, secret).sub).toBe(viewer.accountId);

    const configure = new URL(bb.connect.pageUrl({ moduleKey: 'tally-configure', viewer: viewer.uuid, subject: 'none' }));
    expect(configure.searchParams.get('ws')).toBe('tally-sim');
    expect(claimsOf(configure.searchParams.get('jwt')!, secret)).not.toHaveProperty('sub');

    const custom = new URL(bb.connect.pageUrl({ url: '/bb/anything?r={repository.slug}', repository: repo.slug }));
    expect(custom.searchParams.get('r')).toBe(repo.slug);
    expect(() => bb.connect.pageUrl({ moduleKey: 'no-such-module' })).toThrow(/no module/);
  });

  it('leaves out parameters whose scope the descriptor does not declare', async () => {
    const { bb } = setup(descriptorWith({ scopes: ['account'] }));
    await bb.connect.install(DESCRIPTOR_URL);
    const repo = bb.generated!.repositories[0]!;
    const url = new URL(bb.connect.pageUrl({ moduleKey: 'tally-pr', repository: repo.slug, pullRequestId: 1, viewer: bb.generated!.users[0]!.uuid }));
    expect(url.searchParams.get('repo')).toBe('');
    expect(url.searchParams.get('pr')).toBe('');
    expect(url.searchParams.get('user')).toBe(bb.generated!.users[0]!.accountId);
  });
});

describe('Bitbucket Connect host: webhooks', () => {
  it('POSTs subscribed pull-request events signed like lifecycle calls, with Bitbucket webhook headers and body', async () => {
    const { bb, receiver } = setup();
    const { clientKey } = await bb.connect.install(DESCRIPTOR_URL);
    const secret = receiver.secrets.get(clientKey!)!;
    const repo = bb.generated!.repositories[0]!;
    const actor = bb.generated!.users[2]!;

    expect(await bb.connect.emitPullRequestEvent({ event: 'pullrequest:updated', repository: repo.slug, pullRequestId: 1 })).toEqual([]);
    const [call] = await bb.connect.emitPullRequestEvent({ event: 'pullrequest:fulfilled', repository: repo.slug, pullRequestId: 1, actor: actor.uuid });
    expect(call).toMatchObject({ event: 'pullrequest:fulfilled', clientKey, url: `${APP_BASE}/bb/webhook`, status: 204 });
    const seen = receiver.seen.at(-1)!;
    expect(seen.headers).toMatchObject({ 'x-event-key': 'pullrequest:fulfilled', 'x-attempt-number': '1', 'x-hook-uuid': expect.stringMatching(/^\{[0-9a-f-]{36}\}$/) });
    const claims = claimsOf(seen.headers.authorization!.replace(/^JWT /, ''), secret);
    expect(claims).toMatchObject({ iss: clientKey, qsh: createQueryStringHash(fromMethodAndUrl('POST', `${APP_BASE}/bb/webhook`), false, APP_BASE) });
    expect(seen.body).toMatchObject({
      actor: { type: 'user', uuid: actor.uuid, account_id: actor.accountId },
      pullrequest: { type: 'pullrequest', id: 1, title: bb.model.findPullRequest(repo.uuid, 1)!.title },
      repository: { type: 'repository', uuid: repo.uuid, full_name: `tally-sim/${repo.slug}` },
    });
  });

  it('sends nothing without the pullrequest scope, nor after uninstall', async () => {
    const scoped = setup(descriptorWith({ scopes: ['account', 'repository'] }));
    await scoped.bb.connect.install(DESCRIPTOR_URL);
    const repo = scoped.bb.generated!.repositories[0]!;
    expect(await scoped.bb.connect.emitPullRequestEvent({ event: 'pullrequest:created', repository: repo.slug, pullRequestId: 1 })).toEqual([]);

    const { bb } = setup();
    await bb.connect.install(DESCRIPTOR_URL);
    await bb.connect.uninstall();
    expect(await bb.connect.emitPullRequestEvent({ event: 'pullrequest:created', repository: repo.slug, pullRequestId: 1 })).toEqual([]);
    expect(bb.connect.webhookCalls).toEqual([]);
  });
});

describe('the page host (Bitbucket pages around the app iframes)', () => {
  it('redirects a pull-request page to the panel URL signed now, and names unknown things 404', async () => {
    const { app, secrets } = recordingApp(descriptorWith());
    const bb = createBitbucketSimulator({ appFetch: async (input, init) => app.fetch(new Request(input, init)) });
    const installed = await bb.connect.install(DESCRIPTOR_URL);
    expect(installed.ok).toBe(true);
    const workspace = bb.generated!.workspace;
    const repository = bb.model.listRepositories(workspace.uuid)[0]!;
    const pr = bb.model.listPullRequests(repository.uuid)[0]!;
    const viewer = bb.model.findUser([...workspace.memberUuids][0]!)!;

    const page = await bb.fetch(`/${workspace.slug}/${repository.slug}/pull-requests/${pr.id}?module=tally-pr&as=${encodeURIComponent(viewer.accountId)}`);
    expect(page.status).toBe(302);
    const target = new URL(page.headers.get('location')!);
    expect(`${target.origin}${target.pathname}`).toBe(`${APP_BASE}/bb/pr-panel`);
    expect(target.searchParams.get('pr')).toBe(String(pr.id));
    expect(target.searchParams.get('user')).toBe(viewer.accountId);
    const claims = decodeSymmetric(target.searchParams.get('jwt')!, secrets.get(installed.clientKey!)!, SymmetricAlgorithm.HS256) as Record<string, unknown>;
    expect(claims.iss).toBe(installed.clientKey);
    target.searchParams.delete('jwt');
    expect(claims.qsh).toBe(createQueryStringHash(fromMethodAndUrl('GET', `${target.pathname.slice('/app'.length)}${target.search}`), false, ''));

    expect((await bb.fetch(`/${workspace.slug}/${repository.slug}/pull-requests/${pr.id}`)).status).toBe(404);
    expect((await bb.fetch(`/${workspace.slug}/${repository.slug}/pull-requests/999999?module=tally-pr`)).status).toBe(404);
    expect((await bb.fetch(`/${workspace.slug}/${repository.slug}/pull-requests/${pr.id}?module=nope`)).status).toBe(404);
    const repoPage = await bb.fetch(`/${workspace.slug}/${repository.slug}/addon/tally-repo`);
    expect(repoPage.status).toBe(302);
    expect(new URL(repoPage.headers.get('location')!).pathname).toBe(`/app/bb/repo/${encodeURIComponent(repository.uuid)}`);
  });
});
