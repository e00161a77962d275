import { randomBytes } from 'node:crypto';
import { ALL_EDGE_MODULES } from '../all-edges.js';
import { ownedDataOf } from '../edge.js';
import { createForgeInstallationStore } from './forge-installation-store.js';
import { describe, expect, it } from 'vitest';
import { createManualClock } from '../../platform/clock.js';
import { createLogger } from '../../platform/logger.js';
import { createSqlAuditLog } from '../../tenants/audit-log.js';
import { controlDialects, useControlDb } from '../../tenants/control-db-test-kit.js';
import { createSecretBox } from '../../tenants/secret-box.js';
import { createSqlTenantRegistry } from '../../tenants/sql-tenant-registry.js';
import { createTenantEvents } from '../../tenants/tenant-events.js';
import type { TenantId } from '../../tenants/tenant.js';
import { createForgeTenants } from './forge-tenants.js';
import { createSqlForgeTokenStore } from './forge-token-store.js';
import { checkSuspectedUninstalls } from './suspected-uninstall.js';

const T0 = Date.UTC(2026, 7, 1, 9, 0, 0);
const MINUTE = 60_000;
const GRACE_MS = 72 * 3_600_000;

function opaqueToken(expMs: number): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'HS256' })}.${part({ exp: Math.floor(expMs / 1000) })}.sig`;
}

describe.each(controlDialects)('checkSuspectedUninstalls (%s)', (dialect) => {
  const kit = useControlDb(dialect, ownedDataOf(ALL_EDGE_MODULES).migrations);

  /** One installed Forge tenant with a 4-hour token, and a Jira that answers `jiraStatus` (or throws). */
  async function setup() {
    const clock = createManualClock(T0);
    const { db } = kit.control();
    const secretBox = createSecretBox(randomBytes(32));
    const registry = createSqlTenantRegistry({ db, clock });
    const installations = createForgeInstallationStore({ db, registry, clock });
    const tokens = createSqlForgeTokenStore({ db, secretBox, clock });
    const audit = createSqlAuditLog({ db, clock });
    const uninstalled: TenantId[] = [];
    const events = createTenantEvents(() => undefined);
    events.on('uninstalled', ({ tenantId }) => uninstalled.push(tenantId));
    const logger = createLogger({ level: 'silent' });
    const tenants = createForgeTenants({ registry, installations, audit, events, clock, logger });
    const cloudId = '11111111-aaaa-4aaa-8aaa-111111111111';
    const { tenant } = await installations.recordInstall({ installationId: 'ari:cloud:ecosystem::installation/33333333-cccc-4ccc-8ccc-333333333333', cloudId, apiBaseUrl: `https://api.atlassian.com/ex/jira/${cloudId}`, product: 'jira', siteUrl: 'https://acme.atlassian.net' });
    await tokens.storeSystemToken(tenant.id, opaqueToken(T0 + 4 * 3_600_000));
    const jira = { status: 200 as number | 'down', probes: [] as string[] };
    const check = () =>
      checkSuspectedUninstalls({
        installations,
        tokens,
        tenants,
        audit,
        clock,
        logger,
        graceMs: GRACE_MS,
        fetch: async (input, init) => {
          jira.probes.push(`${String(input)} ${new Headers(init?.headers).get('authorization')?.slice(0, 7)}`);
          if (jira.status === 'down') throw new TypeError('fetch failed');
          return new Response('{}', { status: jira.status });
        },
      });
    const events_ = async () => (await audit.listAudit({ tenantId: tenant.id })).map((entry) => entry.event);
    return { clock, registry, installations, tenant, jira, check, uninstalled, auditEvents: events_ };
  }

  it('leaves a tenant alone while its ticks arrive, without asking Jira', async () => {
    const { clock, installations, tenant, jira, check } = await setup();
    for (let i = 0; i < 10; i++) {
      clock.advanceMs(5 * MINUTE);
      await installations.recordTick(tenant.id, clock.nowMs());
      expect(await check()).toEqual({ checked: 1, suspected: [], uninstalled: [], failed: [] });
    }
    expect(jira.probes).toEqual([]);
  });

  it.each([[200], ['down' as const], [500]])('does not suspect a silent tenant whose Jira answers %s', async (status) => {
    const { clock, tenant, jira, check, installations } = await setup();
    jira.status = status;
    clock.advanceMs(16 * MINUTE);
    expect((await check()).suspected).toEqual([]);
    expect(jira.probes).toEqual([`https://api.atlassian.com/ex/jira/11111111-aaaa-4aaa-8aaa-111111111111/rest/api/3/serverInfo Bearer `]);
    expect((await installations.findByTenant(tenant.id))?.forge.suspectedSinceMs).toBeUndefined();
  });

  it('waits for three missed ticks before asking Jira', async () => {
    const { clock, jira, check } = await setup();
    jira.status = 401;
    clock.advanceMs(14 * MINUTE);
    expect((await check()).suspected).toEqual([]);
    expect(jira.probes).toEqual([]);
  });

  it.each([[401], [403], [404]])('suspects a silent tenant whose Jira answers %s, then purges it after the grace period without a tick', async (status) => {
    const { clock, tenant, jira, check, registry, uninstalled, auditEvents } = await setup();
    jira.status = status;
    clock.advanceMs(15 * MINUTE);
    expect((await check()).suspected).toEqual([tenant.id]);
    expect(await auditEvents()).toContain('tenant.uninstall_suspected');
    // Marked once: later checks within the grace period change nothing.
    clock.advanceMs(GRACE_MS - 16 * MINUTE);
    expect(await check()).toEqual({ checked: 1, suspected: [], uninstalled: [], failed: [] });
    expect((await registry.findTenant(tenant.id))?.state).toBe('installed');
    clock.advanceMs(MINUTE);
    expect((await check()).uninstalled).toEqual([tenant.id]);
    expect(uninstalled).toEqual([tenant.id]);
    expect(await registry.findTenant(tenant.id)).toMatchObject({ state: 'uninstalled', purgeStep: 'pending' });
    expect(await check()).toEqual({ checked: 0, suspected: [], uninstalled: [], failed: [] });
  });

  it('suspects a silent tenant that has no unexpired token left to ask with', async () => {
    const { clock, tenant, jira, check } = await setup();
    clock.advanceMs(5 * 3_600_000);
    expect((await check()).suspected).toEqual([tenant.id]);
    expect(jira.probes).toEqual([]);
  });

  it('forgets a suspicion when a tick comes, and purges nothing', async () => {
    const { clock, tenant, jira, check, registry, installations, uninstalled } = await setup();
    jira.status = 401;
    clock.advanceMs(20 * MINUTE);
    await check();
    await installations.recordTick(tenant.id, clock.nowMs());
    clock.advanceMs(10 * MINUTE);
    await check();
    clock.advanceMs(GRACE_MS / 2);
    await check();
    expect(uninstalled).toEqual([]);
    expect((await registry.findTenant(tenant.id))?.state).toBe('installed');
  });
});
