/**
 * Atlassian Document Format, as far as worklog comments need it: v3 bodies carry ADF, v2 bodies
 * and webhooks carry plain text (jira-connect-protocol.md §1.4, §2).
 */
export interface AdfNode {
  type: string;
  text?: string;
  attrs?: Record<string, unknown>;
  marks?: { type: string; attrs?: Record<string, unknown> }[];
  content?: AdfNode[];
}

/** A top-level ADF document. */
export interface AdfDoc extends AdfNode {
  type: 'doc';
  version: 1;
  content: AdfNode[];
}

/** Wraps plain text into a document: one paragraph per line, as Jira's editor stores it. */
export function textToAdf(text: string): AdfDoc {
  return {
    type: 'doc',
    version: 1,
    content: text.split('\n').map((line) =>
      line === '' ? { type: 'paragraph', content: [] } : { type: 'paragraph', content: [{ type: 'text', text: line }] },
    ),
  };
}

/** Renders a document as plain text the way Jira's v2 API does (blocks separated by newlines). */
export function adfToText(node: AdfNode | undefined): string {
  if (!node) return '';
  if (node.type === 'text') return node.text ?? '';
  if (node.type === 'hardBreak') return '\n';
  if (node.type === 'mention') return String(node.attrs?.text ?? '');
  if (node.type === 'emoji') return String(node.attrs?.text ?? node.attrs?.shortName ?? '');
  const children = (node.content ?? []).map((child) => adfToText(child));
  const isBlockContainer = node.type === 'doc' || node.type === 'bulletList' || node.type === 'orderedList';
  return children.join(isBlockContainer ? '\n' : '');
}

/** True when `value` has the shape of an ADF document (what Jira's v3 write endpoints require). */
export function isAdfDoc(value: unknown): value is AdfDoc {
  if (typeof value !== 'object' || value === null) return false;
  const doc = value as Record<string, unknown>;
  return doc.type === 'doc' && doc.version === 1 && Array.isArray(doc.content) && isAdfContent(doc.content, 0);
}

function isAdfContent(nodes: unknown[], depth: number): boolean {
  if (depth > 32) return false;
  return nodes.every((node) => {
    if (typeof node !== 'object' || node === null) return false;
    const n = node as Record<string, unknown>;
    if (typeof n.type !== 'string') return false;
    if (n.text !== undefined && typeof n.text !== 'string') return false;
    return n.content === undefined || (Array.isArray(n.content) && isAdfContent(n.content, depth + 1));
  });
}
