import type ExcelJS from 'exceljs';
import { secondsToHours } from './export-hours.js';
import type { SummaryExportRow } from './summary-rows.js';
import { fitXlsxText, XLSX_STYLES } from './xlsx-cells.js';
import type { XlsxFlow } from './xlsx-stream.js';
import { addTableSheet, commitRow, type TableColumn, type XlsxCell } from './xlsx-table-sheet.js';

/** Name of the summary sheet. */
export const SUMMARY_SHEET_NAME = 'Summary';

// Subtotal rows (groups with children, and the grand total) in bold; ancestors' labels repeated
// in grey so each row reads on its own (filters, pivots) while its own label stands out.
const STYLES = {
  label: XLSX_STYLES.text,
  ancestorLabel: { font: { color: { argb: 'FF808080' } } },
  subtotalLabel: { font: { bold: true } },
  subtotalHours: { numFmt: '0.00', font: { bold: true } },
  subtotalInteger: { numFmt: '0', font: { bold: true } },
} satisfies Record<string, Partial<ExcelJS.Style>>;

/**
 * Writes the flattened summary to one sheet: Level, `labelColumns` label columns (one per grouping level), hours
 * (numbers shown as `0.00`), seconds, worklogs. Each group row has outline level `level - 1`
 * with the summary row above its details, so Excel's outline buttons fold a group's children
 * under it; the grand total closes the sheet.
 */
export async function writeSummarySheet(
  book: ExcelJS.stream.xlsx.WorkbookWriter,
  flow: XlsxFlow,
  batches: AsyncIterable<readonly SummaryExportRow[]>,
  columns: readonly TableColumn[],
  labelColumns: number,
): Promise<void> {
  const sheet = addTableSheet(book, SUMMARY_SHEET_NAME, columns, {
    outlineLevelRow: Math.max(0, labelColumns - 1),
    outlineProperties: { summaryBelow: false, summaryRight: false },
  });
  for await (const batch of batches) {
    for (const row of batch) {
      const subtotal = row.hasChildren;
      const labels: XlsxCell[] = [];
      for (let index = 0; index < labelColumns; index += 1) {
        const label = row.path[index];
        const own = index === row.path.length - 1;
        const style = own ? (subtotal ? STYLES.subtotalLabel : STYLES.label) : STYLES.ancestorLabel;
        labels.push({ value: label === undefined ? null : fitXlsxText(label), style });
      }
      const cells: XlsxCell[] = [
        { value: row.level, style: subtotal ? STYLES.subtotalInteger : XLSX_STYLES.integer },
        ...labels,
        { value: secondsToHours(row.seconds), style: subtotal ? STYLES.subtotalHours : XLSX_STYLES.hours },
        { value: row.seconds, style: subtotal ? STYLES.subtotalInteger : XLSX_STYLES.integer },
        { value: row.worklogs, style: subtotal ? STYLES.subtotalInteger : XLSX_STYLES.integer },
      ];
      commitRow(sheet, cells, Math.max(0, row.level - 1));
    }
    await flow.waitForRoom(sheet);
  }
  sheet.commit();
}
