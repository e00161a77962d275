import { createSimulator, type Simulator, type SimulatorOptions } from '../create-simulator.js';
import type { SimIssue, SimUser } from '../jira/jira-site.js';
import { textToAdf } from '../jira/adf.js';

/** A small site for self-hosted (API token) tests: an admin, two users, one issue. */
export interface SelfHostedTestbed {
  sim: Simulator;
  /** Site administrator (`admin@acme.test`). */
  admin: SimUser;
  /** In the `payroll` group, so it sees worklogs restricted to it. */
  alice: SimUser;
  /** In no special group. */
  bob: SimUser;
  issue: SimIssue;
  /** `Authorization: Basic base64(email:token)`. */
  basic(user: SimUser, token: string): string;
  /** Calls `path` (`/rest/…`) on the site URL. */
  site(path: string, authorization: string, init?: RequestInit): Promise<Response>;
  /** Calls `path` (`/rest/…`) through `https://api.atlassian.com/ex/jira/{cloudId}`. */
  gateway(path: string, authorization: string, init?: RequestInit): Promise<Response>;
  /** A worklog on the issue by `author`, optionally restricted to a group. */
  logWork(author: SimUser, group?: string): number;
}

export const TESTBED_START_MS = Date.UTC(2026, 10, 23, 9, 0, 0);

function user(accountId: string, email: string, extra: Partial<SimUser> = {}): SimUser {
  return { accountId, displayName: accountId, emailAddress: email, active: true, timeZone: 'UTC', accountType: 'atlassian', groups: ['jira-software-users'], ...extra };
}

/** Builds the testbed on a manual clock; `options` go to `createSimulator`. */
export function createSelfHostedTestbed(options: Partial<SimulatorOptions> = {}): SelfHostedTestbed {
  const sim = createSimulator({ clock: 'manual', startMs: TESTBED_START_MS, generate: false, ...options });
  const admin = sim.site.addUser(user('admin-1', 'admin@acme.test', { siteAdmin: true }));
  const alice = sim.site.addUser(user('alice-1', 'alice@acme.test', { groups: ['jira-software-users', 'payroll'] }));
  const bob = sim.site.addUser(user('bob-1', 'bob@acme.test'));
  sim.site.addProject({ id: '10000', key: 'TAL', name: 'Tally' });
  const issue = sim.site.addIssue({ key: 'TAL-1', projectId: '10000', summary: 'Work', issueType: 'Task', timeTrackingEnabled: true });
  const call = (base: string) => (path: string, authorization: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    headers.set('authorization', authorization);
    headers.set('accept', 'application/json');
    if (init.body !== undefined) headers.set('content-type', 'application/json');
    return sim.fetch(`${base}${path}`, { ...init, headers });
  };
  return {
    sim,
    admin,
    alice,
    bob,
    issue,
    basic: (who, token) => `Basic ${Buffer.from(`${who.emailAddress ?? ''}:${token}`).toString('base64')}`,
    site: call(sim.site.baseUrl),
    gateway: call(`https://api.atlassian.com/ex/jira/${sim.cloudId}`),
    logWork(author, group) {
      const worklog = sim.site.createWorklog({
        issueId: issue.id,
        authorId: author.accountId,
        comment: textToAdf('work'),
        startedMs: sim.clock.now() - 3_600_000,
        timeSpentSeconds: 1800,
        ...(group === undefined ? {} : { visibility: { type: 'group' as const, value: group } }),
      });
      return worklog.id;
    },
  };
}
