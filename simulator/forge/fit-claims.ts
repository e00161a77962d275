import { randomUUID } from 'node:crypto';

/** The app and installation every FIT speaks for, whichever product installed the app. */
export interface FitApp {
  appId: string;
  appVersion: string;
  environmentId: string;
  /** ARI form, `ari:cloud:ecosystem::installation/<uuid>`. */
  installationId: string;
  apiBaseUrl: string;
}

/** The app and site a Jira FIT speaks for. */
export interface FitSubject extends FitApp {
  cloudId: string;
}

/** Who is invoking: a trigger/event endpoint, or a Custom UI module on behalf of a user. */
export type FitInvocation =
  | { kind: 'endpoint'; endpointKey: string }
  | { kind: 'ui'; moduleType: string; moduleKey: string; localId: string; siteUrl: string; accountId: string };

/** The FIT issuer (`remote/essentials`). */
export const FIT_ISSUER = 'forge/invocation-token';

/** `app.module.type` of a trigger, event or lifecycle endpoint (`remote/essentials`). */
export const ENDPOINT_MODULE_TYPE = 'core:endpoint';

/**
 * The claims every FIT carries, for Jira and Bitbucket alike (`remote/essentials`, §3.3): the
 * envelope (`iss`, `aud` = the app's ARI, times in seconds from `nowMs`, a fresh `jti`) and
 * `app.*`, whose `installation.contexts` holds the one product `context` given. The product adds
 * its `context` and `principal`. Pure apart from `jti`.
 */
export function buildFitEnvelope(
  app: FitApp,
  installationContext: Record<string, unknown>,
  module: { type: string; key: string },
  nowMs: number,
  fitTtlMs: number,
): Record<string, unknown> {
  const iat = Math.floor(nowMs / 1000);
  return {
    iss: FIT_ISSUER,
    aud: app.appId,
    iat,
    nbf: iat,
    exp: iat + Math.ceil(fitTtlMs / 1000),
    jti: randomUUID(),
    app: {
      id: app.appId,
      appVersion: app.appVersion,
      environment: { type: 'PRODUCTION', id: app.environmentId },
      installationId: app.installationId,
      apiBaseUrl: app.apiBaseUrl,
      installation: { id: app.installationId, contexts: [installationContext] },
      module,
    },
  };
}

/**
 * The claims of a Jira Forge Invocation Token as `remote/essentials` lists them (§3.3): `app.*`
 * always, `context` and `principal` for frontend invocations only ("When invoked from a backend
 * function, no context is currently provided"). Times in seconds from `nowMs`. Pure apart from `jti`.
 */
export function buildFitClaims(subject: FitSubject, invocation: FitInvocation, nowMs: number, fitTtlMs: number): Record<string, unknown> {
  const module = invocation.kind === 'endpoint' ? { type: ENDPOINT_MODULE_TYPE, key: invocation.endpointKey } : { type: invocation.moduleType, key: invocation.moduleKey };
  const claims = buildFitEnvelope(subject, { name: 'jira', apiBaseUrl: subject.apiBaseUrl, cloudId: subject.cloudId }, module, nowMs, fitTtlMs);
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
