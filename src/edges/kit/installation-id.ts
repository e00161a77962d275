/*
 * The two spellings of one Forge installation (forge-migration.md §4): the FIT's
 * `app.installationId` is the ARI `ari:cloud:ecosystem::installation/<uuid>`, the lifecycle
 * body's `id` the bare uuid. Tally keys a Forge tenant by the ARI, uuid in lower case.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const INSTALLATION_ARI_PREFIX = 'ari:cloud:ecosystem::installation/';
const SITE_ARI = /^ari:cloud:jira::site\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

/**
 * The installation id as Tally stores it (`ari:cloud:ecosystem::installation/<uuid>`), from either
 * spelling; undefined for anything else. Pure; `normaliseInstallationId(normaliseInstallationId(x))`
 * is the same id.
 */
export function normaliseInstallationId(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const lower = value.trim().toLowerCase();
  const uuid = lower.startsWith(INSTALLATION_ARI_PREFIX) ? lower.slice(INSTALLATION_ARI_PREFIX.length) : lower;
  return UUID.test(uuid) ? `${INSTALLATION_ARI_PREFIX}${uuid}` : undefined;
}

/** True for a cloud id of the form Atlassian issues (a uuid); cloud ids end up in URLs Tally calls. */
export function isCloudId(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

/** The cloud id of a Jira site ARI (`ari:cloud:jira::site/<cloudId>`, a lifecycle event's `context`); undefined otherwise. */
export function cloudIdOfSiteAri(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  return SITE_ARI.exec(value.trim().toLowerCase())?.[1];
}
