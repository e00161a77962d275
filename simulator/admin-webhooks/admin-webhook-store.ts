import type { JiraSite } from '../jira/jira-site.js';
import { compileJqlText } from '../jira/jql/jql-evaluator.js';

/** The JQL filter key the admin webhook API uses (n8n's JiraTrigger, self-hosted-site.md §4.1). */
export const ISSUE_FILTER_KEY = 'issue-related-events-section';

/** An admin webhook as the site keeps it; the secret never leaves through the API. */
export interface AdminWebhook {
  id: number;
  name: string;
  url: string;
  events: string[];
  filters: Record<string, string>;
  excludeBody: boolean;
  enabled: boolean;
  /** Set when saved with one; used only to sign deliveries. */
  secret: string | undefined;
  /** The administrator who saved it. */
  lastUpdatedUser: string;
  lastUpdatedMs: number;
}

/** What an administrator types in (the UI form or the REST body). */
export interface AdminWebhookInput {
  name?: string;
  url: string;
  events: string[];
  filters?: Record<string, string>;
  excludeBody?: boolean;
  /** Optional; deliveries are signed with `X-Hub-Signature` only when set. */
  secret?: string;
}

/** A refused input: the field and Jira-style message for the 400. */
export class AdminWebhookInputError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'AdminWebhookInputError';
  }
}

/** Checks an input the way the REST API does; `requireHttps` refuses plain http targets. */
export function parseAdminWebhookInput(value: unknown, requireHttps: boolean): AdminWebhookInput {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new AdminWebhookInputError('body', 'The request body must be a JSON object.');
  const body = value as Record<string, unknown>;
  if (body.name !== undefined && (typeof body.name !== 'string' || body.name.trim() === '')) throw new AdminWebhookInputError('name', 'The name must be a non-empty string.');
  if (typeof body.url !== 'string' || !URL.canParse(body.url)) throw new AdminWebhookInputError('url', 'The URL must be an absolute URL.');
  const protocol = new URL(body.url).protocol;
  if (protocol !== 'https:' && (requireHttps || protocol !== 'http:')) throw new AdminWebhookInputError('url', 'The URL must use HTTPS.');
  if (!Array.isArray(body.events) || body.events.length === 0 || !body.events.every((e) => typeof e === 'string' && e !== '')) {
    throw new AdminWebhookInputError('events', 'At least one event is required.');
  }
  const filters = body.filters ?? {};
  if (typeof filters !== 'object' || filters === null || Array.isArray(filters) || !Object.values(filters).every((f) => typeof f === 'string')) {
    throw new AdminWebhookInputError('filters', 'Filters must map names to strings.');
  }
  if (body.excludeBody !== undefined && typeof body.excludeBody !== 'boolean') throw new AdminWebhookInputError('excludeBody', 'excludeBody must be a boolean.');
  if (body.secret !== undefined && typeof body.secret !== 'string') throw new AdminWebhookInputError('secret', 'The secret must be a string.');
  return {
    ...(body.name === undefined ? {} : { name: body.name as string }),
    url: body.url,
    events: body.events as string[],
    filters: filters as Record<string, string>,
    ...(body.excludeBody === undefined ? {} : { excludeBody: body.excludeBody }),
    ...(body.secret === undefined || body.secret === '' ? {} : { secret: body.secret }),
  };
}

/** The admin webhooks of one site, ids from 1. */
export class AdminWebhookStore {
  private readonly hooks = new Map<number, AdminWebhook>();
  private nextId = 1;

  constructor(private readonly site: JiraSite) {}

  /** Saves a webhook as `accountId` (an administrator); a filter that is not valid JQL is refused. */
  create(input: AdminWebhookInput, accountId: string): AdminWebhook {
    const filters = { ...input.filters };
    const jql = filters[ISSUE_FILTER_KEY]?.trim();
    const viewer = this.site.users.get(accountId);
    if (jql && viewer) {
      try {
        compileJqlText(jql, { site: this.site, viewer });
      } catch (error) {
        throw new AdminWebhookInputError('filters', error instanceof Error ? error.message : 'The JQL filter is not valid.');
      }
    }
    const id = this.nextId++;
    const hook: AdminWebhook = {
      id,
      name: input.name ?? `Webhook ${id}`,
      url: input.url,
      events: [...input.events],
      filters,
      excludeBody: input.excludeBody ?? false,
      enabled: true,
      secret: input.secret,
      lastUpdatedUser: accountId,
      lastUpdatedMs: this.site.clock.now(),
    };
    this.hooks.set(id, hook);
    return hook;
  }

  find(id: number): AdminWebhook | undefined {
    return this.hooks.get(id);
  }

  list(): AdminWebhook[] {
    return [...this.hooks.values()];
  }

  /** False when there was none. */
  remove(id: number): boolean {
    return this.hooks.delete(id);
  }
}
