/**
 * Worklog comments as Jira's own UI writes them through REST v3: an ADF document with one
 * paragraph per line, an empty line an empty paragraph, text nodes without marks (what Jira's
 * editor stores for typed plain text; the simulator's `textToAdf` is the independent reference the
 * tests compare with). No comment at all when the text is empty, as Jira's dialog sends none.
 */

/** The ADF document Jira stores for a plain-text comment. */
export interface AdfCommentDoc {
  type: 'doc';
  version: 1;
  content: { type: 'paragraph'; content: { type: 'text'; text: string }[] }[];
}

/** `text` as an ADF document (line endings `\r\n` and `\r` count as `\n`); undefined when blank. */
export function commentToAdf(text: string): AdfCommentDoc | undefined {
  const normalised = text.replace(/\r\n?/g, '\n');
  if (normalised.trim() === '') return undefined;
  return {
    type: 'doc',
    version: 1,
    content: normalised.split('\n').map((line) => ({ type: 'paragraph' as const, content: line === '' ? [] : [{ type: 'text' as const, text: line }] })),
  };
}
