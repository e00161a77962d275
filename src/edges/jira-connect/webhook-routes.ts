import { Hono } from 'hono';
import type { Logger } from '../../platform/logger.js';
import type { TenantEvents } from '../../tenants/tenant-events.js';
import type { TallyEnv } from '../../http/tally-env.js';
import { readJson } from '../../http/read-json.js';
import { connectAuth, type ConnectAuthDeps } from './connect-auth.js';
import { CONNECT_ROUTES } from './descriptor.js';
import { worklogHintOf } from '../kit/worklog-webhook-body.js';

/** What the webhook route needs. */
export interface WebhookDeps {
  auth: ConnectAuthDeps;
  events: TenantEvents;
  logger: Logger;
}

/**
 * `POST /connect/webhooks/worklog`: HS256 with the exact qsh. A well-formed delivery is handed to
 * the sync as a hint (`worklogWebhook` event) and answered 202; a body Tally cannot read is also
 * answered 202 and logged, because webhooks are hints and polling repairs whatever was missed
 * (security-and-reliability.md D7) — a 4xx would only make Jira drop or retry it.
 */
export function webhookRoutes(deps: WebhookDeps): Hono<TallyEnv> {
  const routes = new Hono<TallyEnv>();
  routes.post(CONNECT_ROUTES.worklogWebhook, connectAuth(deps.auth, { tokenClass: 'server' }), async (c) => {
    const tenant = c.get('tenant');
    let raw: unknown;
    try {
      raw = await readJson(c);
    } catch {
      raw = undefined;
    }
    const hint = worklogHintOf(tenant.id, raw, c.req.header('x-atlassian-webhook-identifier'));
    if (hint) deps.events.emit('worklogWebhook', hint);
    else deps.logger.warn({ event: 'webhook_unreadable', tenantId: tenant.id }, 'worklog webhook body not understood; polling will catch up');
    return c.body(null, 202);
  });
  return routes;
}
