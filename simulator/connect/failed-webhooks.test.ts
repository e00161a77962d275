import { describe, expect, it } from 'vitest';
import { createConnectTestbed } from '../../test/support/connect-testbed.js';

const MINUTES_15 = 15 * 60_000;

interface FailedPage {
  maxResults: number;
  next?: string;
  values: { id: string; body?: string; url: string; failureTime: number }[];
}

/** Installs the app, makes every webhook fail with 500 and drives `count` worklogs past their last retry. */
async function bedWithFailures(count: number, options: { spreadMs?: number; retryDelayMs?: { min: number; max: number } } = {}) {
  const bed = createConnectTestbed();
  await bed.install();
  const webhooks = bed.sim.connect.webhooks;
  if (options.retryDelayMs) webhooks.configure({ retryDelayMs: options.retryDelayMs });
  bed.receiver.state.webhookStatuses.push(...Array<number>(100).fill(500));
  const issueId = [...bed.sim.site.issues.values()].find((i) => i.timeTrackingEnabled)?.id as number;
  const authorId = [...bed.sim.site.users.keys()][0] as string;
  for (let i = 0; i < count; i++) {
    bed.sim.site.createWorklog({ issueId, authorId, comment: undefined, startedMs: bed.sim.clock.now(), timeSpentSeconds: 60 });
    await webhooks.flush();
    bed.sim.clock.advance(options.spreadMs ?? 0);
  }
  while (webhooks.nextDueMs() !== undefined) {
    bed.sim.clock.set(Math.max(bed.sim.clock.now(), webhooks.nextDueMs() as number));
    await webhooks.flush();
  }
  return { bed, webhooks };
}

describe('GET /rest/api/3/webhook/failed', () => {
  it('lists a delivery after its fifth retry failed, with the identifier it carried', async () => {
    const { bed, webhooks } = await bedWithFailures(1);
    const attempts = bed.receiver.state.calls.filter((c) => c.kind === 'webhook');
    expect(attempts.map((c) => c.headers['x-atlassian-webhook-retry'])).toEqual([undefined, '1', '2', '3', '4', '5']);
    expect(webhooks.delivered().at(-1)?.outcome).toBe('failed');

    const response = await bed.restAsApp('GET', '/rest/api/3/webhook/failed');
    expect(response.status).toBe(200);
    const page = (await response.json()) as FailedPage;
    expect(page.values).toEqual([
      {
        id: attempts[0]?.headers['x-atlassian-webhook-identifier'],
        body: expect.any(String),
        url: 'https://tally.example.com/webhooks/worklog?source=jira',
        failureTime: bed.sim.clock.now(),
      },
    ]);
    expect(JSON.parse(page.values[0]?.body as string)).toMatchObject({ webhookEvent: 'worklog_created' });
    expect(page.next).toBe(`${bed.sim.site.baseUrl}/rest/api/3/webhook/failed?failedAfter=${bed.sim.clock.now()}&maxResults=100`);
  });

  it('pages with maxResults and accepts both failedAfter and after', async () => {
    const { bed } = await bedWithFailures(3, { spreadMs: 1000 });
    const first = (await (await bed.restAsApp('GET', '/rest/api/3/webhook/failed?maxResults=2')).json()) as FailedPage;
    expect(first.values).toHaveLength(2);
    const nextPath = new URL(first.next as string);
    const second = (await (await bed.restAsApp('GET', nextPath.pathname + nextPath.search)).json()) as FailedPage;
    expect(second.values).toHaveLength(1);
    expect(second.values[0]?.failureTime).toBeGreaterThan(first.values[1]?.failureTime as number);

    const viaAfter = (await (await bed.restAsApp('GET', `/rest/api/3/webhook/failed?after=${first.values[1]?.failureTime}`)).json()) as FailedPage;
    expect(viaAfter.values.map((v) => v.id)).toEqual(second.values.map((v) => v.id));
    const empty = (await (await bed.restAsApp('GET', `/rest/api/3/webhook/failed?failedAfter=${second.values[0]?.failureTime}`)).json()) as FailedPage;
    expect(empty).toEqual({ values: [], maxResults: 100 });
  });

  it('keeps failures sharing a failure time on one page', async () => {
    const { bed } = await bedWithFailures(3, { retryDelayMs: { min: 0, max: 0 } });
    const page = (await (await bed.restAsApp('GET', '/rest/api/3/webhook/failed?maxResults=1')).json()) as FailedPage;
    expect(page.values).toHaveLength(3);
  });

  it('forgets failures after 72 hours', async () => {
    const { bed } = await bedWithFailures(1);
    bed.sim.clock.advance(72 * 3600_000 + 1);
    const page = (await (await bed.restAsApp('GET', '/rest/api/3/webhook/failed')).json()) as FailedPage;
    expect(page.values).toEqual([]);
  });

  it('answers 400 for a malformed after', async () => {
    const { bed } = await bedWithFailures(0);
    expect((await bed.restAsApp('GET', '/rest/api/3/webhook/failed?after=yesterday')).status).toBe(400);
  });

  it('refuses a Basic-auth user with 403', async () => {
    const bed = createConnectTestbed();
    const user = [...bed.sim.site.users.values()].find((u) => u.accountType === 'atlassian' && u.active) as NonNullable<ReturnType<typeof bed.sim.site.users.get>>;
    user.emailAddress = 'alex@example.com';
    user.apiTokens = ['token-1'];
    const response = await bed.sim.fetch(`${bed.sim.site.baseUrl}/rest/api/3/webhook/failed`, {
      headers: { authorization: `Basic ${Buffer.from('alex@example.com:token-1').toString('base64')}` },
    });
    expect(response.status).toBe(403);
  });

  it('does not list webhooks refused with 400', async () => {
    const bed = createConnectTestbed();
    await bed.install();
    bed.receiver.state.webhookStatuses.push(400);
    const issueId = [...bed.sim.site.issues.values()].find((i) => i.timeTrackingEnabled)?.id as number;
    bed.sim.site.createWorklog({ issueId, authorId: [...bed.sim.site.users.keys()][0] as string, comment: undefined, startedMs: bed.sim.clock.now(), timeSpentSeconds: 60 });
    await bed.sim.connect.webhooks.flush();
    bed.sim.clock.advance(MINUTES_15);
    const page = (await (await bed.restAsApp('GET', '/rest/api/3/webhook/failed')).json()) as FailedPage;
    expect(page.values).toEqual([]);
  });
});
