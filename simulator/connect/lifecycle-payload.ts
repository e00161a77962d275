import type { JiraSite } from '../jira/jira-site.js';

/** The four lifecycle events (jira-connect-protocol.md §4.6). */
export type LifecycleEvent = 'installed' | 'uninstalled' | 'enabled' | 'disabled';

/** What goes into one lifecycle payload besides the site's own fields. */
export interface LifecyclePayloadInput {
  eventType: LifecycleEvent;
  appKey: string;
  clientKey: string;
  /** Only on `installed` ("sharedSecret is only sent on the installed event"). */
  sharedSecret?: string | undefined;
  /** The deprecated `publicKey` field: base64 SPKI without PEM armour, as older payloads had. */
  publicKey: string;
  /** The app's OAuth client id on this site, for user impersonation (ACT_AS_USER). */
  oauthClientId?: string | undefined;
  /** Extra or replaced fields, e.g. `serviceEntitlementNumber` or a different `baseUrl`. */
  extra?: Record<string, unknown> | undefined;
}

/** Version strings from a real 2020 capture (jira-connect-protocol.md §4.6). */
const SERVER_VERSION = '100150';
const PLUGINS_VERSION = '1001.0.0.SNAPSHOT';

/** Builds the JSON body Jira POSTs to a lifecycle URL. `baseUrl` is read now (listen() moves it). */
export function buildLifecyclePayload(site: JiraSite, input: LifecyclePayloadInput): Record<string, unknown> {
  const payload: Record<string, unknown> = {
    key: input.appKey,
    clientKey: input.clientKey,
    publicKey: input.publicKey,
    serverVersion: SERVER_VERSION,
    pluginsVersion: PLUGINS_VERSION,
    baseUrl: site.baseUrl,
    displayUrl: site.baseUrl,
    productType: 'jira',
    description: `Atlassian JIRA at ${site.baseUrl}`,
    eventType: input.eventType,
  };
  if (input.sharedSecret !== undefined) payload.sharedSecret = input.sharedSecret;
  // In the lifecycle schema's field list (jira-connect-protocol.md §4.6); sent on every event.
  if (input.oauthClientId !== undefined) payload.oauthClientId = input.oauthClientId;
  return { ...payload, ...input.extra };
}

/** The deprecated `publicKey` value for a PEM: its base64 body on one line. */
export function pemBody(pem: string): string {
  return pem.replace(/-----(BEGIN|END) PUBLIC KEY-----/g, '').replace(/\s+/g, '');
}
