import { decodeSymmetric, SymmetricAlgorithm } from 'atlassian-jwt';
import { describe, expect, it } from 'vitest';
import { isAppError } from '../../platform/app-error.js';
import { createManualClock } from '../../platform/clock.js';
import type { Tenant, TenantId } from '../../tenants/tenant.js';
import type { ConnectCredentials } from './connect-installation-store.js';
import { ATLASSIAN_OAUTH_AUDIENCE, createConnectUserTokens } from './connect-user-tokens.js';

const TENANT = 't_000000000000000000000001' as TenantId;
const SITE = 'https://acme.atlassian.net';
const SECRET = 'a-shared-secret-of-enough-length';

function setup(options: { oauthClientId?: string; answer?: (form: URLSearchParams) => Response } = {}) {
  const clock = createManualClock(Date.UTC(2026, 11, 7, 12));
  const exchanges: { url: string; form: URLSearchParams; contentType: string | null }[] = [];
  let issued = 0;
  const fetch = async (input: Request | string | URL, init?: RequestInit) => {
    const form = new URLSearchParams(String(init?.body));
    exchanges.push({ url: String(input), form, contentType: new Headers(init?.headers).get('content-type') });
    if (options.answer) return options.answer(form);
    issued += 1;
    return Response.json({ access_token: `token-${issued}`, token_type: 'Bearer', expires_in: 900 });
  };
  const credentials: ConnectCredentials = {
    tenant: { id: TENANT, baseUrl: SITE, state: 'installed' } as Tenant,
    clientKey: 'client-key',
    sharedSecret: SECRET,
    oauthClientId: 'oauthClientId' in options ? options.oauthClientId : 'client-id-1',
  };
  const tokens = createConnectUserTokens({ installations: { findCredentials: async () => credentials }, oauthUrl: 'https://auth.example.test', fetch, clock });
  return { clock, exchanges, tokens };
}

const authorize = (access: { authorize(request: { method: string; url: string }): Promise<string> }) => access.authorize({ method: 'POST', url: `${SITE}/rest/api/3/issue/A-1/worklog` });

describe('Connect user impersonation tokens', () => {
  it("exchanges a JWT-bearer assertion Atlassian's library verifies with the shared secret, with the claims Atlassian names", async () => {
    const { exchanges, tokens, clock } = setup();
    expect(await authorize(tokens.accessFor(TENANT, SITE, 'acc-alice'))).toBe('Bearer token-1');
    expect(exchanges).toHaveLength(1);
    const [exchange] = exchanges;
    expect(exchange!.url).toBe('https://auth.example.test/oauth2/token');
    expect(exchange!.contentType).toBe('application/x-www-form-urlencoded');
    expect(exchange!.form.get('grant_type')).toBe('urn:ietf:params:oauth:grant-type:jwt-bearer');
    expect(exchange!.form.get('scope')).toBe('READ WRITE DELETE');
    const assertion = exchange!.form.get('assertion')!;
    // Atlassian's library checks the signature (it throws otherwise); the claims are read as sent (it turns `aud` into a list).
    decodeSymmetric(assertion, SECRET, SymmetricAlgorithm.HS256);
    const claims = JSON.parse(Buffer.from(assertion.split('.')[1]!, 'base64url').toString('utf8')) as unknown;
    const iat = Math.floor(clock.nowMs() / 1000);
    expect(claims).toEqual({
      iss: 'urn:atlassian:connect:clientid:client-id-1',
      sub: 'urn:atlassian:connect:useraccountid:acc-alice',
      tnt: SITE,
      aud: ATLASSIAN_OAUTH_AUDIENCE,
      iat,
      exp: iat + 60,
    });
  });

  it('exchanges nothing until a write authorizes, then holds the token per tenant and account until 30 s before it expires', async () => {
    const { exchanges, tokens, clock } = setup();
    const alice = tokens.accessFor(TENANT, SITE, 'acc-alice');
    expect(exchanges).toHaveLength(0);
    const [first, concurrent] = await Promise.all([authorize(alice), authorize(tokens.accessFor(TENANT, SITE, 'acc-alice'))]);
    expect([first, concurrent]).toEqual(['Bearer token-1', 'Bearer token-1']);
    expect(await authorize(tokens.accessFor(TENANT, SITE, 'acc-bob'))).toBe('Bearer token-2');
    clock.advanceMs(869_000);
    expect(await authorize(alice)).toBe('Bearer token-1');
    clock.advanceMs(1_000);
    expect(await authorize(alice)).toBe('Bearer token-3');
    expect(exchanges).toHaveLength(3);
  });

  it('drops a token Jira refused, so the next write exchanges afresh', async () => {
    const { tokens } = setup();
    const alice = tokens.accessFor(TENANT, SITE, 'acc-alice');
    expect(await authorize(alice)).toBe('Bearer token-1');
    alice.onRejected?.({ status: 401, endpoint: 'POST /rest/api/3/issue/{issueIdOrKey}/worklog' });
    expect(await authorize(alice)).toBe('Bearer token-2');
  });

  it("never sends the user's token to another host than the tenant's", async () => {
    const { tokens, exchanges } = setup();
    await expect(tokens.accessFor(TENANT, SITE, 'acc-alice').authorize({ method: 'GET', url: 'https://evil.example/rest/api/3/myself' })).rejects.toSatisfy((error) => isAppError(error, 'INTERNAL'));
    expect(exchanges).toHaveLength(0);
  });

  it("turns Atlassian's refusal into LOG_WORK_UNAVAILABLE in its words, and an installation without a client id likewise without asking", async () => {
    const refused = setup({ answer: () => Response.json({ error: 'invalid_grant', error_description: 'The app does not have the ACT_AS_USER scope.' }, { status: 400 }) });
    const error = await authorize(refused.tokens.accessFor(TENANT, SITE, 'acc-alice')).catch((caught: unknown) => caught);
    expect(isAppError(error, 'LOG_WORK_UNAVAILABLE')).toBe(true);
    expect((error as Error).message).toContain('The app does not have the ACT_AS_USER scope.');
    expect((error as Error).message).not.toContain(refused.exchanges[0]!.form.get('assertion')!);

    const none = setup({ oauthClientId: undefined });
    await expect(authorize(none.tokens.accessFor(TENANT, SITE, 'acc-alice'))).rejects.toSatisfy((caught) => isAppError(caught, 'LOG_WORK_UNAVAILABLE'));
    expect(none.exchanges).toHaveLength(0);
  });
});
