import type { Clock } from '../../platform/clock.js';
import type { Fetch } from '../../platform/fetch.js';
import type { Logger } from '../../platform/logger.js';
import type { AuditLog } from '../../tenants/audit-log.js';
import type { TenantId } from '../../tenants/tenant.js';
import type { ForgeInstallationStore, ForgeTenant } from './forge-installation-store.js';
import type { ForgeTenants } from './forge-tenants.js';
import type { ForgeTokenStore } from './forge-token-store.js';
import { DONE, type Task } from '../../jobs/task.js';

/*
 * Forge has no reliable uninstall event (forge-migration.md §4): `preUninstall` is best effort.
 * Atlassian's fallback: "You can infer the app was uninstalled if it stopped receiving a scheduled
 * trigger", and "Atlassian app APIs returning 4xx can indicate the app is no longer installed"
 * (`remote/calling-product-apis`). Tally needs both before it suspects, and a grace period without
 * any tick before it purges.
 */

/** The manifest's `fiveMinute` scheduled trigger. */
export const TICK_INTERVAL_MS = 5 * 60_000;
/** Ticks missed before Jira is asked whether the app is still there. */
export const MISSED_TICKS = 3;
const PROBE_TIMEOUT_MS = 10_000;

/** What {@link checkSuspectedUninstalls} needs. */
export interface SuspectedUninstallDeps {
  installations: Pick<ForgeInstallationStore, 'listInstalled' | 'markSuspected'>;
  tokens: Pick<ForgeTokenStore, 'findSystemToken'>;
  tenants: Pick<ForgeTenants, 'uninstall'>;
  audit: AuditLog;
  fetch: Fetch;
  clock: Clock;
  logger: Logger;
  /** TALLY_FORGE_UNINSTALL_GRACE_HOURS in ms: how long without a tick before a suspected tenant is purged. */
  graceMs: number;
  tickIntervalMs?: number;
  missedTicks?: number;
}

/** What one check did, per tenant; the check itself never throws. */
export interface SuspectedUninstallResult {
  checked: number;
  suspected: TenantId[];
  uninstalled: TenantId[];
  failed: TenantId[];
}

/** How Jira answered the probe: refused (401/403/404), no token left to ask with, answered, or not at all. */
type ProbeAnswer = 'refused' | 'no_token' | 'answered' | 'unreachable';

async function probeJira(deps: SuspectedUninstallDeps, tenant: ForgeTenant): Promise<ProbeAnswer> {
  const token = await deps.tokens.findSystemToken(tenant.id, deps.clock.nowMs());
  if (!token) return 'no_token';
  try {
    const response = await deps.fetch(`${tenant.forge.apiBaseUrl}/rest/api/3/serverInfo`, {
      headers: { authorization: `Bearer ${token.token}`, accept: 'application/json' },
      signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
    });
    await response.body?.cancel();
    if ([401, 403, 404].includes(response.status)) return 'refused';
    return response.ok ? 'answered' : 'unreachable';
  } catch {
    return 'unreachable';
  }
}

/**
 * Looks at every installed Forge tenant once (the `forge-uninstall-check` periodic task):
 * - silent for `missedTicks` intervals and not yet suspected: asks Jira (`serverInfo` with the
 *   stored token); a 401/403/404, or no unexpired token left at all, marks it suspected (audited);
 *   an answer, or no answer, leaves it alone (Forge's scheduler may be late; Jira may be down);
 * - suspected and without a tick for the grace period: uninstalled exactly as by `preUninstall`
 *   (audited, `uninstalled` emitted, the purge follows).
 * A tick clears a suspicion (forge-routes.ts). Re-runnable; a tenant that fails is reported in
 * `failed` and the others go on.
 */
export async function checkSuspectedUninstalls(deps: SuspectedUninstallDeps): Promise<SuspectedUninstallResult> {
  const silenceMs = (deps.missedTicks ?? MISSED_TICKS) * (deps.tickIntervalMs ?? TICK_INTERVAL_MS);
  const result: SuspectedUninstallResult = { checked: 0, suspected: [], uninstalled: [], failed: [] };
  for (const tenant of await deps.installations.listInstalled()) {
    result.checked++;
    try {
      const nowMs = deps.clock.nowMs();
      const silentForMs = nowMs - (tenant.forge.lastTickAtMs ?? tenant.installedAtMs);
      if (silentForMs < silenceMs) continue;
      if (tenant.forge.suspectedSinceMs === undefined) {
        const answer = await probeJira(deps, tenant);
        if (answer !== 'refused' && answer !== 'no_token') continue;
        if (await deps.installations.markSuspected(tenant.id, nowMs)) {
          deps.logger.warn({ event: 'forge_uninstall_suspected', tenantId: tenant.id, answer }, 'Forge ticks stopped and Jira refuses: suspected uninstall');
          await deps.audit.appendAudit('tenant.uninstall_suspected', tenant.id, { reason: answer === 'refused' ? 'missed_ticks_jira_refused' : 'missed_ticks_no_token' });
          result.suspected.push(tenant.id);
        }
      } else if (silentForMs >= deps.graceMs) {
        await deps.tenants.uninstall(tenant, 'forge_uninstall_suspected');
        result.uninstalled.push(tenant.id);
      }
    } catch (error) {
      deps.logger.error({ err: error, tenantId: tenant.id }, 'suspected-uninstall check failed for a tenant');
      result.failed.push(tenant.id);
    }
  }
  return result;
}

/**
 * The check as a scheduled task (declared every tick interval by the Forge edge). Always `done`:
 * a tenant that failed is looked at again at the next check anyway.
 */
export function suspectedUninstallTask(deps: SuspectedUninstallDeps): Task {
  return async () => {
    await checkSuspectedUninstalls(deps);
    return DONE;
  };
}
