/**
 * How report filters name issues and projects, read tolerantly: blanks around values are
 * ignored, keys are case-insensitive (Jira upper-cases them), and a value that cannot be an id
 * or a key is dropped — it could not match anything in Jira either.
 */

/** An issue key (`ABC-12`) or id (`10012`), upper-cased; undefined when it can be neither. */
export function normalizeIssueRef(value: string): string | undefined {
  const text = value.trim().toUpperCase();
  if (/^\d{1,16}$/.test(text)) return Number.isSafeInteger(Number(text)) ? String(Number(text)) : undefined;
  return /^[A-Z][A-Z0-9_]*-\d{1,16}$/.test(text) ? text : undefined;
}

/** Project ids and keys of a filter, each upper-cased, de-duplicated and sorted. */
export function normalizeProjectRefs(values: readonly string[]): { ids: string[]; keys: string[] } {
  const ids = new Set<string>();
  const keys = new Set<string>();
  for (const value of values) {
    const text = value.trim().toUpperCase();
    if (/^\d{1,16}$/.test(text) && Number.isSafeInteger(Number(text))) ids.add(String(Number(text)));
    else if (/^[A-Z][A-Z0-9_]*$/.test(text)) keys.add(text);
  }
  return { ids: [...ids].sort(), keys: [...keys].sort() };
}

/** Issue refs of a filter: normalized, de-duplicated and sorted (a stable cache key). */
export function normalizeIssueRefs(values: readonly string[]): string[] {
  const refs = new Set<string>();
  for (const value of values) {
    const ref = normalizeIssueRef(value);
    if (ref !== undefined) refs.add(ref);
  }
  return [...refs].sort();
}
