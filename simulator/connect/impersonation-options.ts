/** How the simulated authorization server treats Connect user impersonation (ACT_AS_USER). */
export interface ImpersonationOptions {
  /** `expires_in` of an access token, in seconds; 900 as the brief of Tally's Connect edge expects. */
  tokenTtlSeconds: number;
  /**
   * The longest `exp - iat` an assertion may carry, in seconds. Atlassian documents `exp` at most
   * 60 s ahead (bitbucket-cloud.md §5.2); a third-party test saw > 120 s refused (unverified).
   */
  maxAssertionLifetimeSeconds: number;
  /** Clock skew tolerated on `iat` in the future, in seconds (Atlassian publishes none; unverified). */
  leewaySeconds: number;
}

/** The defaults: the documented 60 s assertion window and 15-minute tokens. */
export const defaultImpersonationOptions: Readonly<ImpersonationOptions> = Object.freeze({
  tokenTtlSeconds: 900,
  maxAssertionLifetimeSeconds: 60,
  leewaySeconds: 5,
});

/** Merges overrides over the defaults; RangeError for a non-positive lifetime. Pure. */
export function resolveImpersonationOptions(overrides: Partial<ImpersonationOptions> = {}): Readonly<ImpersonationOptions> {
  const options = { ...defaultImpersonationOptions, ...overrides };
  for (const [name, value] of Object.entries(options)) {
    if (!Number.isFinite(value) || value < 0 || (name !== 'leewaySeconds' && value === 0)) {
      throw new RangeError(`impersonation.${name} must be a positive number of seconds`);
    }
  }
  return Object.freeze(options);
}
