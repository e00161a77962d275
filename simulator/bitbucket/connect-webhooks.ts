import { randomUUID } from 'node:crypto';
import type { BbPullRequest, BbRepository, BbUser } from './bitbucket-model.js';
import { renderPullRequest, renderRepository, renderUser, type RenderContext } from './render.js';

/** The pull-request webhook events a Connect app can subscribe to (jira-connect-protocol.md §8). */
export type BbPullRequestWebhookEvent = 'pullrequest:created' | 'pullrequest:updated' | 'pullrequest:fulfilled' | 'pullrequest:rejected';

/** One webhook POST as sent, for tests. */
export interface BbWebhookCall {
  event: BbPullRequestWebhookEvent;
  clientKey: string;
  url: string;
  headers: Record<string, string>;
  body: Record<string, unknown>;
  /** The app's status; 0 when nothing answered. */
  status: number;
}

/**
 * Bitbucket's pull-request webhook body: `actor`, `pullrequest` and `repository`, the REST 2.0
 * shapes (the same objects the API returns; the full field list of webhook payloads is [UNVERIFIED]).
 */
export function pullRequestWebhookBody(ctx: RenderContext, repository: BbRepository, pr: BbPullRequest, actor: BbUser): Record<string, unknown> {
  return {
    actor: renderUser(ctx, actor),
    pullrequest: renderPullRequest(ctx, pr, true),
    repository: renderRepository(ctx, repository),
  };
}

/**
 * The headers of a webhook delivery besides `Authorization`: `X-Event-Key`, `X-Request-UUID`,
 * `X-Hook-UUID`, `X-Attempt-Number` — from Bitbucket's general webhook docs, [UNVERIFIED] for
 * Connect (jira-connect-protocol.md §8).
 */
export function webhookHeaders(event: string, hookUuid: string): Record<string, string> {
  return {
    'content-type': 'application/json',
    'x-event-key': event,
    'x-request-uuid': randomUUID(),
    'x-hook-uuid': hookUuid,
    'x-attempt-number': '1',
  };
}
