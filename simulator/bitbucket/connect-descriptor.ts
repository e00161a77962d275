/**
 * What the simulated Bitbucket reads from a Connect app descriptor (bitbucket-cloud.md §1.1,
 * jira-connect-protocol.md §8): the key, `baseUrl`, lifecycle paths, declared scopes and modules.
 */
export interface BbDescriptor {
  key: string;
  baseUrl: string;
  lifecycle: { installed: string; uninstalled?: string };
  /** Declared scopes; undefined when the descriptor has no `scopes` (Bitbucket then grants all). */
  scopes: readonly string[] | undefined;
  /** `modules` as written (`webPanels`, `repoPages`, `configurePage`, `webhooks`, …). */
  modules: Record<string, unknown>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The minimum Bitbucket needs: `key`, a parseable `baseUrl`, `authentication.type: jwt`, `lifecycle.installed`. */
export function parseBitbucketDescriptor(value: unknown): { ok: true; descriptor: BbDescriptor } | { ok: false; reason: string } {
  if (!isRecord(value)) return { ok: false, reason: 'descriptor is not an object' };
  const { key, baseUrl, authentication, lifecycle, scopes, modules } = value;
  if (typeof key !== 'string' || !/^[a-zA-Z0-9-._]+$/.test(key)) return { ok: false, reason: 'descriptor key missing or invalid' };
  if (typeof baseUrl !== 'string' || !URL.canParse(baseUrl)) return { ok: false, reason: 'descriptor baseUrl missing or invalid' };
  if (!isRecord(authentication) || authentication.type !== 'jwt') return { ok: false, reason: 'descriptor authentication.type is not jwt' };
  if (!isRecord(lifecycle) || typeof lifecycle.installed !== 'string') return { ok: false, reason: 'descriptor declares no lifecycle.installed' };
  if (scopes !== undefined && !(Array.isArray(scopes) && scopes.every((s) => typeof s === 'string'))) return { ok: false, reason: 'descriptor scopes must be a list of strings' };
  const uninstalled = typeof lifecycle.uninstalled === 'string' ? lifecycle.uninstalled : undefined;
  return {
    ok: true,
    descriptor: {
      key,
      baseUrl,
      lifecycle: { installed: lifecycle.installed, ...(uninstalled ? { uninstalled } : {}) },
      scopes: scopes as string[] | undefined,
      modules: isRecord(modules) ? modules : {},
    },
  };
}

/** A descriptor URL (absolute, or relative to the app's baseUrl, keeping the baseUrl's path) as an absolute URL. */
export function appUrl(baseUrl: string, path: string): string {
  if (/^https?:\/\//i.test(path)) return path;
  return `${baseUrl.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}

/**
 * Whether the descriptor grants `needed`. No `scopes` means all (§1.1); `x:write`/`x:admin`
 * include `x`; `pullrequest` includes `repository` (on the destination repository, §1.1).
 */
export function grantsScope(descriptor: BbDescriptor, needed: string): boolean {
  if (descriptor.scopes === undefined) return true;
  return descriptor.scopes.some((scope) => scope === needed || scope.startsWith(`${needed}:`) || (needed === 'repository' && scope.split(':')[0] === 'pullrequest'));
}

/** A module with a `url` found by key in any module list (or single module such as `configurePage`). */
export function findModuleUrl(descriptor: BbDescriptor, moduleKey: string): string | undefined {
  for (const entry of Object.values(descriptor.modules)) {
    const candidates = Array.isArray(entry) ? entry : [entry];
    for (const module of candidates) {
      if (isRecord(module) && module.key === moduleKey && typeof module.url === 'string') return module.url;
    }
  }
  return undefined;
}

/** The `modules.webhooks` entries subscribed to `event` (exactly, or with `*`). */
export function webhooksFor(descriptor: BbDescriptor, event: string): { event: string; url: string }[] {
  const hooks = descriptor.modules.webhooks;
  if (!Array.isArray(hooks)) return [];
  return hooks.filter((h): h is { event: string; url: string } => isRecord(h) && typeof h.url === 'string' && (h.event === event || h.event === '*'));
}
