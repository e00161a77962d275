import { describe, expect, it } from 'vitest';
import { createSimulator } from '../../create-simulator.js';
import { appFetch, registerTestApp } from '../../../test/support/sim-callers.js';

function setup() {
  const sim = createSimulator({ clock: 'manual', generate: { worklogs: 1500, restrictedShare: 0.1, deletedShare: 0.1, seed: 11 } });
  return { sim, call: appFetch(sim, registerTestApp(sim)) };
}
const post = (ids: unknown) => ({ method: 'POST', body: JSON.stringify({ ids }) });

describe('POST /rest/api/3/worklog/list', () => {
  it('returns a bare array and silently drops deleted and restricted ids', async () => {
    const { sim, call } = setup();
    const deleted = [...sim.site.deletedAt.keys()][0]!;
    const restricted = [...sim.site.worklogs.values()].find((w) => w.visibility)!.id;
    const visible = [...sim.site.worklogs.values()].find((w) => !w.visibility)!.id;
    const response = await call('/rest/api/3/worklog/list', post([deleted, restricted, visible, 99_999_999]));
    expect(response.status).toBe(200);
    const body = (await response.json()) as { id: string }[];
    expect(Array.isArray(body)).toBe(true);
    expect(body.map((w) => w.id)).toEqual([String(visible)]);
  });

  it.each([
    ['an empty list', post([])],
    ['1001 ids', post(Array.from({ length: 1001 }, (_, i) => 10_000 + i))],
    ['ids that are not numbers', post(['abc'])],
    ['no ids field', { method: 'POST', body: JSON.stringify({ id: [1] }) }],
    ['a body that is not JSON', { method: 'POST', body: 'ids=1,2' }],
    ['an empty body', { method: 'POST', body: '' }],
  ])('answers 400 in Jira shape for %s', async (_name, init) => {
    const { call } = setup();
    const response = await call('/rest/api/3/worklog/list', init);
    expect(response.status).toBe(400);
    const body = (await response.json()) as { errorMessages: string[]; errors: object };
    expect(body.errorMessages.length).toBeGreaterThan(0);
    expect(body.errors).toEqual({});
  });

  it('returns plain-string comments on v2 and ADF on v3', async () => {
    const { sim, call } = setup();
    const withComment = [...sim.site.worklogs.values()].find((w) => w.comment && !w.visibility)!;
    const v2 = (await (await call('/rest/api/2/worklog/list', post([withComment.id]))).json()) as { comment: unknown }[];
    const v3 = (await (await call('/rest/api/3/worklog/list', post([withComment.id]))).json()) as { comment: unknown }[];
    expect(typeof v2[0]!.comment).toBe('string');
    expect(v3[0]!.comment).toEqual(withComment.comment);
  });
});
