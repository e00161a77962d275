import { Hono } from 'hono';
import type { JiraSite } from '../jira/jira-site.js';
import { jiraError } from '../http/jira-error.js';
import type { SimEnv } from '../http/sim-env.js';

/** A delivery that failed after its last retry, as `/webhook/failed` lists it. */
export interface FailedWebhook {
  /** Equals the `X-Atlassian-Webhook-Identifier` the delivery carried. */
  id: string;
  /** The JSON body as text; absent when the module had `excludeBody`. */
  body?: string;
  /** The original destination (absolute). */
  url: string;
  /** When the last retry failed (epoch ms, site clock). */
  failureTime: number;
  /** The app it was meant for: each app sees only its own failures. */
  appKey: string;
}

/** Failed deliveries of the site, kept for a retention window. */
export interface FailedWebhookStore {
  add(failure: FailedWebhook): void;
  /** Every failure still retained, oldest first. */
  list(): FailedWebhook[];
  /** `GET /rest/api/{2,3}/webhook/failed`, to be mounted behind the simulator's auth. */
  readonly routes: Hono<SimEnv>;
}

const DEFAULT_MAX_RESULTS = 100;

function parseMillis(text: string | undefined): number | undefined | 'invalid' {
  if (text === undefined || text === '') return undefined;
  return /^\d+$/.test(text) ? Number(text) : 'invalid';
}

/**
 * Creates the store. `retentionMs()` is read on every call so `configure()` applies at once.
 * The route follows the `FailedWebhooks` schema (jira-platform-openapi-excerpt.json).
 */
export function createFailedWebhookStore(site: JiraSite, retentionMs: () => number): FailedWebhookStore {
  let failures: FailedWebhook[] = [];

  const list = (): FailedWebhook[] => {
    const oldest = site.clock.now() - retentionMs();
    failures = failures.filter((f) => f.failureTime > oldest);
    return [...failures].sort((a, b) => a.failureTime - b.failureTime);
  };

  const routes = new Hono<SimEnv>();
  routes.get('/rest/api/:version{[23]}/webhook/failed', (c) => {
    const caller = c.get('caller');
    // "Only Connect apps can use this operation"; the spec's 403 is "the caller is not a Connect app".
    if (caller.kind !== 'app') return jiraError(403, ['Only Connect apps can use this operation.']);
    // The spec names the parameter `after`, but its own `next` URLs use `failedAfter`: accept both.
    const after = parseMillis(c.req.query('failedAfter') ?? c.req.query('after'));
    const maxText = c.req.query('maxResults');
    const maxResults = maxText === undefined ? DEFAULT_MAX_RESULTS : /^\d+$/.test(maxText) ? Number(maxText) : Number.NaN;
    if (after === 'invalid') return jiraError(400, ['The after parameter must be a time in milliseconds.']);
    if (!Number.isInteger(maxResults) || maxResults < 1) return jiraError(400, ['maxResults must be a positive number.']);

    const mine = list().filter((f) => f.appKey === caller.app.key && (after === undefined || f.failureTime > after));
    const page = mine.slice(0, maxResults);
    // Records sharing the last failure time are never split across pages (spec: maxResults is ignored then).
    const last = page.at(-1);
    for (const extra of mine.slice(maxResults)) {
      if (extra.failureTime !== last?.failureTime) break;
      page.push(extra);
    }
    const values = page.map(({ appKey: _appKey, ...failure }) => failure);
    const body: Record<string, unknown> = { values, maxResults };
    if (last) {
      body.next = `${site.baseUrl}/rest/api/${c.req.param('version')}/webhook/failed?failedAfter=${last.failureTime}&maxResults=${maxResults}`;
    }
    return c.json(body);
  });

  return { add: (failure) => failures.push(failure), list, routes };
}
