import type { Context } from 'hono';
import type { JiraSite, SimInstalledApp, SimUser } from '../jira/jira-site.js';

/** How a user caller proved who they are, when it was an API token (HTTP Basic). */
export interface ApiTokenCredential {
  kind: 'classic' | 'scoped';
  scopes: readonly string[];
}

/**
 * Who is calling the simulated Jira: an installed Connect app (as its app user) or a site user,
 * with `apiToken` when the user came with an API token (not a Forge user token).
 */
export type Caller =
  | { kind: 'app'; app: SimInstalledApp; user: SimUser }
  | { kind: 'user'; user: SimUser; apiToken?: ApiTokenCredential };

/** Objects in a response, as the points quota counts them. */
export interface ReturnedObjects {
  count: number;
  /** User objects embedded in the returned items (a worklog's author and updateAuthor). */
  embeddedUsers: number;
}

/** Hono environment of the simulator's app: the caller is set by the auth middleware. */
export interface SimEnv {
  Variables: {
    caller: Caller;
    /** The route template that matched, e.g. `/rest/api/3/issue/{issueIdOrKey}/worklog`. */
    routeTemplate: string;
    /**
     * Set by routes whose bodies are large (worklog pages): how many objects they returned, so
     * the rate limiter charges points without re-parsing a megabyte of JSON per page.
     */
    returnedObjects: ReturnedObjects | undefined;
    /**
     * Set when the request came through `api.atlassian.com/ex/jira/{cloudId}`: that base URL as
     * the client called it, for links that name the gateway (`gatewayNextPageHost`).
     */
    gatewayBaseUrl: string | undefined;
    /** Set by the rate limiter: the points an app request cost (what the quota charges; counted while limits are off too). */
    appPoints: number | undefined;
  };
  /** Present when served over HTTP by @hono/node-server: the raw Node request and response. */
  Bindings: {
    incoming?: import('node:http').IncomingMessage;
    outgoing?: import('node:http').ServerResponse;
  };
}

/** Shorthand for a handler context of the simulator app. */
export type SimContext = Context<SimEnv>;

/** What every route module receives. */
export interface SimDeps {
  site: JiraSite;
}
