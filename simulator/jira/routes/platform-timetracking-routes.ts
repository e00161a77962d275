import { Hono } from 'hono';
import type { SimDeps, SimEnv } from '../../http/sim-env.js';
import { jiraError } from '../../http/jira-error.js';
import type { JiraSite } from '../jira-site.js';
import { readObjectBody } from './platform-input.js';
import { hasGlobalPermission } from './platform-permission-grants.js';

/** A selectable time-tracking provider, as `TimeTrackingProvider`. */
export interface TimeTrackingProviderInfo {
  key: string;
  name: string;
  url?: string;
}

const JIRA_PROVIDER: TimeTrackingProviderInfo = { key: 'JIRA', name: 'JIRA provided time tracking' };

/**
 * The selected provider key per site (`undefined` = time tracking off). Kept beside the site
 * rather than on it, so this module owns the whole feature; a WeakMap lets sites be collected.
 */
const selectedBySite = new WeakMap<JiraSite, { key: string | undefined }>();

/**
 * Providers on offer: Jira's own, plus each enabled app's `jiraTimeTrackingProviders` module,
 * keyed `<appKey>__<moduleKey>` as Jira lists app providers.
 */
export function listTimeTrackingProviders(site: JiraSite): TimeTrackingProviderInfo[] {
  const providers = [JIRA_PROVIDER];
  for (const app of site.apps.values()) {
    if (!app.enabled) continue;
    const modules = (app.descriptor.modules ?? {}) as { jiraTimeTrackingProviders?: unknown };
    const declared = Array.isArray(modules.jiraTimeTrackingProviders) ? modules.jiraTimeTrackingProviders : [];
    for (const module of declared as { key?: unknown; name?: { value?: unknown }; adminPageKey?: unknown }[]) {
      if (typeof module?.key !== 'string') continue;
      const provider: TimeTrackingProviderInfo = { key: `${app.key}__${module.key}`, name: String(module.name?.value ?? module.key) };
      if (typeof module.adminPageKey === 'string') provider.url = `/plugins/servlet/ac/${app.key}/${module.adminPageKey}`;
      providers.push(provider);
    }
  }
  return providers;
}

/**
 * The active provider, or undefined when time tracking is off. A selected app provider whose
 * app is gone or disabled falls back to Jira's own, as Jira does when a provider disappears.
 */
export function findTimeTrackingProvider(site: JiraSite): TimeTrackingProviderInfo | undefined {
  const state = selectedBySite.get(site) ?? { key: JIRA_PROVIDER.key };
  if (state.key === undefined) return undefined;
  return listTimeTrackingProviders(site).find((p) => p.key === state.key) ?? JIRA_PROVIDER;
}

/** Selects a provider by key (`undefined` turns time tracking off); false for an unknown key. */
export function selectTimeTrackingProvider(site: JiraSite, key: string | undefined): boolean {
  if (key !== undefined && !listTimeTrackingProviders(site).some((p) => p.key === key)) return false;
  selectedBySite.set(site, { key });
  return true;
}

/**
 * `GET /rest/api/3/configuration/timetracking` (200 with the provider, 204 when off) and `PUT`
 * (select a provider by key; 400 for an unknown one). Both need Administer Jira; Connect apps are
 * let through, standing in for the ADMIN scope the simulator does not model.
 */
export function timeTrackingRoutes({ site }: SimDeps): Hono<SimEnv> {
  const routes = new Hono<SimEnv>();
  const path = '/rest/api/3/configuration/timetracking';
  const forbidden = () => jiraError(403, ['You do not have the permission to administer Jira.']);

  routes.get(path, (c) => {
    const caller = c.get('caller');
    if (caller.kind !== 'app' && !hasGlobalPermission(caller.user, 'ADMINISTER')) return forbidden();
    const provider = findTimeTrackingProvider(site);
    return provider ? c.json(provider) : c.body(null, 204);
  });

  routes.put(path, async (c) => {
    const caller = c.get('caller');
    if (caller.kind !== 'app' && !hasGlobalPermission(caller.user, 'ADMINISTER')) return forbidden();
    const body = await readObjectBody(c.req.raw, { key: 'string', name: 'string', url: 'string' });
    if (body instanceof Response) return body;
    if (typeof body.key !== 'string' || body.key === '') return jiraError(400, ['The time tracking provider key is required.'], { key: 'Required.' });
    if (!selectTimeTrackingProvider(site, body.key)) {
      return jiraError(400, [`The time tracking provider '${body.key.slice(0, 80)}' does not exist.`]);
    }
    return c.body(null, 204);
  });

  return routes;
}
