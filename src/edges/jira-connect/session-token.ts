import { signSymmetricToken } from '../kit/atlassian-jwt.js';
import { CONTEXT_QSH } from '../kit/qsh.js';

/** How long a session token lives: as long as Jira's own context tokens (about 15 minutes). */
export const SESSION_TOKEN_SECONDS = 15 * 60;

/** What a session token is minted from: a request that was just authenticated. */
export interface SessionTokenInput {
  clientKey: string;
  sharedSecret: string;
  accountId: string | undefined;
  nowSeconds: number;
}

/**
 * A context-class token for Tally's own page when it runs outside Jira (the demo) or between
 * `AP.context.getToken()` calls: HS256 with the tenant's shared secret, `iss` = client key,
 * `sub` = the verified user, `qsh` = `context-qsh` — the same pattern as Atlassian's ACE
 * framework (its `X-acpt` tokens). It is minted only from a token Tally has just verified, so it
 * proves nothing that request did not; it carries the same tenant and user and nothing else.
 */
export function mintSessionToken(input: SessionTokenInput): string {
  return signSymmetricToken({
    secret: input.sharedSecret,
    claims: {
      iss: input.clientKey,
      ...(input.accountId ? { sub: input.accountId } : {}),
      qsh: CONTEXT_QSH,
      iat: input.nowSeconds,
      exp: input.nowSeconds + SESSION_TOKEN_SECONDS,
    },
  });
}
