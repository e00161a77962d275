import type ExcelJS from 'exceljs';
import type { DetailColumn, DetailExportRow } from './detail-columns.js';
import { XLSX_MAX_ROWS_PER_SHEET } from './xlsx-cells.js';
import type { XlsxFlow } from './xlsx-stream.js';
import { addTableSheet, commitRow } from './xlsx-table-sheet.js';

/** Name of the details sheet; continuation sheets are `Worklogs (2)`, `Worklogs (3)`, … */
export const DETAILS_SHEET_NAME = 'Worklogs';

/**
 * Writes the details rows into sheets of at most `rowsPerSheet` worklogs each (Excel's limit by
 * default), each with the same header. Pulls the next batch from `rows` only once the pipeline has
 * room (see {@link XlsxFlow.waitForRoom}), so at most one batch is held in memory.
 */
export async function writeDetailSheets(
  book: ExcelJS.stream.xlsx.WorkbookWriter,
  flow: XlsxFlow,
  rows: AsyncIterable<readonly DetailExportRow[]>,
  columns: readonly DetailColumn[],
  rowsPerSheet = XLSX_MAX_ROWS_PER_SHEET - 1,
): Promise<void> {
  let sheetNumber = 1;
  let sheet = addTableSheet(book, DETAILS_SHEET_NAME, columns);
  let rowsInSheet = 0;
  for await (const batch of rows) {
    for (const row of batch) {
      if (rowsInSheet === rowsPerSheet) {
        sheet.commit();
        sheetNumber += 1;
        sheet = addTableSheet(book, `${DETAILS_SHEET_NAME} (${sheetNumber})`, columns);
        rowsInSheet = 0;
      }
      commitRow(
        sheet,
        columns.map((column) => column.xlsx(row)),
      );
      rowsInSheet += 1;
    }
    await flow.waitForRoom(sheet);
  }
  sheet.commit();
}
