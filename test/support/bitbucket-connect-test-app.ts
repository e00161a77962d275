/**
 * The descriptor of the small Connect app the Bitbucket simulator's Connect tests install: the
 * fields every Bitbucket Connect descriptor carries (bitbucket-cloud.md §1.1), `account` and
 * `pullrequest` scopes, and its lifecycle at `/bb/installed` and `/bb/uninstalled` relative to
 * `baseUrl`. `more` adds or replaces top-level fields (`modules`, `scopes`). A fresh object per call.
 */
export function testAppDescriptor(baseUrl: string, more: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    key: 'tally-bb',
    name: 'Tally',
    description: 'Time on pull requests',
    baseUrl,
    authentication: { type: 'jwt' },
    contexts: ['account'],
    scopes: ['account', 'pullrequest'],
    lifecycle: { installed: '/bb/installed', uninstalled: '/bb/uninstalled' },
    ...more,
  };
}
