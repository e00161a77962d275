import { createHash } from 'node:crypto';

/**
 * A name-based uuid (version 5 layout over SHA-256): the same text always gives the same id, so
 * defaults such as the app id are stable from run to run. Pure.
 */
export function uuidFromText(text: string): string {
  const bytes = createHash('sha256').update(text).digest().subarray(0, 16);
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** `ari:cloud:ecosystem::app/<uuid>`: the form of `app.id` in the FIT and the manifest. */
export function ariOfApp(uuid: string): string {
  return `ari:cloud:ecosystem::app/${uuid}`;
}

/** `ari:cloud:ecosystem::installation/<uuid>`: the FIT's `app.installationId` (the lifecycle body's `id` is the bare uuid). */
export function ariOfInstallation(uuid: string): string {
  return `ari:cloud:ecosystem::installation/${uuid}`;
}

/** `ari:cloud:jira::site/<cloudId>`: the `context` of lifecycle and product events. */
export function ariOfSite(cloudId: string): string {
  return `ari:cloud:jira::site/${cloudId}`;
}

/** The uuid at the end of an ARI (`…/<uuid>`). */
export function uuidOfAri(ari: string): string {
  return ari.slice(ari.lastIndexOf('/') + 1);
}
