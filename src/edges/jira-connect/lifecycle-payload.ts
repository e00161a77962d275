import { z } from 'zod';
import { AppError } from '../../platform/app-error.js';

/**
 * The fields of a Jira lifecycle body Tally relies on (jira-connect-protocol.md §4.6). Other
 * fields (entitlements, `displayUrl`, the deprecated `publicKey`) are accepted and ignored.
 */
const lifecycleSchema = z.object({
  key: z.string().min(1).max(80),
  clientKey: z.string().min(1).max(256),
  baseUrl: z.string().min(1).max(200),
  productType: z.string().max(40).optional(),
  eventType: z.enum(['installed', 'uninstalled', 'enabled', 'disabled']),
  sharedSecret: z.string().min(16).max(512).optional(),
  // The OAuth 2.0 client id for user impersonation (jira-connect-protocol.md §4.6); Jira sends it on `installed`.
  oauthClientId: z.string().min(1).max(256).optional(),
});

/** A parsed lifecycle body. */
export type LifecyclePayload = z.infer<typeof lifecycleSchema>;

/** Parses a lifecycle body; a 400 `REQUEST_INVALID` naming the bad fields otherwise. */
export function parseLifecyclePayload(raw: unknown, expectedEvent: LifecyclePayload['eventType']): LifecyclePayload {
  const parsed = lifecycleSchema.safeParse(raw);
  if (!parsed.success) {
    const fields = [...new Set(parsed.error.issues.map((issue) => issue.path.join('.') || '(body)'))];
    throw new AppError('REQUEST_INVALID', `Invalid lifecycle payload: ${fields.join(', ')}`);
  }
  if (parsed.data.eventType !== expectedEvent) {
    throw new AppError('REQUEST_INVALID', `Expected eventType ${expectedEvent}, got ${parsed.data.eventType}`);
  }
  return parsed.data;
}
