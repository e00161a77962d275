/*
 * What every Forge remote reads the same way in a body Forge delivers, whichever product's app it
 * is (forge-migration.md §4, §5): the envelope — flat in the installation example, nested in
 * `payload` beside `retryContext` in the retry example (unverified which) — and the lifecycle
 * events. What a body names (site, workspace) is the product's edge's to check.
 */

/** A JSON object as a delivery body holds it, not yet read. */
export type JsonObject = Record<string, unknown>;

/** Whether `value` is a JSON object (not null, not an array). */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The event inside a delivery: `body.payload` when Forge nested it, the body itself otherwise; `{}` for a non-object. */
export function unwrapDelivery(body: unknown): JsonObject {
  if (!isJsonObject(body)) return {};
  return isJsonObject(body.payload) ? body.payload : body;
}

/** The Forge lifecycle events Tally registers an installation on. */
export const LIFECYCLE_EVENTS = ['avi:forge:installed:app', 'avi:forge:upgraded:app'] as const;
export type LifecycleEvent = (typeof LIFECYCLE_EVENTS)[number];

/** The lifecycle event type of a delivery, or undefined for one Tally does not act on. */
export function lifecycleEventOf(event: JsonObject): LifecycleEvent | undefined {
  return (LIFECYCLE_EVENTS as readonly unknown[]).includes(event.eventType) ? (event.eventType as LifecycleEvent) : undefined;
}
