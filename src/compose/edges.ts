import type { Config } from '../config/load-config.js';
import { selectEdges, type EdgeHost, type EdgeModule, type PlatformEdge } from '../edges/edge.js';
import type { JiraCredentials, TenantJiraAccess } from '../jira/jira-credentials.js';
import { AppError } from '../platform/app-error.js';
import type { ReportCredentials } from '../privacy/personal-data/report-accounts-client.js';
import type { TenantRegistry } from '../tenants/tenant-registry.js';
import type { TenantId } from '../tenants/tenant.js';

/** Checks what the selected edges need of the core configuration; every problem at once (`CONFIG_INVALID`). */
export function checkEdgeRequirements(config: Config, selected: readonly EdgeModule[], known: readonly EdgeModule[]): void {
  const problems: string[] = [];
  for (const id of config.edges ?? []) {
    if (!known.some((module) => module.id === id)) problems.push(`TALLY_EDGES: unknown edge "${id}" (known: ${known.map((module) => module.id).join(', ')})`);
  }
  for (const module of selected) {
    if (module.requires.secretKey && !config.secretKey && config.mode !== 'demo') problems.push(`TALLY_SECRET_KEY: required by the ${module.id} edge (generate one with \`openssl rand -base64 32\`)`);
    if (module.requires.publicBaseUrl && !config.baseUrlConfigured && config.mode !== 'demo') problems.push(`TALLY_BASE_URL: required by the ${module.id} edge (the public https URL Atlassian calls)`);
  }
  if (problems.length > 0) throw new AppError('CONFIG_INVALID', `Invalid configuration:\n  ${problems.join('\n  ')}`, { details: problems, expose: true });
}

/** The edges the configuration turns on, built on `host` in their listed order. */
export async function buildEdges(config: Config, known: readonly EdgeModule[], host: EdgeHost): Promise<PlatformEdge[]> {
  const selected = selectEdges(known, config);
  checkEdgeRequirements(config, selected, known);
  return Promise.all(selected.map((module) => module.create(host)));
}

/**
 * One {@link JiraCredentials} over the platform edges: each tenant is served by the edge it came
 * through, so sync, store and reports never learn which one that is. A tenant whose edge is off
 * has no credentials (its data stays, nothing calls Jira for it). `edges` is read on every call:
 * the credentials exist before the edges are built.
 */
export function credentialsByEdge(registry: Pick<TenantRegistry, 'findTenant'>, edges: () => readonly PlatformEdge[]): JiraCredentials {
  return {
    async forTenant(tenantId) {
      const tenant = await registry.findTenant(tenantId);
      return tenant && edges().find((edge) => edge.owns(tenant))?.jiraCredentials?.forTenant(tenantId);
    },
  };
}

/**
 * Jira access acting as a person on a tenant, made by the tenant's own Jira edge (`actAsUser`), for
 * log work from Bitbucket (issue 16): the Bitbucket edges never reach a Jira edge themselves.
 * `LOG_WORK_UNAVAILABLE` with the reason when the tenant's edge is off, has no way to act as a
 * person, or cannot now. `edges` is read on every call: the Bitbucket side exists before the edges.
 */
export function actAsUserByEdge(registry: Pick<TenantRegistry, 'findTenant'>, edges: () => readonly PlatformEdge[]): (tenantId: TenantId, accountId: string) => Promise<TenantJiraAccess> {
  return async (tenantId, accountId) => {
    const tenant = await registry.findTenant(tenantId);
    const edge = tenant && edges().find((candidate) => candidate.owns(tenant));
    if (!edge) throw new AppError('LOG_WORK_UNAVAILABLE', 'Tally cannot reach the linked Jira site now, so no work can be logged to it from here.');
    if (!edge.actAsUser) {
      throw new AppError('LOG_WORK_UNAVAILABLE', `The linked Jira site runs Tally through ${edge.id}, which cannot write to Jira as you from outside Jira's own pages; log work in Jira instead.`);
    }
    const access = await edge.actAsUser(tenantId, accountId);
    if (!access) throw new AppError('LOG_WORK_UNAVAILABLE', 'Tally is not installed on the linked Jira site any more.');
    return access;
  };
}

/** Personal-data report credentials of the tenant's edge (undefined where that edge does not report). */
export function reportCredentialsByEdge(registry: Pick<TenantRegistry, 'findTenant'>, edges: readonly PlatformEdge[]): ReportCredentials {
  return {
    async authorize(tenantId, request) {
      const tenant = await registry.findTenant(tenantId);
      return tenant && edges.find((edge) => edge.owns(tenant))?.personalDataCredentials?.authorize(tenantId, request);
    },
  };
}

/** A tenant an edge cannot serve now (e.g. a revoked API token), with the edge's reason. */
export interface PausedTenant {
  tenantId: TenantId;
  edge: string;
  reason: string | undefined;
  message: string | undefined;
}

/** Every installed tenant whose edge says it is paused. */
export async function listPausedTenants(registry: Pick<TenantRegistry, 'listInstalled'>, edges: readonly PlatformEdge[]): Promise<PausedTenant[]> {
  // `/readyz` asks this on every probe: with no edge that can pause a tenant (Connect, Forge), no
  // tenant list is read at all.
  if (!edges.some((edge) => edge.tenantStatus !== undefined)) return [];
  const paused: PausedTenant[] = [];
  for (const tenant of await registry.listInstalled()) {
    const edge = edges.find((candidate) => candidate.owns(tenant));
    const status = await edge?.tenantStatus?.(tenant.id);
    if (edge && status?.state === 'paused') paused.push({ tenantId: tenant.id, edge: edge.id, reason: status.reason, message: status.message });
  }
  return paused;
}
