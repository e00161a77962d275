import type { GroupDimension, ReportSummary } from '../report-model.js';
import type { CsvValue } from './csv-record.js';
import { createCsvStream } from './csv-stream.js';
import { assertExportFormat, EXPORT_CONTENT_TYPES, type ExportFile, type ExportFormat } from './export-file.js';
import { formatHours } from './export-hours.js';
import { summaryColumns } from './summary-columns.js';
import { assertSummaryShape, batchesOf, flattenSummary, GRAND_TOTAL_LABEL, partialTotalLabel, type SummaryExportRow, type SummaryLabels } from './summary-rows.js';
import { writeSummarySheet } from './summary-xlsx.js';
import { createXlsxStream } from './xlsx-stream.js';

export type { SummaryLabels } from './summary-rows.js';

/** Options of {@link exportSummary}. */
export interface SummaryExportOptions {
  format: ExportFormat;
  /** XLSX "created" property; without it exceljs stamps the current time. */
  createdAtMs?: number;
  /**
   * Set when the range starts before the complete range: the day (in the question's zone) from
   * which it is complete, or null when nothing is yet. The total row then says "Partial total".
   */
  partialFromDate?: string | null;
}

// Rows handed to the stream at a time; labels are computed as batches are pulled.
const SUMMARY_BATCH_ROWS = 1000;

/**
 * A grouped report as a streamed CSV or XLSX file. Columns: Level (1 for the outermost groups,
 * 0 for the grand total), one label column per entry of `dimensions` (each row repeats its
 * ancestors' labels), Hours (two decimals in CSV; exact numbers shown as `0.00` in XLSX),
 * Seconds, Worklogs. Rows run depth-first, each group before its children carrying its subtotal
 * as the engine computed it, and end with the grand total.
 *
 * Throws `REQUEST_INVALID` for an unknown format and `INTERNAL` when the tree does not follow
 * `dimensions`, both before any byte is produced.
 */
export function exportSummary(
  summary: ReportSummary,
  dimensions: readonly GroupDimension[],
  labels: SummaryLabels,
  options: SummaryExportOptions,
): ExportFile {
  assertExportFormat(options.format);
  assertSummaryShape(summary, dimensions);
  const columns = summaryColumns(dimensions);
  const batches = batchesOf(flattenSummary(summary, dimensions, labels, options.partialFromDate === undefined ? GRAND_TOTAL_LABEL : partialTotalLabel(options.partialFromDate)), SUMMARY_BATCH_ROWS);
  const body =
    options.format === 'csv'
      ? createCsvStream(
          columns.map((column) => column.header),
          batches,
          (row: SummaryExportRow): CsvValue[] => [
            row.level,
            ...dimensions.map((_, index) => row.path[index] ?? null),
            formatHours(row.seconds),
            row.seconds,
            row.worklogs,
          ],
        )
      : createXlsxStream((book, flow) => writeSummarySheet(book, flow, batches, columns, dimensions.length), { createdAtMs: options.createdAtMs });
  return { contentType: EXPORT_CONTENT_TYPES[options.format], fileExtension: options.format, body };
}
