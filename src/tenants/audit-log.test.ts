import { describe, expect, it } from 'vitest';
import { isAppError } from '../platform/app-error.js';
import { createManualClock } from '../platform/clock.js';
import { createSqlAuditLog, type AuditDetail, type AuditEvent } from './audit-log.js';
import { controlDialects, useControlDb } from './control-db-test-kit.js';
import type { TenantId } from './tenant.js';

const T0 = Date.UTC(2026, 2, 2, 12, 0, 0);
const TENANT = 't_0123456789abcdef01234567' as TenantId;
const OTHER = 't_fedcba9876543210fedcba98' as TenantId;

describe.each(controlDialects)('SqlAuditLog (%s)', (dialect) => {
  const kit = useControlDb(dialect);
  const setup = () => {
    const clock = createManualClock(T0);
    return { clock, audit: createSqlAuditLog({ db: kit.control().db, clock }), db: kit.control().db };
  };

  it('appends entries at the clock time and lists them oldest first, per tenant on request', async () => {
    const { audit, clock } = setup();
    await audit.appendAudit('tenant.installed', TENANT, { product: 'jira', baseUrl: 'https://acme.atlassian.net' });
    clock.advanceMs(500);
    await audit.appendAudit('tenant.install_rejected', undefined, { reason: 'jwt_expired' });
    await audit.appendAudit('tenant.disabled', OTHER);
    await audit.appendAudit('tenant.uninstalled', TENANT);

    const all = await audit.listAudit();
    expect(all.map(({ event, tenantId, atMs, detail }) => ({ event, tenantId, atMs, detail }))).toEqual([
      { event: 'tenant.installed', tenantId: TENANT, atMs: T0, detail: { product: 'jira', baseUrl: 'https://acme.atlassian.net' } },
      { event: 'tenant.install_rejected', tenantId: undefined, atMs: T0 + 500, detail: { reason: 'jwt_expired' } },
      { event: 'tenant.disabled', tenantId: OTHER, atMs: T0 + 500, detail: undefined },
      { event: 'tenant.uninstalled', tenantId: TENANT, atMs: T0 + 500, detail: undefined },
    ]);
    expect(all.every((entry) => typeof entry.id === 'number')).toBe(true);
    expect((await audit.listAudit({ tenantId: TENANT })).map((entry) => entry.event)).toEqual(['tenant.installed', 'tenant.uninstalled']);
    expect(await audit.listAudit({ limit: 1 })).toHaveLength(1);
  });

  it('stores none of what a careless caller passes beyond the allowed, checked fields', async () => {
    const { audit, db } = setup();
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJ4In0.c2lnbmF0dXJl';
    const careless = {
      baseUrl: `https://admin:hunter2@acme.atlassian.net/wiki/?jwt=${jwt}#frag`,
      reason: `token ${jwt}`,
      rowCount: -1,
      product: 'confluence',
      sharedSecret: 'leaked-shared-secret',
      comment: 'Worked on the secret merger',
    } as unknown as AuditDetail;
    await audit.appendAudit('tenant.installed', TENANT, careless);

    const raw = JSON.stringify(await db.selectFrom('audit_log').selectAll().execute());
    for (const leak of ['hunter2', 'eyJhbGci', 'leaked-shared-secret', 'merger', 'confluence', 'frag']) expect(raw).not.toContain(leak);
    const [entry] = await audit.listAudit();
    expect(entry?.detail).toEqual({ baseUrl: 'https://acme.atlassian.net/wiki' });
  });

  it('keeps a row count and drops a detail that is left empty', async () => {
    const { audit } = setup();
    await audit.appendAudit('tenant.purged', TENANT, { rowCount: 1234 });
    await audit.appendAudit('tenant.purged', TENANT, { baseUrl: 'not a url', rowCount: 1.5 });
    expect((await audit.listAudit()).map((entry) => entry.detail)).toEqual([{ rowCount: 1234 }, undefined]);
  });

  it('refuses an event outside the closed list', async () => {
    const { audit } = setup();
    const error = await audit.appendAudit('secret: hunter2' as AuditEvent).then(() => undefined, (caught: unknown) => caught);
    expect(isAppError(error, 'INTERNAL')).toBe(true);
    expect(await audit.listAudit()).toEqual([]);
  });
});
