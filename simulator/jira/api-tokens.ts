import { randomBytes } from 'node:crypto';

/** `classic`: the user's full permissions, site URL only. `scoped`: its scopes, gateway only. */
export type ApiTokenKind = 'classic' | 'scoped';

/** An Atlassian-account API token as the site keeps it (self-hosted-site.md §1). */
export interface SimApiToken {
  /** The secret itself; the only thing a client ever sends. */
  readonly token: string;
  readonly accountId: string;
  readonly kind: ApiTokenKind;
  /** Scopes of a scoped token (classic names such as `read:jira-work`, or granular ones); empty for classic. */
  readonly scopes: readonly string[];
  readonly createdAtMs: number;
  /** When it stops working (site clock). */
  readonly expiresAtMs: number;
  /** Set by a revocation (the owner, or an org admin "without notice", §1.5). */
  revokedAtMs?: number;
}

/** What {@link ApiTokenStore.create} takes. */
export interface CreateApiTokenInput {
  accountId: string;
  kind: ApiTokenKind;
  /** Required (at least one) for `scoped`; not allowed for `classic`. */
  scopes?: readonly string[];
  /** Default one year after creation; at most one year ("1 to 365 days", §1.5). */
  expiresAtMs?: number;
}

const DAY_MS = 86_400_000;
/** "new tokens expire after 1 year by default … One year is the hard maximum" (§1.5). */
export const MAX_API_TOKEN_LIFETIME_MS = 365 * DAY_MS;
const SCOPE = /^(read|write|delete|manage):[a-z0-9.:-]+$/;

/**
 * API tokens of one site. Token strings carry no marker of their kind and vary in length
 * (§1.1–1.2: "never assume a fixed length"), as Atlassian's do. Validates on create (RangeError).
 */
export class ApiTokenStore {
  private readonly tokens = new Map<string, SimApiToken>();

  constructor(private readonly nowMs: () => number) {}

  /** Creates a token and returns it; the string is the only handle a client gets. */
  create(input: CreateApiTokenInput): SimApiToken {
    const now = this.nowMs();
    const scopes = [...(input.scopes ?? [])];
    if (input.kind === 'classic' && scopes.length > 0) throw new RangeError('a classic API token carries no scopes');
    if (input.kind === 'scoped' && scopes.length === 0) throw new RangeError('a scoped API token needs at least one scope');
    for (const scope of scopes) if (!SCOPE.test(scope)) throw new RangeError(`not a Jira scope: ${scope}`);
    const expiresAtMs = input.expiresAtMs ?? now + MAX_API_TOKEN_LIFETIME_MS;
    if (!(expiresAtMs > now && expiresAtMs <= now + MAX_API_TOKEN_LIFETIME_MS)) {
      throw new RangeError('an API token expires between now and one year from now');
    }
    // 24–40 random bytes: lengths differ from token to token.
    const length = 24 + (randomBytes(1)[0] as number) % 17;
    const token: SimApiToken = {
      token: `ATATT3x${randomBytes(length).toString('base64url')}`,
      accountId: input.accountId,
      kind: input.kind,
      scopes: Object.freeze(scopes),
      createdAtMs: now,
      expiresAtMs,
    };
    this.tokens.set(token.token, token);
    return token;
  }

  /** Revokes a token from now on; false when it is unknown. Idempotent. */
  revoke(token: string): boolean {
    const found = this.tokens.get(token);
    if (!found) return false;
    found.revokedAtMs ??= this.nowMs();
    return true;
  }

  /** The token record, revoked or expired ones included. */
  find(token: string): SimApiToken | undefined {
    return this.tokens.get(token);
  }

  /** Tokens of one account (or all), oldest first. */
  list(accountId?: string): SimApiToken[] {
    return [...this.tokens.values()].filter((t) => accountId === undefined || t.accountId === accountId);
  }
}
