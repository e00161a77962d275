import { AppError } from '../../platform/app-error.js';

/** The file formats a report can be exported to. */
export const EXPORT_FORMATS = ['csv', 'xlsx'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/**
 * A streamed export, ready for `new Response(body, { headers: { 'content-type': contentType } })`.
 * The body pulls its input only as it is read, and cancelling it stops the input.
 */
export interface ExportFile {
  contentType: string;
  /** Without the dot: `csv` or `xlsx`. */
  fileExtension: ExportFormat;
  body: ReadableStream<Uint8Array>;
}

/** Media types by format (text/csv: RFC 4180 §3; XLSX: the ECMA-376 SpreadsheetML type). */
export const EXPORT_CONTENT_TYPES: Readonly<Record<ExportFormat, string>> = {
  // The charset parameter is part of text/csv (RFC 4180 §3); the body also starts with a BOM.
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

/** Bytes the export bodies keep queued for a slow reader before they stop pulling input. */
export const EXPORT_QUEUE_BYTES = 64 * 1024;

/** Throws `REQUEST_INVALID` unless `format` is an {@link ExportFormat} (the value may come from a client). */
export function assertExportFormat(format: string): asserts format is ExportFormat {
  if (!(EXPORT_FORMATS as readonly string[]).includes(format)) {
    throw new AppError('REQUEST_INVALID', `Export format must be one of ${EXPORT_FORMATS.join(', ')}`);
  }
}
