/** How long an object URL lives after its download started (the browser reads it at once). */
const REVOKE_AFTER_MS = 60_000;

/**
 * Saves a blob as a file through an `<a download>` with an object URL. Works inside the Jira
 * iframe too: nothing leaves the page, and no window is opened.
 */
export function saveBlob(doc: Document, blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const link = doc.createElement('a');
  link.href = url;
  link.download = filename;
  link.rel = 'noopener';
  link.hidden = true;
  doc.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), REVOKE_AFTER_MS);
}
