import type ExcelJS from 'exceljs';
import { XLSX_STYLES } from './xlsx-cells.js';

/** A column of an exported table: header text and XLSX width (in characters of the default font). */
export interface TableColumn {
  header: string;
  widthChars: number;
}

/** One XLSX cell to write: a null value leaves the cell empty. */
export interface XlsxCell {
  value: ExcelJS.CellValue;
  style: Partial<ExcelJS.Style>;
}

/**
 * Adds a sheet to a streaming workbook with column widths, a bold header row (committed), the
 * header frozen and filter buttons on it. Views, columns and sheet properties must all be set
 * before the first row is committed: the streaming writer has written them out by then.
 */
export function addTableSheet(
  book: ExcelJS.stream.xlsx.WorkbookWriter,
  name: string,
  columns: readonly TableColumn[],
  properties: Partial<ExcelJS.WorksheetProperties> = {},
): ExcelJS.Worksheet {
  const sheet = book.addWorksheet(name, { views: [{ state: 'frozen', xSplit: 0, ySplit: 1 }], properties });
  sheet.columns = columns.map((column) => ({ width: column.widthChars }));
  sheet.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: columns.length } };
  commitRow(
    sheet,
    columns.map((column) => ({ value: column.header, style: XLSX_STYLES.header })),
  );
  return sheet;
}

/** Appends one row of cells to a streaming sheet and commits it (it leaves memory then). */
export function commitRow(sheet: ExcelJS.Worksheet, cells: readonly XlsxCell[], outlineLevel = 0): void {
  const row = sheet.addRow(cells.map((cell) => cell.value));
  cells.forEach((cell, index) => {
    if (cell.value !== null) row.getCell(index + 1).style = cell.style;
  });
  if (outlineLevel > 0) row.outlineLevel = outlineLevel;
  row.commit();
}
