import { describe, expect, it } from 'vitest';
import { isAppError } from '../../platform/app-error.js';
import { createManualClock } from '../../platform/clock.js';
import { BB_API, BB_INSTALLATION_A, BB_TEST_APP_ID, bitbucketClaims, WORKSPACE_A, WORKSPACE_B } from './bitbucket-forge-test-kit.js';
import { createBitbucketInvocationTokenVerifier, normaliseBitbucketUuid } from './bitbucket-invocation-token.js';
import { createFitKit, TEST_APP_ID, TEST_JWKS_URL, triggerClaims, unsignedToken } from './forge-test-kit.js';
import { createInvocationTokenVerifier } from './invocation-token.js';

const T0 = Date.UTC(2026, 7, 1, 9, 0, 0);
const PR_MODULE = 'bitbucket:repoPullRequestOverviewPanel';

async function setup() {
  const clock = createManualClock(T0);
  const kit = await createFitKit(clock);
  const common = { jwksUrl: TEST_JWKS_URL, fetch: kit.fetch, clock };
  const bitbucket = createBitbucketInvocationTokenVerifier({ ...common, appId: BB_TEST_APP_ID, allowedApiHosts: ['api.bitbucket.org'] });
  const jira = createInvocationTokenVerifier({ ...common, appId: TEST_APP_ID, allowedApiHosts: ['api.atlassian.com'] });
  return { clock, kit, bitbucket, jira };
}

async function refusal(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!isAppError(error)) throw new Error(`expected an AppError, got ${String(error)}`);
  return error;
}

/** `claims` with a change made to a deep copy. */
function changed(claims: Record<string, unknown>, change: (claims: any) => void): Record<string, unknown> {
  const copy = structuredClone(claims);
  change(copy);
  return copy;
}

describe('Bitbucket invocation token verifier', () => {
  it('proves the installation and the workspace of a trigger, without braces and in lower case', async () => {
    const { kit, bitbucket } = await setup();
    const claims = changed(bitbucketClaims(), (c) => (c.app.installation.contexts[0].workspaceId = WORKSPACE_A.toUpperCase()));
    expect(await bitbucket.verify(await kit.sign(claims))).toEqual({
      installationId: `ari:cloud:ecosystem::installation/${BB_INSTALLATION_A}`,
      workspaceId: WORKSPACE_A,
      apiBaseUrl: BB_API,
      accountId: undefined,
      moduleType: 'core:endpoint',
      extension: undefined,
    });
  });

  it('proves the viewer, the module and where it is shown for a UI call', async () => {
    const { kit, bitbucket } = await setup();
    const repository = '{0a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d}';
    const token = await kit.sign(bitbucketClaims({ ui: { moduleType: PR_MODULE, accountId: '712020:viewer', repositoryUuid: repository.toUpperCase(), pullRequestId: 7 } }));
    const invocation = await bitbucket.verify(token);
    expect(invocation).toMatchObject({ workspaceId: WORKSPACE_A, accountId: '712020:viewer', moduleType: PR_MODULE, extension: { repositoryUuid: repository, pullRequestId: 7 } });
  });

  it('refuses a Jira invocation token, even one signed by the same keys for the same app id', async () => {
    const { kit, bitbucket, clock } = await setup();
    expect(await refusal(bitbucket.verify(await kit.sign(triggerClaims())))).toMatchObject({ code: 'AUTH_INVALID', message: expect.stringMatching(/aud/) });
    // Same app id configured for both: the claims still tell a site from a workspace.
    const sameApp = createBitbucketInvocationTokenVerifier({ appId: TEST_APP_ID, jwksUrl: TEST_JWKS_URL, fetch: kit.fetch, clock, allowedApiHosts: ['api.bitbucket.org', 'api.atlassian.com'] });
    expect(await refusal(sameApp.verify(await kit.sign(triggerClaims())))).toMatchObject({ code: 'AUTH_INVALID', message: expect.stringMatching(/not a Bitbucket installation/) });
  });

  it('is refused by the Jira verifier, even under the Jira app id', async () => {
    const { kit, jira } = await setup();
    expect(await refusal(jira.verify(await kit.sign(bitbucketClaims())))).toMatchObject({ code: 'AUTH_INVALID', message: expect.stringMatching(/aud/) });
    const underJiraAppId = changed(bitbucketClaims(), (c) => {
      c.aud = TEST_APP_ID;
      c.app.id = TEST_APP_ID;
    });
    expect(await refusal(jira.verify(await kit.sign(underJiraAppId)))).toMatchObject({ code: 'AUTH_INVALID', message: expect.stringMatching(/not a Jira site API/) });
  });

  it('refuses an apiBaseUrl on a host Tally does not call with 403', async () => {
    const { kit, bitbucket } = await setup();
    const error = await refusal(bitbucket.verify(await kit.sign(bitbucketClaims({ apiBaseUrl: 'https://bitbucket.evil.example' }))));
    expect(error.code).toBe('AUTH_FORBIDDEN');
  });

  const forgeries: [string, (c: any) => void, RegExp][] = [
    ['context.workspaceId names another workspace', (c) => (c.context = { workspaceId: `{${WORKSPACE_B}}` }), /another workspace/],
    ['the bitbucket context has no workspace', (c) => delete c.app.installation.contexts[0].workspaceId, /no workspace uuid/],
    ['two bitbucket contexts', (c) => c.app.installation.contexts.push({ name: 'bitbucket', workspaceId: WORKSPACE_B }), /one bitbucket context/],
    ['a Jira site beside the workspace', (c) => c.app.installation.contexts.push({ name: 'jira', cloudId: '11111111-aaaa-4aaa-8aaa-111111111111' }), /Jira or Confluence site/],
    ['the installation ids disagree', (c) => (c.app.installation.id = 'ari:cloud:ecosystem::installation/66666666-ffff-4fff-8fff-666666666666'), /disagrees/],
    ['apiBaseUrl carries a path', (c) => (c.app.apiBaseUrl = `${BB_API}/2.0`), /not a Bitbucket API origin/],
    ['apiBaseUrl is plain http off loopback', (c) => (c.app.apiBaseUrl = 'http://api.bitbucket.org'), /not https/],
    ['the context names another apiBaseUrl', (c) => (c.app.installation.contexts[0].apiBaseUrl = 'https://api.bitbucket.org:8443'), /another apiBaseUrl|API host/],
    ['the repository is not a uuid', (c) => (c.context = { extension: { repository: { uuid: '../../users' } } }), /repository.uuid/],
  ];

  it.each(forgeries)('refuses a token where %s', async (_name, change, message) => {
    const { kit, bitbucket } = await setup();
    const error = await refusal(bitbucket.verify(await kit.sign(changed(bitbucketClaims(), change))));
    expect(error.message).toMatch(message);
  });

  it('refuses expired, unsigned and foreign-key tokens like the Jira verifier', async () => {
    const { kit, bitbucket, clock } = await setup();
    const token = await kit.sign(bitbucketClaims());
    clock.advanceMs(60_000);
    expect(await refusal(bitbucket.verify(token))).toMatchObject({ code: 'AUTH_INVALID', message: expect.stringMatching(/expired/) });
    expect((await refusal(bitbucket.verify(unsignedToken(bitbucketClaims())))).code).toBe('AUTH_INVALID');
    expect(await refusal(bitbucket.verify(await kit.sign(bitbucketClaims(), { key: 'unknown' })))).toMatchObject({ code: 'AUTH_INVALID' });
  });

  it('normalises workspace uuids with or without braces and rejects anything else', () => {
    expect(normaliseBitbucketUuid(`{${WORKSPACE_A.toUpperCase()}}`)).toBe(WORKSPACE_A);
    expect(normaliseBitbucketUuid(WORKSPACE_A)).toBe(WORKSPACE_A);
    expect(normaliseBitbucketUuid('{not-a-uuid}')).toBeUndefined();
    expect(normaliseBitbucketUuid(42)).toBeUndefined();
  });
});
