import { describe, expect, it } from 'vitest';
import { assertSameInstallation, lifecycleEventOf, readWorklogDelivery, unwrapDelivery } from './forge-payloads.js';
import { cloudIdOfSiteAri, normaliseInstallationId } from '../kit/installation-id.js';
import type { ForgeInvocation } from '../kit/invocation-token.js';

const CLOUD = '11111111-aaaa-4aaa-8aaa-111111111111';
const OTHER_CLOUD = '22222222-bbbb-4bbb-8bbb-222222222222';
const UUID = '33333333-cccc-4ccc-8ccc-333333333333';
const INSTALLATION = `ari:cloud:ecosystem::installation/${UUID}`;
const invocation: ForgeInvocation = { installationId: INSTALLATION, cloudId: CLOUD, apiBaseUrl: `https://api.atlassian.com/ex/jira/${CLOUD}`, accountId: undefined, moduleType: 'core:endpoint' };

const worklogEvent = { eventType: 'avi:jira:updated:worklog', selfGenerated: false, timestamp: '1767225600000', worklog: { id: '10042', issueId: '10001', comment: 'never read' }, context: `ari:cloud:jira::site/${CLOUD}` };

describe('installation ids', () => {
  it('normalises the bare uuid and the ARI to the same id, and refuses anything else', () => {
    expect(normaliseInstallationId(UUID)).toBe(INSTALLATION);
    expect(normaliseInstallationId(INSTALLATION.toUpperCase().replace('ARI:CLOUD:ECOSYSTEM::INSTALLATION', 'ari:cloud:ecosystem::installation'))).toBe(INSTALLATION);
    for (const junk of ['', 'ari:cloud:ecosystem::app/' + UUID, `${UUID}/..`, 42, undefined]) expect(normaliseInstallationId(junk)).toBeUndefined();
    expect(cloudIdOfSiteAri(`ari:cloud:jira::site/${CLOUD}`)).toBe(CLOUD);
    expect(cloudIdOfSiteAri(`ari:cloud:confluence::site/${CLOUD}`)).toBeUndefined();
  });
});

describe('worklog deliveries', () => {
  it('reads a flat event as the hint a Connect webhook gives, with a stable dedupe key', () => {
    const delivery = readWorklogDelivery(unwrapDelivery(worklogEvent), INSTALLATION);
    expect(delivery).toEqual({
      kind: 'hint',
      hint: { event: 'worklog_updated', worklogId: '10042', issueId: '10001', timestampMs: 1767225600000, deliveryId: `forge:${INSTALLATION}:10042:avi:jira:updated:worklog:1767225600000` },
    });
  });

  it('reads a redelivery nested in payload beside retryContext as the same hint', () => {
    const retried = { payload: worklogEvent, retryContext: { retryCount: 1, retryReason: 'TIMEOUT_ERROR', retryData: null } };
    expect(readWorklogDelivery(unwrapDelivery(retried), INSTALLATION)).toEqual(readWorklogDelivery(unwrapDelivery(worklogEvent), INSTALLATION));
    const flatRetry = { ...worklogEvent, retryContext: { retryCount: 2 } };
    expect(readWorklogDelivery(unwrapDelivery(flatRetry), INSTALLATION)).toEqual(readWorklogDelivery(unwrapDelivery(worklogEvent), INSTALLATION));
  });

  it('ignores events Tally caused itself', () => {
    expect(readWorklogDelivery({ ...worklogEvent, selfGenerated: true }, INSTALLATION)).toEqual({ kind: 'self-generated' });
  });

  it('reports bodies it cannot read', () => {
    for (const junk of [{}, { ...worklogEvent, eventType: 'avi:jira:created:issue' }, { ...worklogEvent, worklog: { id: '1; drop table' } }]) {
      expect(readWorklogDelivery(junk, INSTALLATION)).toEqual({ kind: 'unreadable' });
    }
  });
});

describe('assertSameInstallation', () => {
  it('accepts bodies naming the token\'s own installation and site, in either spelling', () => {
    expect(() => assertSameInstallation({ eventType: 'avi:forge:installed:app', id: UUID, context: `ari:cloud:jira::site/${CLOUD}` }, invocation)).not.toThrow();
    expect(() => assertSameInstallation({ context: { cloudId: CLOUD, moduleKey: 'sync-tick' } }, invocation)).not.toThrow();
    expect(() => assertSameInstallation(unwrapDelivery(worklogEvent), invocation)).not.toThrow();
    expect(() => assertSameInstallation({}, invocation)).not.toThrow();
  });

  it.each([
    ['another installation', { eventType: 'avi:forge:installed:app', id: '44444444-dddd-4ddd-8ddd-444444444444' }],
    ['an unreadable installation id', { eventType: 'avi:forge:installed:app', id: 'x' }],
    ['another site ARI', { context: `ari:cloud:jira::site/${OTHER_CLOUD}` }],
    ['another cloud id', { context: { cloudId: OTHER_CLOUD } }],
    ['a cloud id at the top', { cloudId: OTHER_CLOUD }],
    ['an installation object', { installation: { id: '44444444-dddd-4ddd-8ddd-444444444444' } }],
  ])('refuses a body naming %s with 401', (_, body) => {
    expect(() => assertSameInstallation(body, invocation)).toThrow(expect.objectContaining({ code: 'AUTH_INVALID', httpStatus: 401 }));
  });

  it('knows the lifecycle events it acts on', () => {
    expect(lifecycleEventOf({ eventType: 'avi:forge:upgraded:app' })).toBe('avi:forge:upgraded:app');
    expect(lifecycleEventOf({ eventType: 'avi:forge:uninstalled:app' })).toBeUndefined();
  });
});
