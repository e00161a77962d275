import type { JiraSite, WorklogEvent } from '../jira/jira-site.js';
import { formatJiraDate } from '../jira/jira-date.js';
import { ariOfSite, uuidOfAri } from './forge-ids.js';

/** The app as lifecycle bodies describe it. */
export interface LifecycleApp {
  appId: string;
  name: string;
  ownerAccountId: string;
  version: string;
  environmentId: string;
}

/** Scopes the simulated app is granted (the upgraded event lists them). */
export const GRANTED_SCOPES = ['read:app-system-token', 'read:app-user-token', 'read:jira-work', 'read:jira-user', 'write:jira-work'] as const;

/**
 * `avi:forge:installed:app` as the remote-agents guide shows it (§4): `app.id` and `id` are bare
 * uuids here, while the FIT carries ARIs — both forms on purpose. No site URL.
 */
export function installedBody(app: LifecycleApp, cloudId: string, installationUuid: string, installerAccountId: string): Record<string, unknown> {
  return {
    app: { id: uuidOfAri(app.appId), name: app.name, ownerAccountId: app.ownerAccountId, version: app.version },
    context: ariOfSite(cloudId),
    environment: { id: app.environmentId },
    eventType: 'avi:forge:installed:app',
    id: installationUuid,
    installerAccountId,
  };
}

/** `avi:forge:upgraded:app`: the installed shape plus `upgraderAccountId` and `permissions` (§4). */
export function upgradedBody(app: LifecycleApp, cloudId: string, installationUuid: string, installerAccountId: string, upgraderAccountId: string): Record<string, unknown> {
  return {
    ...installedBody(app, cloudId, installationUuid, installerAccountId),
    eventType: 'avi:forge:upgraded:app',
    upgraderAccountId,
    permissions: { scopes: [...GRANTED_SCOPES] },
  };
}

/**
 * The `preUninstall` body. Unverified (§4): only the function payload `{context:{cloudId,
 * moduleKey}, contextToken}` is documented; a remote is assumed to get it without the token.
 */
export function preUninstallBody(cloudId: string, moduleKey: string): Record<string, unknown> {
  return { context: { cloudId, moduleKey }, eventType: 'avi:forge:pre-uninstall' };
}

/** A scheduled trigger's body. Unverified for remotes: modelled on the function's `{context:{cloudId, moduleKey}}`. */
export function tickBody(cloudId: string, moduleKey: string): Record<string, unknown> {
  return { context: { cloudId, moduleKey } };
}

const EVENT_TYPES = {
  worklog_created: 'avi:jira:created:worklog',
  worklog_updated: 'avi:jira:updated:worklog',
  worklog_deleted: 'avi:jira:deleted:worklog',
} as const satisfies Record<WorklogEvent['event'], string>;

/**
 * A worklog product event (§5): `eventType`, `selfGenerated`, `timestamp` (epoch ms as a
 * string), the worklog (field list unverified; the third-party typing's fields) and the site's
 * context ARI.
 */
export function worklogEventBody(site: JiraSite, event: WorklogEvent, cloudId: string, selfGenerated: boolean): Record<string, unknown> {
  const { worklog } = event;
  return {
    eventType: EVENT_TYPES[event.event],
    selfGenerated,
    timestamp: String(event.timestamp),
    worklog: {
      id: String(worklog.id),
      issueId: String(worklog.issueId),
      author: { accountId: worklog.authorId },
      updateAuthor: { accountId: worklog.updateAuthorId },
      started: formatJiraDate(worklog.startedMs, site.timeZone),
      timeSpentSeconds: worklog.timeSpentSeconds,
    },
    context: ariOfSite(cloudId),
  };
}
