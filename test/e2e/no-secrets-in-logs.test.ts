import { afterAll, describe, expect, it } from 'vitest';
import { textToAdf } from '../../simulator/jira/adf.js';
import { createTallyTestbed, type TallyTestbed } from '../support/tally-testbed.js';
import { contextToken, serverToken } from '../support/tally-tokens.js';

describe('logs', () => {
  let bed: TallyTestbed;
  afterAll(async () => bed?.close());

  it('never contain a JWT, a shared secret or a worklog comment, at debug level', async () => {
    bed = await createTallyTestbed({ env: { TALLY_LOG_LEVEL: 'trace' } });
    const first = await bed.sim.connect.install(bed.descriptorUrl);
    const second = await bed.sim.connect.install(bed.descriptorUrl);
    if (!first.ok || !second.ok) throw new Error('install failed');
    const secrets = [first.sharedSecret, second.sharedSecret];
    const tokens: string[] = [];

    const comment = 'Confidential: salary review with Zoë 🤫';
    const issue = [...bed.sim.site.issues.values()][0]!;
    bed.sim.site.createWorklog({ issueId: issue.id, authorId: bed.sim.generated!.users[0]!.accountId, comment: textToAdf(comment), startedMs: bed.sim.clock.now(), timeSpentSeconds: 900 });
    await bed.sim.connect.webhooks.flush();

    const base = { clientKey: second.clientKey, sharedSecret: second.sharedSecret, nowMs: bed.sim.clock.now(), accountId: 'user-1' };
    const page = serverToken({ ...base, method: 'GET', pathAndQuery: '/pages/reports?lic=none' });
    const context = contextToken(base);
    const stale = contextToken({ ...base, sharedSecret: first.sharedSecret });
    tokens.push(page, context, stale);
    expect((await bed.app.request(`/pages/reports?lic=none&jwt=${page}`)).status).toBe(200);
    expect((await bed.app.request('/api/session', { headers: { authorization: `JWT ${context}` } })).status).toBe(200);
    expect((await bed.app.request(`/api/session?jwt=${stale}`, { headers: { authorization: `JWT ${stale}` } })).status).toBe(401);
    expect((await bed.app.request('/connect/webhooks/worklog', { method: 'POST', body: '{"broken', headers: { authorization: `JWT ${stale}` } })).status).toBe(401);

    const log = bed.logLines.join('\n');
    expect(bed.logLines.length).toBeGreaterThan(5);
    for (const secret of secrets) expect(log).not.toContain(secret);
    for (const token of tokens) {
      expect(log).not.toContain(token);
      expect(log).not.toContain(token.split('.')[2]!);
    }
    expect(log).not.toContain('salary');
    expect(log).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.eyJ/);
  });
});
