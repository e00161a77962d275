import { Hono } from 'hono';
import type { TallyEnv } from '../../http/tally-env.js';
import { AppError } from '../../platform/app-error.js';
import type { Logger } from '../../platform/logger.js';
import type { TenantEvents } from '../../tenants/tenant-events.js';
import type { TenantId } from '../../tenants/tenant.js';
import { worklogHintOf } from '../kit/worklog-webhook-body.js';
import { isValidHubSignature } from './hub-signature.js';

/** Where a site administrator points the admin webhook (Jira settings → System → WebHooks). */
export const SITE_WEBHOOK_PATH = '/site/webhooks/worklog';

/** What {@link siteWebhookRoutes} needs. */
export interface SiteWebhookDeps {
  /** `TALLY_JIRA_WEBHOOK_SECRET`; undefined: every delivery is refused (polling only). */
  secret: string | undefined;
  /** The site's tenant once the edge has started; undefined before. */
  tenantId(): TenantId | undefined;
  events: TenantEvents;
  logger: Logger;
}

/**
 * `POST /site/webhooks/worklog`: an admin webhook of the team's site (self-hosted-site.md §4.1).
 * The signature is checked on the raw body bytes before anything parses them (§4.2): no secret
 * configured, no `X-Hub-Signature` or a wrong one is 401 and changes nothing. A good delivery
 * becomes a `worklogWebhook` hint for the sync (deduplicated there on
 * `X-Atlassian-Webhook-Identifier`) and is answered 202; a signed body Tally cannot read, or
 * another event, is also 202 and logged — webhooks are hints, polling is the source of truth,
 * and a 4xx would only make Jira retry it. The app-wide body limit applies.
 */
export function siteWebhookRoutes(deps: SiteWebhookDeps): Hono<TallyEnv> {
  const routes = new Hono<TallyEnv>();
  routes.post(SITE_WEBHOOK_PATH, async (c) => {
    if (deps.secret === undefined) throw new AppError('AUTH_INVALID', 'This Tally takes no admin webhooks: TALLY_JIRA_WEBHOOK_SECRET is not set');
    const signature = c.req.header('x-hub-signature');
    if (signature === undefined) throw new AppError('AUTH_MISSING', 'The webhook carries no X-Hub-Signature; give the admin webhook the secret in TALLY_JIRA_WEBHOOK_SECRET');
    const body = new Uint8Array(await c.req.arrayBuffer());
    if (!isValidHubSignature(deps.secret, body, signature)) throw new AppError('AUTH_INVALID', 'The webhook signature does not match TALLY_JIRA_WEBHOOK_SECRET');
    const tenantId = deps.tenantId();
    if (tenantId === undefined) throw new AppError('JIRA_UNAVAILABLE', 'The site is not connected yet', { expose: true });
    let json: unknown;
    try {
      json = JSON.parse(new TextDecoder().decode(body));
    } catch {
      json = undefined;
    }
    const hint = worklogHintOf(tenantId, json, c.req.header('x-atlassian-webhook-identifier'));
    if (hint) deps.events.emit('worklogWebhook', hint);
    else deps.logger.warn({ event: 'webhook_unreadable', tenantId }, 'signed admin webhook not understood (not a worklog event?); polling will catch up');
    return c.body(null, 202);
  });
  return routes;
}
