import { createCsvStream } from './csv-stream.js';
import { detailColumns, type DetailExportRow } from './detail-columns.js';
import { writeDetailSheets } from './details-xlsx.js';
import { assertExportFormat, EXPORT_CONTENT_TYPES, type ExportFile, type ExportFormat } from './export-file.js';
import { createXlsxStream } from './xlsx-stream.js';
import { createZonedWallTime } from './zoned-wall-time.js';

export type { DetailExportRow } from './detail-columns.js';

/** Options of {@link exportDetails}. */
export interface DetailsExportOptions {
  format: ExportFormat;
  /** The report's IANA zone (or `UTC`): `Started` is shown as wall time in it. */
  timeZone: string;
  /** XLSX "created" property; without it exceljs stamps the current time. */
  createdAtMs?: number;
}

/**
 * The details of a report as a streamed CSV or XLSX file: a header row, then one row per worklog
 * in the order `rows` yields them (work date, start in the report's zone, user, account id,
 * project, issue, issue summary, hours, seconds, comment, worklog id). CSV: hours with two
 * decimals, the start as `YYYY-MM-DD HH:mm:ss`, text guarded against formula injection. XLSX:
 * dates and date-times as Excel serials (wall time in the zone), exact hours shown as `0.00`,
 * text verbatim except line breaks as LF.
 *
 * Bounded memory whatever the row count: batches are pulled from `rows` only as the body is read
 * (CSV: at most two batches beyond what the reader has; XLSX: the few batches that fill the zip
 * pipeline's fixed buffers), and cancelling the body calls `return()` on its iterator.
 * Throws `REQUEST_INVALID` at once for an unknown format or time zone; a failing `rows` errors
 * the body. XLSX: more than 1,048,575 worklogs continue on sheets `Worklogs (2)`, ….
 */
export function exportDetails(rows: AsyncIterable<readonly DetailExportRow[]>, options: DetailsExportOptions): ExportFile {
  assertExportFormat(options.format);
  const columns = detailColumns(createZonedWallTime(options.timeZone));
  const body =
    options.format === 'csv'
      ? createCsvStream(
          columns.map((column) => column.header),
          rows,
          (row: DetailExportRow) => columns.map((column) => column.csv(row)),
        )
      : createXlsxStream((book, flow) => writeDetailSheets(book, flow, rows, columns), { createdAtMs: options.createdAtMs });
  return { contentType: EXPORT_CONTENT_TYPES[options.format], fileExtension: options.format, body };
}
