import { Hono } from 'hono';
import type { JiraSite } from '../jira/jira-site.js';
import type { SimContext, SimEnv } from '../http/sim-env.js';
import { jiraError, readJsonBody } from '../http/jira-error.js';
import { AdminWebhookInputError, parseAdminWebhookInput, type AdminWebhook, type AdminWebhookStore } from './admin-webhook-store.js';

const BASE = '/rest/webhooks/1.0/webhook';

/**
 * The REST view of an admin webhook: `self` ends in the id (clients read the id from it, §4.1);
 * the secret is never returned ("not viewable after saving", §4.2). The other fields follow Jira
 * Data Center's shape (the Cloud response is not documented; assumed the same).
 */
export function renderAdminWebhook(site: JiraSite, hook: AdminWebhook): Record<string, unknown> {
  return {
    self: `${site.baseUrl}${BASE}/${hook.id}`,
    name: hook.name,
    url: hook.url,
    events: [...hook.events],
    filters: { ...hook.filters },
    excludeBody: hook.excludeBody,
    enabled: hook.enabled,
    lastUpdatedUser: hook.lastUpdatedUser,
    lastUpdatedDisplayName: site.users.get(hook.lastUpdatedUser)?.displayName ?? hook.lastUpdatedUser,
    lastUpdated: hook.lastUpdatedMs,
  };
}

/** The administrator making the call, or the 403 for anyone else (apps, Forge tokens, plain users). */
function requireAdministrator(c: SimContext): string | Response {
  const caller = c.get('caller');
  if (caller.kind === 'user' && caller.user.siteAdmin && caller.apiToken) return caller.user.accountId;
  return jiraError(403, ['You must be a Jira administrator to manage webhooks.']);
}

function parseId(c: SimContext): number | undefined {
  const text = c.req.param('id') ?? '';
  return /^\d+$/.test(text) ? Number(text) : undefined;
}

/**
 * `/rest/webhooks/1.0/webhook[/{id}]` (self-hosted-site.md §4.1): POST creates (201), GET lists
 * or reads one, DELETE removes (204). Only a Jira administrator with an API token; scoped tokens
 * also need `apiTokens.adminWebhookScopes` (checked by the authentication).
 */
export function adminWebhookRoutes(site: JiraSite, store: AdminWebhookStore, requireHttps: () => boolean): Hono<SimEnv> {
  const routes = new Hono<SimEnv>();

  routes.post(BASE, async (c) => {
    const admin = requireAdministrator(c);
    if (admin instanceof Response) return admin;
    const body = await readJsonBody(c.req.raw);
    if (!body.ok) return jiraError(400, [body.message]);
    try {
      const hook = store.create(parseAdminWebhookInput(body.value, requireHttps()), admin);
      return c.json(renderAdminWebhook(site, hook), 201);
    } catch (error) {
      if (error instanceof AdminWebhookInputError) return jiraError(400, [], { [error.field]: error.message });
      throw error;
    }
  });

  routes.get(BASE, (c) => {
    const admin = requireAdministrator(c);
    if (admin instanceof Response) return admin;
    return c.json(store.list().map((hook) => renderAdminWebhook(site, hook)));
  });

  routes.get(`${BASE}/:id`, (c) => {
    const admin = requireAdministrator(c);
    if (admin instanceof Response) return admin;
    const id = parseId(c);
    const hook = id === undefined ? undefined : store.find(id);
    return hook ? c.json(renderAdminWebhook(site, hook)) : jiraError(404, ['Webhook not found.']);
  });

  routes.delete(`${BASE}/:id`, (c) => {
    const admin = requireAdministrator(c);
    if (admin instanceof Response) return admin;
    const id = parseId(c);
    if (id === undefined || !store.remove(id)) return jiraError(404, ['Webhook not found.']);
    return c.body(null, 204);
  });

  return routes;
}
