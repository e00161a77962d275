import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isAppError } from '../../platform/app-error.js';
import { createManualClock } from '../../platform/clock.js';
import { CLOUD_A, CLOUD_B, createFitKit, INSTALLATION_A, TEST_APP_ID, TEST_JWKS_URL, triggerClaims, unsignedToken } from './forge-test-kit.js';
import { createInvocationTokenVerifier, extractInvocationToken } from './invocation-token.js';

const T0 = Date.UTC(2026, 7, 1, 9, 0, 0);

async function setup() {
  const clock = createManualClock(T0);
  const kit = await createFitKit(clock);
  const verifier = createInvocationTokenVerifier({ appId: TEST_APP_ID, jwksUrl: TEST_JWKS_URL, fetch: kit.fetch, clock, allowedApiHosts: ['api.atlassian.com'] });
  return { clock, kit, verifier };
}

/** The error code and message a verification fails with. */
async function refusal(promise: Promise<unknown>): Promise<{ code: string; message: string; httpStatus: number }> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!isAppError(error)) throw new Error(`expected an AppError, got ${String(error)}`);
  return error;
}

/** `claims` with `app` fields replaced. */
function withApp(overrides: Record<string, unknown>, claims = triggerClaims()): Record<string, unknown> {
  return { ...claims, app: { ...(claims.app as object), ...overrides } };
}

describe('invocation token verifier', () => {
  it('proves installation, site and API base URL from a valid token', async () => {
    const { kit, verifier } = await setup();
    const invocation = await verifier.verify(await kit.sign(triggerClaims()));
    expect(invocation).toEqual({
      installationId: `ari:cloud:ecosystem::installation/${INSTALLATION_A}`,
      cloudId: CLOUD_A,
      apiBaseUrl: `https://api.atlassian.com/ex/jira/${CLOUD_A}`,
      accountId: undefined,
      moduleType: 'core:endpoint',
    });
  });

  it('takes the user from principal only', async () => {
    const { kit, verifier } = await setup();
    const token = await kit.sign({ ...triggerClaims(), principal: '5b10ac8d82e05b22cc7d4ef5', sub: 'someone-else' });
    expect((await verifier.verify(token)).accountId).toBe('5b10ac8d82e05b22cc7d4ef5');
  });

  it('refuses an unsigned token (alg none) without fetching any key', async () => {
    const { kit, verifier } = await setup();
    expect(await refusal(verifier.verify(unsignedToken(triggerClaims())))).toMatchObject({ code: 'AUTH_INVALID', httpStatus: 401 });
    expect(kit.jwksFetches()).toBe(0);
  });

  it('refuses an HS256 token keyed with anything (no algorithm confusion)', async () => {
    const { verifier } = await setup();
    const head = Buffer.from(JSON.stringify({ alg: 'HS256', kid: 'forge-key-1' })).toString('base64url');
    const body = Buffer.from(JSON.stringify(triggerClaims())).toString('base64url');
    const signature = createHmac('sha256', 'guess').update(`${head}.${body}`).digest('base64url');
    expect((await refusal(verifier.verify(`${head}.${body}.${signature}`))).message).toContain('RS256');
  });

  it('refuses a token signed by a key Forge never published, re-fetching the keys once', async () => {
    const { kit, verifier } = await setup();
    await verifier.verify(await kit.sign(triggerClaims()));
    expect(await refusal(verifier.verify(await kit.sign(triggerClaims(), { key: 'unknown' })))).toMatchObject({ code: 'AUTH_INVALID', httpStatus: 401 });
    expect(kit.jwksFetches()).toBe(2);
  });

  it('refuses an unknown key signing under a published kid', async () => {
    const { kit, verifier } = await setup();
    const error = await refusal(verifier.verify(await kit.sign(triggerClaims(), { key: 'unknown', kid: 'forge-key-1' })));
    expect(error).toMatchObject({ code: 'AUTH_INVALID' });
    expect(error.message).toContain('signature');
  });

  it('re-fetches for unknown key ids at most every 30 seconds', async () => {
    const { kit, verifier, clock } = await setup();
    await verifier.verify(await kit.sign(triggerClaims()));
    for (let i = 0; i < 5; i++) await refusal(verifier.verify(await kit.sign(triggerClaims(), { key: 'unknown', kid: `junk-${i}` })));
    expect(kit.jwksFetches()).toBe(2);
    clock.advanceMs(30_000);
    await refusal(verifier.verify(await kit.sign(triggerClaims(), { key: 'unknown', kid: 'junk-later' })));
    expect(kit.jwksFetches()).toBe(3);
  });

  it('follows a key rotation at once, and caches the keys otherwise', async () => {
    const { kit, verifier } = await setup();
    await verifier.verify(await kit.sign(triggerClaims()));
    await verifier.verify(await kit.sign(triggerClaims()));
    expect(kit.jwksFetches()).toBe(1);
    await kit.rotate();
    await expect(verifier.verify(await kit.sign(triggerClaims()))).resolves.toMatchObject({ cloudId: CLOUD_A });
    expect(kit.jwksFetches()).toBe(2);
  });

  it('answers 503 when the key set cannot be fetched, and recovers', async () => {
    const { kit, verifier } = await setup();
    kit.failJwks(true);
    expect(await refusal(verifier.verify(await kit.sign(triggerClaims())))).toMatchObject({ code: 'FORGE_KEYS_UNAVAILABLE', httpStatus: 503 });
    kit.failJwks(false);
    await expect(verifier.verify(await kit.sign(triggerClaims()))).resolves.toBeDefined();
  });

  it('keeps verifying with cached keys when a routine refresh fails', async () => {
    const { kit, verifier, clock } = await setup();
    await verifier.verify(await kit.sign(triggerClaims()));
    kit.failJwks(true);
    clock.advanceMs(2 * 3_600_000);
    await expect(verifier.verify(await kit.sign(triggerClaims()))).resolves.toBeDefined();
  });

  it.each([
    ['a wrong issuer', { iss: 'connect/install' }, 'iss'],
    ['a wrong audience', { aud: 'ari:cloud:ecosystem::app/99999999-9999-4999-8999-999999999999' }, 'aud'],
  ])('refuses %s', async (_, override, claim) => {
    const { kit, verifier } = await setup();
    const error = await refusal(verifier.verify(await kit.sign({ ...triggerClaims(), ...override })));
    expect(error).toMatchObject({ code: 'AUTH_INVALID', httpStatus: 401 });
    expect(error.message).toContain(claim);
  });

  it('refuses an expired token beyond 10 seconds of skew, and accepts one within', async () => {
    const { kit, verifier, clock } = await setup();
    const token = await kit.sign(triggerClaims());
    clock.advanceMs(25_000 + 9_000);
    await expect(verifier.verify(token)).resolves.toBeDefined();
    clock.advanceMs(2_000);
    expect((await refusal(verifier.verify(token))).message).toContain('expired');
  });

  it('refuses a token that is not valid yet', async () => {
    const { kit, verifier } = await setup();
    expect(await refusal(verifier.verify(await kit.sign(triggerClaims(), { notBeforeSeconds: 60, expiresInSeconds: 90 })))).toMatchObject({ code: 'AUTH_INVALID' });
  });

  it.each([
    ['a malformed icLabel', 'EU/../evil', 'malformed icLabel'],
    ['an icLabel that is not a string', 42, 'malformed icLabel'],
    ['a well-formed icLabel (no Isolated Cloud key set configured)', 'acme_ic-1', 'Isolated Cloud'],
  ])('refuses %s before fetching any key', async (_, icLabel, message) => {
    const { kit, verifier } = await setup();
    const error = await refusal(verifier.verify(await kit.sign({ ...triggerClaims(), icLabel })));
    expect(error).toMatchObject({ code: 'AUTH_INVALID', httpStatus: 401 });
    expect(error.message).toContain(message);
    expect(kit.jwksFetches()).toBe(0);
  });

  it.each([
    ['app.id of another app', { id: 'ari:cloud:ecosystem::app/99999999-9999-4999-8999-999999999999' }],
    ['an installation id that is not one', { installationId: 'ari:cloud:ecosystem::installation/../../x' }],
    ['disagreeing installation ids', { installation: { id: 'ari:cloud:ecosystem::installation/44444444-dddd-4ddd-8ddd-444444444444' } }],
    ['an apiBaseUrl that is not a Jira site', { apiBaseUrl: 'https://api.atlassian.com/ex/confluence/x' }],
    ['an apiBaseUrl over http', { apiBaseUrl: `http://api.atlassian.com/ex/jira/${CLOUD_A}` }],
    ['contexts naming another site', { installation: { contexts: [{ name: 'jira', cloudId: CLOUD_B }] } }],
    ['no installation id', { installationId: undefined }],
  ])('refuses claims with %s', async (_, app) => {
    const { kit, verifier } = await setup();
    expect(await refusal(verifier.verify(await kit.sign(withApp(app))))).toMatchObject({ code: 'AUTH_INVALID', httpStatus: 401 });
  });

  it('refuses a context.cloudId of another site', async () => {
    const { kit, verifier } = await setup();
    expect(await refusal(verifier.verify(await kit.sign({ ...triggerClaims(), context: { cloudId: CLOUD_B } })))).toMatchObject({ code: 'AUTH_INVALID' });
  });

  it('answers 403, not 401, for a valid token pointing to an API host Tally does not call', async () => {
    const { kit, verifier } = await setup();
    const token = await kit.sign(withApp({ apiBaseUrl: `https://evil.example.com/ex/jira/${CLOUD_A}`, installation: undefined }));
    expect(await refusal(verifier.verify(token))).toMatchObject({ code: 'AUTH_FORBIDDEN', httpStatus: 403 });
  });

  it('accepts the bare-uuid and upper-case spellings of an installation id as the same installation', async () => {
    const { kit, verifier } = await setup();
    const token = await kit.sign(withApp({ installationId: INSTALLATION_A.toUpperCase(), installation: undefined }));
    expect((await verifier.verify(token)).installationId).toBe(`ari:cloud:ecosystem::installation/${INSTALLATION_A}`);
  });

  it('refuses junk and over-long tokens', async () => {
    const { verifier } = await setup();
    for (const junk of ['', 'abc', 'a.b.c', `${'a'.repeat(20_000)}.b.c`]) expect((await refusal(verifier.verify(junk))).code).toBe('AUTH_INVALID');
  });

  it('refuses to be built for an app id that is not an app ARI', async () => {
    const clock = createManualClock(T0);
    expect(() => createInvocationTokenVerifier({ appId: 'my-app', jwksUrl: TEST_JWKS_URL, fetch: fetch, clock, allowedApiHosts: [] })).toThrow(/app id/);
  });
});

describe('extractInvocationToken', () => {
  it('reads a Bearer token and refuses anything else', () => {
    expect(extractInvocationToken('Bearer abc.def.ghi')).toBe('abc.def.ghi');
    expect(extractInvocationToken('bearer  abc.def.ghi ')).toBe('abc.def.ghi');
    expect(() => extractInvocationToken(undefined)).toThrow(expect.objectContaining({ code: 'AUTH_MISSING' }));
    expect(() => extractInvocationToken('JWT abc.def.ghi')).toThrow(expect.objectContaining({ code: 'AUTH_INVALID' }));
    expect(() => extractInvocationToken('Bearer a b')).toThrow(expect.objectContaining({ code: 'AUTH_INVALID' }));
  });
});
