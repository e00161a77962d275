import { z } from 'zod';
import type { BitbucketInstaller } from '../../bitbucket/bitbucket-installations.js';
import { AppError } from '../../platform/app-error.js';

/** Bitbucket's documented bound on a Connect shared secret (bitbucket-cloud.md §1.3). */
export const MAX_SHARED_SECRET_LENGTH = 128;

/**
 * The fields of a Bitbucket lifecycle body Tally reads (jira-connect-protocol.md §8). Everything
 * else — `principal`, the user's display name, any e-mail or phone number a payload may carry — is
 * accepted and dropped here: it never reaches a log, a table or a message.
 */
const userSchema = z.object({
  uuid: z.string().min(3).max(64),
  username: z.string().max(128).nullish(),
  nickname: z.string().max(128).nullish(),
  links: z.object({ avatar: z.object({ href: z.string().max(2048) }).nullish() }).nullish(),
});

const lifecycleSchema = z.object({
  key: z.string().min(1).max(80),
  eventType: z.enum(['installed', 'uninstalled']),
  clientKey: z.string().min(1).max(256),
  sharedSecret: z.string().min(1).max(MAX_SHARED_SECRET_LENGTH).optional(),
  baseUrl: z.string().min(1).max(200),
  baseApiUrl: z.string().min(1).max(200),
  productType: z.string().max(40),
  user: userSchema.optional(),
});

/** A parsed Bitbucket lifecycle body: only what Tally reads. */
export interface BitbucketLifecyclePayload {
  key: string;
  eventType: 'installed' | 'uninstalled';
  clientKey: string;
  sharedSecret: string | undefined;
  baseUrl: string;
  baseApiUrl: string;
  productType: string;
  /** The installing user: UUID, username (or nickname), avatar URL — nothing else. */
  installer: BitbucketInstaller | undefined;
}

function installerOf(user: z.infer<typeof userSchema> | undefined): BitbucketInstaller | undefined {
  if (!user) return undefined;
  return { uuid: user.uuid, username: user.username ?? user.nickname ?? null, avatarUrl: user.links?.avatar?.href ?? null };
}

/**
 * Parses a lifecycle body; 400 `REQUEST_INVALID` naming the bad fields (never their values)
 * otherwise, or when the event is not the route's.
 */
export function parseBitbucketLifecyclePayload(raw: unknown, expectedEvent: BitbucketLifecyclePayload['eventType']): BitbucketLifecyclePayload {
  const parsed = lifecycleSchema.safeParse(raw);
  if (!parsed.success) {
    const fields = [...new Set(parsed.error.issues.map((issue) => issue.path.join('.') || '(body)'))];
    throw new AppError('REQUEST_INVALID', `Invalid lifecycle payload: ${fields.join(', ')}`);
  }
  const data = parsed.data;
  if (data.eventType !== expectedEvent) throw new AppError('REQUEST_INVALID', `Expected eventType ${expectedEvent}, got ${data.eventType}`);
  return {
    key: data.key,
    eventType: data.eventType,
    clientKey: data.clientKey,
    sharedSecret: data.sharedSecret,
    baseUrl: data.baseUrl,
    baseApiUrl: data.baseApiUrl,
    productType: data.productType,
    installer: installerOf(data.user),
  };
}
