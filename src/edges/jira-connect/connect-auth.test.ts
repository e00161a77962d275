import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeSymmetric } from 'atlassian-jwt';
import { createTallyTestbed, type TallyTestbed } from '../../../test/support/tally-testbed.js';
import { contextToken } from '../../../test/support/tally-tokens.js';
import { SESSION_TOKEN_HEADER } from './connect-auth.js';
import { SESSION_MAX_AGE_SECONDS } from './session-token.js';

const MINUTE = 60_000;

describe('session tokens', () => {
  let bed: TallyTestbed;
  let clientKey: string;
  let sharedSecret: string;

  beforeEach(async () => {
    bed = await createTallyTestbed({ simulator: { generate: { worklogs: 0 } } });
    const installed = await bed.sim.connect.install(bed.descriptorUrl);
    if (!installed.ok) throw new Error(`install failed: ${installed.status}`);
    ({ clientKey, sharedSecret } = installed);
  });
  afterEach(async () => bed.close());

  /** A context token as Jira's `AP.context.getToken()` gives the page, issued now. */
  const jiraToken = () => contextToken({ clientKey, sharedSecret, accountId: 'user-1', nowMs: bed.sim.clock.now() });
  const session = (token: string) => bed.app.request('/api/session', { headers: { authorization: `JWT ${token}` } });

  it('stops renewing a session after its absolute lifetime, however often it is renewed', async () => {
    const startMs = bed.sim.clock.now();
    let token = jiraToken();
    const answered: { elapsedMs: number; status: number }[] = [];
    // The page renews its session every 10 minutes with the token of the previous answer.
    for (let round = 0; round < 60; round++) {
      const response = await session(token);
      answered.push({ elapsedMs: bed.sim.clock.now() - startMs, status: response.status });
      if (response.status !== 200) {
        expect(response.headers.get(SESSION_TOKEN_HEADER)).toBeNull();
        expect(await response.json()).toMatchObject({ error: { code: 'AUTH_INVALID' } });
        break;
      }
      token = response.headers.get(SESSION_TOKEN_HEADER) ?? '';
      expect(token).not.toBe('');
      bed.sim.clock.advance(10 * MINUTE);
    }
    const refused = answered.find((a) => a.status !== 200);
    expect(refused?.status).toBe(401);
    expect(refused!.elapsedMs).toBeGreaterThan(SESSION_MAX_AGE_SECONDS * 1000);
    expect(refused!.elapsedMs).toBeLessThanOrEqual(SESSION_MAX_AGE_SECONDS * 1000 + 10 * MINUTE);
    expect(answered.filter((a) => a.elapsedMs <= SESSION_MAX_AGE_SECONDS * 1000).every((a) => a.status === 200)).toBe(true);
  });

  it('starts a new session from a fresh Jira token after the old one ran out', async () => {
    let token = jiraToken();
    for (let elapsed = 0; elapsed <= SESSION_MAX_AGE_SECONDS * 1000; elapsed += 10 * MINUTE) {
      const response = await session(token);
      if (response.status !== 200) break;
      token = response.headers.get(SESSION_TOKEN_HEADER)!;
      bed.sim.clock.advance(10 * MINUTE);
    }
    expect((await session(token)).status).toBe(401);

    const fresh = await session(jiraToken());
    expect(fresh.status).toBe(200);
    expect(await fresh.json()).toMatchObject({ accountId: 'user-1' });
    bed.sim.clock.advance(10 * MINUTE);
    expect((await session(fresh.headers.get(SESSION_TOKEN_HEADER)!)).status).toBe(200);
  });

  it('refuses a session token whose auth_time is older than the absolute lifetime', async () => {
    const nowSeconds = Math.floor(bed.sim.clock.now() / 1000);
    const claims = { iss: clientKey, sub: 'user-1', qsh: 'context-qsh', iat: nowSeconds, exp: nowSeconds + 900 };
    const stale = encodeSymmetric({ ...claims, auth_time: nowSeconds - SESSION_MAX_AGE_SECONDS - 60 }, sharedSecret);
    const response = await session(stale);
    expect(response.status).toBe(401);
    expect(response.headers.get(SESSION_TOKEN_HEADER)).toBeNull();
    expect((await session(encodeSymmetric({ ...claims, auth_time: nowSeconds - 60 }, sharedSecret))).status).toBe(200);
    expect((await session(encodeSymmetric({ ...claims, auth_time: 'yesterday' }, sharedSecret))).status).toBe(401);
  });
});
