/**
 * A stored comment as plain text for display and export. v3 comments are Atlassian Document
 * Format JSON; v2 comments (and anything that is not an ADF document) are already text. Pure.
 */

interface AdfNode {
  type?: unknown;
  text?: unknown;
  attrs?: { text?: unknown; shortName?: unknown; url?: unknown } | undefined;
  content?: unknown;
}

/** Block nodes end a line. */
const BLOCKS = new Set(['paragraph', 'heading', 'blockquote', 'codeBlock', 'listItem', 'panel', 'rule', 'tableRow', 'mediaSingle', 'decisionItem', 'taskItem']);

function walk(node: AdfNode, out: string[]): void {
  switch (node.type) {
    case 'text':
      if (typeof node.text === 'string') out.push(node.text);
      return;
    case 'hardBreak':
      out.push('\n');
      return;
    case 'mention':
    case 'emoji':
    case 'date':
    case 'status': {
      const text = node.attrs?.text ?? node.attrs?.shortName;
      if (typeof text === 'string') out.push(text);
      return;
    }
    case 'inlineCard':
    case 'blockCard':
      if (typeof node.attrs?.url === 'string') out.push(node.attrs.url);
      return;
    default:
      break;
  }
  if (Array.isArray(node.content)) {
    for (const child of node.content) if (typeof child === 'object' && child !== null) walk(child as AdfNode, out);
  }
  if (typeof node.type === 'string' && BLOCKS.has(node.type)) out.push('\n');
}

/** The comment's text: ADF flattened (blocks on their own lines), or the stored text as it is. */
export function commentText(stored: string | null): string {
  if (stored === null || stored === '') return '';
  const trimmed = stored.trimStart();
  if (!trimmed.startsWith('{')) return stored;
  let doc: unknown;
  try {
    doc = JSON.parse(stored);
  } catch {
    return stored;
  }
  if (typeof doc !== 'object' || doc === null || (doc as AdfNode).type !== 'doc') return stored;
  const out: string[] = [];
  walk(doc as AdfNode, out);
  return out.join('').replace(/\n{3,}/g, '\n\n').trim();
}
