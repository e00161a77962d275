import { createSimulator, type Simulator } from '../../simulator/create-simulator.js';
import type { SimProject, SimUser } from '../../simulator/jira/jira-site.js';
import { createValidatingFetch, type ValidatingFetch } from './validating-fetch.js';

/** A JSON answer of the simulator, read once. */
export interface JsonAnswer {
  status: number;
  // `any` on purpose: tests index into Jira bodies freely; the OpenAPI check already typed them.
  body: any;
}

/** What the platform route tests share: a generated site, an admin, a restricted member. */
export interface PlatformTestKit {
  sim: Simulator;
  fetch: ValidatingFetch;
  admin: SimUser;
  /** A non-admin user (API token `t`) who may not browse {@link PlatformTestKit.hiddenProject}. */
  member: SimUser;
  hiddenProject: SimProject;
  /** Calls the simulator through the OpenAPI-validating fetch as `as` (default the admin). */
  call(path: string, options?: { as?: SimUser; method?: string; body?: unknown; rawBody?: string }): Promise<JsonAnswer>;
}

const basic = (email: string, token: string) => `Basic ${Buffer.from(`${email}:${token}`).toString('base64')}`;

/**
 * Builds the test site the brief prescribes (300 worklogs, 60 issues, 20 users, manual clock)
 * with the first project restricted to the admin. Every response is validated against the
 * OpenAPI excerpts, so a schema drift fails the calling test.
 */
export function createPlatformTestKit(): PlatformTestKit {
  const sim = createSimulator({ clock: 'manual', generate: { worklogs: 300, issues: 60, users: 20 } });
  const generated = sim.generated;
  if (!generated) throw new Error('generated site expected');
  const fetch = createValidatingFetch(sim.fetch);
  const member = sim.site.addUser({
    accountId: '5b10ac8d82e05b22cc7d4e01',
    displayName: 'Mia Member',
    emailAddress: 'member@example.com',
    active: true,
    timeZone: 'UTC',
    accountType: 'atlassian',
    groups: ['jira-software-users'],
    apiTokens: ['t'],
  });
  const hiddenProject = [...sim.site.projects.values()][0] as SimProject;
  hiddenProject.browsers = [generated.admin.accountId];
  const tokens = new Map([[generated.admin.accountId, basic(generated.adminCredentials.email, generated.adminCredentials.apiToken)]]);
  tokens.set(member.accountId, basic('member@example.com', 't'));

  return {
    sim,
    fetch,
    admin: generated.admin,
    member,
    hiddenProject,
    async call(path, options = {}) {
      const as = options.as ?? generated.admin;
      const headers: Record<string, string> = { authorization: tokens.get(as.accountId) ?? '' };
      const payload = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
      if (payload !== undefined) headers['content-type'] = 'application/json';
      const response = await fetch(`${sim.site.baseUrl}${path}`, { method: options.method ?? 'GET', headers, body: payload ?? null });
      const text = await response.text();
      return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
    },
  };
}
