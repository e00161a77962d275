import { createHmac } from 'node:crypto';
import type { JiraSite, WorklogEvent } from '../jira/jira-site.js';
import { compileJqlText } from '../jira/jql/jql-evaluator.js';
import { ISSUE_FILTER_KEY, type AdminWebhook } from './admin-webhook-store.js';
import type { HubSignatureTamper } from './admin-webhook-options.js';
import { signHubSignature } from './hub-signature.js';

/**
 * The target URL with its variables filled in (`${worklog.id}`, `${issue.id}`, `${issue.key}`,
 * `${project.id}`, `${project.key}`; n8n registers `?wid=${worklog.id}&iid=${issue.id}`, §4.1).
 * A variable with no value becomes empty.
 */
export function expandWebhookUrl(site: JiraSite, url: string, event: WorklogEvent): string {
  const issue = site.issues.get(event.worklog.issueId);
  const project = issue ? site.projects.get(issue.projectId) : undefined;
  const values: Record<string, string | undefined> = {
    'worklog.id': String(event.worklog.id),
    'issue.id': String(event.worklog.issueId),
    'issue.key': issue?.key,
    'project.id': project?.id,
    'project.key': project?.key,
  };
  return url.replace(/\$\{([a-z.]+)\}/g, (_, name: string) => encodeURIComponent(values[name] ?? ''));
}

/** Whether the webhook's JQL filter lets the event through (an issue that is gone never matches). */
export function passesJqlFilter(site: JiraSite, hook: AdminWebhook, event: WorklogEvent): boolean {
  const jql = hook.filters[ISSUE_FILTER_KEY]?.trim();
  if (!jql) return true;
  const issue = site.issues.get(event.worklog.issueId);
  const viewer = site.users.get(hook.lastUpdatedUser);
  if (!issue || !viewer) return false;
  try {
    return compileJqlText(jql, { site, viewer }).matches(issue);
  } catch {
    return false; // a filter that stopped resolving (a project deleted since) matches nothing
  }
}

/** The `X-Hub-Signature` header to send, if any: absent without a secret, defective when tampered. */
export function signatureHeader(secret: string | undefined, body: string | undefined, tamper: HubSignatureTamper | undefined): string | undefined {
  if (tamper === 'unsigned') return undefined;
  if (tamper === 'wrong-secret') return signHubSignature(`${secret ?? ''}-not-the-secret`, body);
  if (secret === undefined) return undefined;
  if (tamper === 'sha1') return `sha1=${createHmac('sha1', secret).update(body ?? '').digest('hex')}`;
  return signHubSignature(secret, body);
}
