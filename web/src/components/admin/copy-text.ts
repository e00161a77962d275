/**
 * Copies a pairing code. The clipboard API is the way, but inside Jira's iframe it is often
 * refused (the host frame does not delegate `clipboard-write`), and older browsers lack it; then
 * the code's text is selected instead, so one Ctrl+C / ⌘C copies it.
 */

/** What happened: copied to the clipboard, or selected for the viewer to copy. */
export type CopyOutcome = 'copied' | 'selected';

/** The parts of the browser {@link copyText} uses (injectable for tests). */
export interface CopyEnvironment {
  clipboard: Pick<Clipboard, 'writeText'> | undefined;
  /** Selects the whole text of the element showing the code. */
  selectText(): void;
}

/** Copies `text`, or selects it when the clipboard refuses. Never rejects. */
export async function copyText(text: string, environment: CopyEnvironment): Promise<CopyOutcome> {
  if (environment.clipboard) {
    try {
      await environment.clipboard.writeText(text);
      return 'copied';
    } catch {
      // Refused (no permission in this frame, or the document lost focus): select instead.
    }
  }
  environment.selectText();
  return 'selected';
}

/** Selects all text inside `element` in its document's selection. */
export function selectElementText(element: Element): void {
  const doc = element.ownerDocument;
  const selection = doc.defaultView?.getSelection();
  if (!selection) return;
  const range = doc.createRange();
  range.selectNodeContents(element);
  selection.removeAllRanges();
  selection.addRange(range);
}
