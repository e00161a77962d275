import { afterEach, describe, expect, it } from 'vitest';
import { createBitbucketSimulator, type BitbucketSimulator } from './create-bitbucket-simulator.js';
import { basicAuthorization } from './testing/bitbucket-callers.js';
import { createBitbucketResponseCheck } from '../../test/support/bitbucket-openapi-validator.js';

const check = createBitbucketResponseCheck();
afterEach(() => expect(check.takeMismatches()).toEqual([]));

async function status(sim: BitbucketSimulator, path: string, user = 0): Promise<number> {
  const response = await sim.fetch(path, { headers: { authorization: basicAuthorization(sim.generated!.credentials[user]!) } });
  await response.arrayBuffer();
  return response.status;
}

describe('Bitbucket rate limit', () => {
  it('never answers 429 while the limit is off, and counts calls per endpoint', async () => {
    const sim = createBitbucketSimulator({ rateLimits: { repositoriesPerHour: 2 }, inspectResponse: check.inspect });
    for (let i = 0; i < 5; i++) expect(await status(sim, '/2.0/repositories/tally-sim')).toBe(200);
    await status(sim, '/2.0/user');
    expect(sim.limits.snapshot()).toEqual({
      'GET /2.0/repositories/{workspace}': { calls: 5, points: 0, throttled: 0 },
      'GET /2.0/user': { calls: 1, points: 0, throttled: 0 },
    });
  });

  it('answers 429 past the hourly allowance per user on /2.0/repositories/* and recovers as the hour rolls', async () => {
    const sim = createBitbucketSimulator({ rateLimits: { enabled: true, repositoriesPerHour: 3 }, inspectResponse: check.inspect });
    const repo = `/2.0/repositories/tally-sim/${sim.generated!.repositories[0]!.slug}`;
    expect(await status(sim, repo)).toBe(200);
    sim.clock.advance(30 * 60_000);
    expect(await status(sim, `${repo}/pullrequests`)).toBe(200);
    expect(await status(sim, '/2.0/repositories/tally-sim')).toBe(200);
    const refused = await sim.fetch(repo, { headers: { authorization: basicAuthorization(sim.generated!.credentials[0]!) } });
    expect(refused.status).toBe(429);
    expect(await refused.json()).toEqual({ type: 'error', error: { message: 'Rate limit for this resource has been exceeded' } });
    expect(await status(sim, '/2.0/user')).toBe(200);
    expect(await status(sim, '/2.0/workspaces/tally-sim')).toBe(200);
    expect(await status(sim, repo, 1)).toBe(200);
    sim.clock.advance(30 * 60_000);
    expect(await status(sim, repo)).toBe(200);
    expect(sim.limits.snapshot()['GET /2.0/repositories/{workspace}/{repo_slug}']).toEqual({ calls: 4, points: 0, throttled: 1 });
  });

  it('allows 1,000 requests an hour by default once switched on', async () => {
    const sim = createBitbucketSimulator({ inspectResponse: check.inspect });
    sim.limits.options.enabled = true;
    for (let i = 0; i < 1000; i++) expect(await status(sim, '/2.0/repositories/tally-sim?pagelen=1')).toBe(200);
    expect(await status(sim, '/2.0/repositories/tally-sim?pagelen=1')).toBe(429);
  });
});
