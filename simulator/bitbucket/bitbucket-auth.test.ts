import { afterEach, describe, expect, it } from 'vitest';
import { createBitbucketSimulator, type BitbucketSimulator } from './create-bitbucket-simulator.js';
import { appJwtAuthorization, basicAuthorization } from './testing/bitbucket-callers.js';
import { createBitbucketResponseCheck } from '../../test/support/bitbucket-openapi-validator.js';

const check = createBitbucketResponseCheck();
afterEach(() => expect(check.takeMismatches()).toEqual([]));

function createSim(options: Parameters<typeof createBitbucketSimulator>[0] = {}): BitbucketSimulator {
  return createBitbucketSimulator({ startMs: Date.UTC(2026, 2, 1), inspectResponse: check.inspect, ...options });
}

async function call(sim: BitbucketSimulator, path: string, authorization?: string) {
  const response = await sim.fetch(path, authorization ? { headers: { authorization } } : {});
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('Bitbucket authentication', () => {
  it('answers GET /2.0/user for an API token sent as Basic email:token', async () => {
    const sim = createSim();
    const user = sim.generated!.users[0]!;
    const { status, body } = await call(sim, '/2.0/user', basicAuthorization(sim.generated!.credentials[0]!));
    expect(status).toBe(200);
    expect(body).toMatchObject({ type: 'user', uuid: user.uuid, account_id: user.accountId, display_name: user.displayName });
    expect(JSON.stringify(body)).not.toContain(user.email);
  });

  it('refuses a revoked, expired or wrong token with 401', async () => {
    const sim = createSim();
    const credentials = sim.generated!.credentials[0]!;
    const other = sim.generated!.credentials[1]!;
    expect((await call(sim, '/2.0/user', basicAuthorization({ email: credentials.email, token: other.token }))).status).toBe(401);
    const shortLived = sim.model.createApiToken(sim.generated!.users[0]!.uuid, { expiresAtMs: sim.clock.now() + 60_000 });
    expect((await call(sim, '/2.0/user', basicAuthorization({ email: credentials.email, token: shortLived.token }))).status).toBe(200);
    sim.clock.advance(60_000);
    expect((await call(sim, '/2.0/user', basicAuthorization({ email: credentials.email, token: shortLived.token }))).status).toBe(401);
    sim.model.revokeApiToken(credentials.token);
    const revoked = await call(sim, '/2.0/workspaces/tally-sim', basicAuthorization(credentials));
    expect(revoked.status).toBe(401);
    expect(revoked.body.type).toBe('error');
  });

  it('shows an anonymous caller nothing private', async () => {
    const sim = createSim();
    const repo = sim.generated!.repositories[0]!;
    expect((await call(sim, '/2.0/user')).status).toBe(401);
    expect((await call(sim, '/2.0/workspaces/tally-sim')).status).toBe(404);
    expect((await call(sim, `/2.0/repositories/tally-sim/${repo.slug}`)).status).toBe(404);
    expect((await call(sim, `/2.0/repositories/tally-sim/${repo.slug}/pullrequests/1`)).status).toBe(404);
    const listing = await call(sim, '/2.0/repositories/tally-sim');
    expect(listing.body.values).toEqual([]);
  });

  it('answers 403 to a signed-in user outside the workspace', async () => {
    const sim = createSim();
    const stranger = sim.model.addUser({ uuid: '{00000000-0000-4000-a000-000000000001}', accountId: 'f'.repeat(24), displayName: 'Stranger', nickname: 'stranger', email: 'stranger@example.com' });
    const token = sim.model.createApiToken(stranger.uuid).token;
    const auth = basicAuthorization({ email: stranger.email, token });
    expect((await call(sim, '/2.0/user', auth)).status).toBe(200);
    expect((await call(sim, `/2.0/repositories/tally-sim/${sim.generated!.repositories[0]!.slug}`, auth)).status).toBe(403);
    expect((await call(sim, '/2.0/workspaces/tally-sim', auth)).status).toBe(404);
  });

  it('accepts a Connect app JWT with iss = app key, sub = clientKey and the exact qsh', async () => {
    const sim = createSim();
    const installation = sim.model.installConnectApp('tally-bitbucket', 'tally-sim');
    const path = '/2.0/repositories/tally-sim?pagelen=5';
    const listing = await call(sim, path, appJwtAuthorization(installation, 'GET', path, sim.clock.now()));
    expect(listing.status).toBe(200);
    expect(listing.body.size).toBe(sim.generated!.repositories.length);
    const me = await call(sim, '/2.0/user', appJwtAuthorization(installation, 'GET', '/2.0/user', sim.clock.now()));
    expect(me.body).toMatchObject({ type: 'team', uuid: sim.generated!.workspace.uuid });
  });

  it('refuses a Connect app JWT with a wrong qsh, iss, secret, or after expiry and uninstall', async () => {
    const sim = createSim();
    const installation = sim.model.installConnectApp('tally-bitbucket', 'tally-sim');
    const path = '/2.0/workspaces/tally-sim';
    const now = sim.clock.now();
    expect((await call(sim, path, appJwtAuthorization(installation, 'GET', path, now))).status).toBe(200);
    expect((await call(sim, path, appJwtAuthorization(installation, 'GET', '/2.0/user', now))).status).toBe(401);
    expect((await call(sim, `${path}?x=1`, appJwtAuthorization(installation, 'GET', path, now))).status).toBe(401);
    // The Jira shape (iss = clientKey, no sub) is not what Bitbucket expects from an app.
    expect((await call(sim, path, appJwtAuthorization(installation, 'GET', path, now, { iss: installation.clientKey, sub: undefined }))).status).toBe(401);
    expect((await call(sim, path, appJwtAuthorization(installation, 'GET', path, now, { iss: 'another-app' }))).status).toBe(401);
    expect((await call(sim, path, appJwtAuthorization({ ...installation, sharedSecret: 'not-the-secret' }, 'GET', path, now))).status).toBe(401);
    const token = appJwtAuthorization(installation, 'GET', path, now);
    sim.clock.advance(181_000 + 30_000);
    expect((await call(sim, path, token)).status).toBe(401);
    sim.model.uninstallConnectApp(installation.clientKey);
    expect((await call(sim, path, appJwtAuthorization(installation, 'GET', path, sim.clock.now()))).status).toBe(401);
  });

  it('keeps a Connect app inside its own workspace', async () => {
    const sim = createSim();
    sim.model.addWorkspace({ uuid: '{00000000-0000-4000-a000-0000000000aa}', slug: 'elsewhere', name: 'Elsewhere', isPrivate: true, createdOnMs: 0, memberUuids: new Set() });
    const installation = sim.model.installConnectApp('tally-bitbucket', 'elsewhere');
    const path = `/2.0/repositories/tally-sim/${sim.generated!.repositories[0]!.slug}`;
    expect((await call(sim, path, appJwtAuthorization(installation, 'GET', path, sim.clock.now()))).status).toBe(403);
  });

  it('refuses a bearer token unless a bearer authenticator is plugged in', async () => {
    const plain = createSim();
    expect((await call(plain, '/2.0/user', 'Bearer abc')).status).toBe(401);
    expect((await call(plain, '/2.0/user', 'Token abc')).status).toBe(401);
    const withBearer = createSim({
      bearer: (token) => (token === 'forge-system-token' ? { kind: 'app', via: 'forge', workspaceUuid: withBearer.generated!.workspace.uuid, rateKey: 'forge:1' } : undefined),
    });
    expect((await call(withBearer, '/2.0/workspaces/tally-sim', 'Bearer forge-system-token')).status).toBe(200);
    expect((await call(withBearer, '/2.0/workspaces/tally-sim', 'Bearer other')).status).toBe(401);
  });
});
