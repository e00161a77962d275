import { beforeEach, describe, expect, it } from 'vitest';
import { createPlatformTestKit, type PlatformTestKit } from '../../../test/support/platform-test-kit.js';

let kit: PlatformTestKit;
beforeEach(() => {
  kit = createPlatformTestKit();
});

const bulk = (ids: string[], extra = '') => `/rest/api/3/user/bulk?${ids.map((id) => `accountId=${encodeURIComponent(id)}`).join('&')}${extra}`;

describe('GET /rest/api/3/user/bulk', () => {
  it('returns the named users in request order, ten per page by default', async () => {
    const ids = (kit.sim.generated?.users ?? []).map((u) => u.accountId).slice(0, 12);
    const first = await kit.call(bulk(ids));
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ startAt: 0, maxResults: 10, total: 12, isLast: false });
    expect(first.body.values.map((u: { accountId: string }) => u.accountId)).toEqual(ids.slice(0, 10));
    const second = await kit.call(new URL(first.body.nextPage).pathname + new URL(first.body.nextPage).search);
    expect(second.body.values.map((u: { accountId: string }) => u.accountId)).toEqual(ids.slice(10));
    expect(second.body.isLast).toBe(true);
  });

  it('shows deleted users as inactive Former user and leaves out unknown ids', async () => {
    kit.sim.site.addUser({ accountId: 'gone-1', displayName: 'Former user', active: false, timeZone: 'UTC', accountType: 'atlassian', groups: [] });
    const answer = await kit.call(bulk(['gone-1', 'never-existed', kit.member.accountId]), { as: kit.member });
    expect(answer.body.values).toHaveLength(2);
    expect(answer.body.values[0]).toMatchObject({ accountId: 'gone-1', displayName: 'Former user', active: false });
    expect(answer.body.values[1]).toMatchObject({ accountId: kit.member.accountId, emailAddress: 'member@example.com' });
  });

  it('hides other users’ email addresses from non-admins', async () => {
    const answer = await kit.call(bulk([kit.admin.accountId]), { as: kit.member });
    expect(answer.body.values[0].emailAddress).toBeUndefined();
  });

  it('answers 400 without ids, beyond 200 ids and for a non-numeric startAt', async () => {
    expect((await kit.call('/rest/api/3/user/bulk')).status).toBe(400);
    const many = Array.from({ length: 201 }, (_, i) => `id-${i}`);
    const tooMany = await kit.call(bulk(many));
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.errorMessages[0]).toContain('200');
    expect((await kit.call(bulk([kit.member.accountId], '&startAt=-1'))).status).toBe(400);
  });
});

describe('GET /rest/api/3/myself', () => {
  it('describes the caller, with groups when expanded', async () => {
    const plain = await kit.call('/rest/api/3/myself', { as: kit.member });
    expect(plain.body).toMatchObject({ accountId: kit.member.accountId, emailAddress: 'member@example.com', groups: { size: 1, items: [] } });
    const expanded = await kit.call('/rest/api/3/myself?expand=groups');
    expect(expanded.body.accountId).toBe(kit.admin.accountId);
    expect(expanded.body.groups.items.map((g: { name: string }) => g.name)).toEqual(kit.admin.groups);
  });
});
