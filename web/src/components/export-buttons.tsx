import { useState } from 'react';
import type { ExportFormat, ExportKind, ReportQuestion } from '../api/api-types.js';
import type { TallyApi } from '../api/tally-api.js';
import { saveBlob } from '../report/save-blob.js';

const EXPORTS: readonly { kind: ExportKind; format: ExportFormat; label: string }[] = [
  { kind: 'summary', format: 'csv', label: 'Summary CSV' },
  { kind: 'summary', format: 'xlsx', label: 'Summary XLSX' },
  { kind: 'details', format: 'csv', label: 'Details CSV' },
  { kind: 'details', format: 'xlsx', label: 'Details XLSX' },
];

/**
 * Export buttons: each POSTs the current question with the page's token (a plain link could not
 * carry the token) and saves the streamed file. Errors show the API's message. While one export
 * runs the buttons are `aria-disabled` rather than `disabled`: a disabled button loses the focus,
 * which would drop a keyboard user at the top of the page; this way the focus stays on the button
 * they pressed, and the message beside it is announced.
 */
export function ExportButtons({ api, question }: { api: TallyApi; question: ReportQuestion | null }) {
  const [busy, setBusy] = useState<string | undefined>();
  const [message, setMessage] = useState<{ kind: 'done' | 'error'; text: string } | undefined>();
  const run = async (kind: ExportKind, format: ExportFormat) => {
    if (!question || busy !== undefined) return;
    const id = `${kind}-${format}`;
    setBusy(id);
    setMessage(undefined);
    try {
      const file = await api.exportFile(question, kind, format);
      saveBlob(document, file.blob, file.filename);
      setMessage({ kind: 'done', text: `Downloaded ${file.filename}` });
    } catch (error) {
      setMessage({ kind: 'error', text: `Export failed: ${error instanceof Error ? error.message : String(error)}` });
    } finally {
      setBusy(undefined);
    }
  };
  return (
    <div className="export" role="group" aria-label="Export">
      <span className="export-label" aria-hidden="true">
        Export
      </span>
      {EXPORTS.map(({ kind, format, label }) => (
        <button key={label} type="button" className="button" data-testid={`export-${kind}-${format}`} disabled={!question} aria-disabled={busy !== undefined} aria-busy={busy === `${kind}-${format}`} onClick={() => void run(kind, format)}>
          {busy === `${kind}-${format}` ? 'Exporting…' : label}
        </button>
      ))}
      <span className={message?.kind === 'error' ? 'export-message error' : 'export-message'} role={message?.kind === 'error' ? 'alert' : 'status'} data-testid="export-message">
        {message?.text ?? ''}
      </span>
    </div>
  );
}
