import { randomUUID } from 'node:crypto';

/** The app and site a FIT speaks for. */
export interface FitSubject {
  appId: string;
  appVersion: string;
  environmentId: string;
  /** ARI form, `ari:cloud:ecosystem::installation/<uuid>`. */
  installationId: string;
  cloudId: string;
  apiBaseUrl: string;
}

/** Who is invoking: a trigger/event endpoint, or a Custom UI module on behalf of a user. */
export type FitInvocation =
  | { kind: 'endpoint'; endpointKey: string }
  | { kind: 'ui'; moduleType: string; moduleKey: string; localId: string; siteUrl: string; accountId: string };

/** The FIT issuer (`remote/essentials`). */
export const FIT_ISSUER = 'forge/invocation-token';

/**
 * The claims of a Forge Invocation Token as `remote/essentials` lists them (§3.3): `app.*` always,
 * `context` and `principal` for frontend invocations only ("When invoked from a backend function,
 * no context is currently provided"). Times in seconds from `nowMs`. Pure apart from `jti`.
 */
export function buildFitClaims(subject: FitSubject, invocation: FitInvocation, nowMs: number, fitTtlMs: number): Record<string, unknown> {
  const iat = Math.floor(nowMs / 1000);
  const claims: Record<string, unknown> = {
    iss: FIT_ISSUER,
    aud: subject.appId,
    iat,
    nbf: iat,
    exp: iat + Math.ceil(fitTtlMs / 1000),
    jti: randomUUID(),
    app: {
      id: subject.appId,
      appVersion: subject.appVersion,
      environment: { type: 'PRODUCTION', id: subject.environmentId },
      installationId: subject.installationId,
      apiBaseUrl: subject.apiBaseUrl,
      installation: {
        id: subject.installationId,
        contexts: [{ name: 'jira', apiBaseUrl: subject.apiBaseUrl, cloudId: subject.cloudId }],
      },
      module: invocation.kind === 'endpoint' ? { type: 'core:endpoint', key: invocation.endpointKey } : { type: invocation.moduleType, key: invocation.moduleKey },
    },
  };
  if (invocation.kind === 'ui') {
    claims.context = { cloudId: subject.cloudId, siteUrl: invocation.siteUrl, moduleKey: invocation.moduleKey, localId: invocation.localId };
    claims.principal = invocation.accountId;
  }
  return claims;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * `base` with `overrides` merged in, recursively for plain objects; arrays and other values
 * replace, and an `undefined` value removes the claim. Pure: neither input changes.
 */
export function mergeClaims(base: Record<string, unknown>, overrides: Record<string, unknown>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) delete merged[key];
    else if (isPlainObject(value) && isPlainObject(merged[key])) merged[key] = mergeClaims(merged[key], value);
    else merged[key] = value;
  }
  return merged;
}
