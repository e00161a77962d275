/**
 * What a path parameter is called, by the literal segment before it, with the test that tells a
 * parameter from a literal sub-resource (`/issue/bulkfetch` is an endpoint, `/issue/TAL-1` an
 * issue). Names follow the Jira REST v3 OpenAPI (`issueIdOrKey`, `projectIdOrKey`, `id`).
 */
const PARAMETER_AFTER: Record<string, { name: string; matches: (segment: string) => boolean }> = {
  issue: { name: '{issueIdOrKey}', matches: (s) => /^\d+$/.test(s) || /^[A-Za-z][A-Za-z0-9_]*-\d+$/.test(s) },
  project: { name: '{projectIdOrKey}', matches: (s) => /^\d+$/.test(s) || /^[A-Z][A-Z0-9_]*$/.test(s) },
  worklog: { name: '{id}', matches: (s) => /^\d+$/.test(s) },
  properties: { name: '{propertyKey}', matches: () => true },
};

/** Segments before this index name the API and its version (`rest`, `api`, `3`) and stay literal. */
const FIRST_PARAMETER_INDEX = 3;

/**
 * The endpoint template of a request path, e.g. `/rest/api/3/issue/TAL-7/worklog/10042` →
 * `/rest/api/3/issue/{issueIdOrKey}/worklog/{id}`. Rate limits and counters are kept per
 * template so every issue's worklog endpoint shares one burst bucket, as Jira's per-endpoint
 * limits do (jira-connect-protocol.md §3). Pure; any other numeric segment becomes `{id}`.
 */
export function endpointTemplate(pathname: string): string {
  const segments = pathname.split('/');
  // segments[0] is the empty string before the leading slash.
  return segments
    .map((segment, index) => {
      if (index <= FIRST_PARAMETER_INDEX || segment === '') return segment;
      const previous = segments[index - 1] ?? '';
      const rule = PARAMETER_AFTER[previous];
      if (rule?.matches(segment)) return rule.name;
      return /^\d+$/.test(segment) ? '{id}' : segment;
    })
    .join('/')
    .replace(/\/+$/, '') || '/';
}

/** The issue id or key a template-matched path names, if the path is under `/issue/{issueIdOrKey}`. */
export function findIssueSegment(pathname: string): string | undefined {
  const segments = pathname.split('/');
  const index = segments.indexOf('issue', FIRST_PARAMETER_INDEX);
  const candidate = index > 0 ? segments[index + 1] : undefined;
  return candidate !== undefined && PARAMETER_AFTER.issue?.matches(candidate) ? candidate : undefined;
}
