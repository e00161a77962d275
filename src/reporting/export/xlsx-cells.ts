import type ExcelJS from 'exceljs';

/** Excel's row limit per sheet (ECMA-376 / Excel specifications and limits), header included. */
export const XLSX_MAX_ROWS_PER_SHEET = 1_048_576;

// Excel refuses to open a file with a cell longer than this ("Excel specifications and limits").
const XLSX_MAX_CELL_CHARS = 32_767;

/**
 * Text as an XLSX cell holds it: verbatim (string cells are never evaluated, so no formula
 * guard is needed) except that line breaks become LF, cut to Excel's 32,767-character cell
 * limit with a trailing `…`, never splitting a surrogate pair.
 */
export function fitXlsxText(raw: string): string {
  // XML readers fold CR and CRLF into LF anyway (XML 1.0 §2.11), and LF is the line break Excel
  // itself stores in a cell (Alt+Enter); doing it here makes the result deliberate.
  const text = raw.includes('\r') ? raw.replace(/\r\n?/g, '\n') : raw;
  if (text.length <= XLSX_MAX_CELL_CHARS) return text;
  let end = XLSX_MAX_CELL_CHARS - 1;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}…`;
}

/** Date of a `YYYY-MM-DD` key as a spreadsheet date (UTC midnight), or undefined. */
export function dateKeyToXlsx(key: string): Date | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(key);
  if (match === null) return undefined;
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  return date.getUTCDate() === Number(match[3]) ? date : undefined;
}

// exceljs caches a style by object identity (a WeakMap in its StylesXform), so every cell of a
// kind shares one style object: a fresh `{}` per cell costs a style lookup by XML each. Nothing
// mutates these (setting `cell.numFmt` would, so cells only ever get `cell.style = …`).
/** Shared cell styles of the exports. */
export const XLSX_STYLES: Readonly<Record<'text' | 'header' | 'date' | 'dateTime' | 'integer' | 'hours', Partial<ExcelJS.Style>>> = {
  text: {},
  header: { font: { bold: true } },
  date: { numFmt: 'yyyy-mm-dd' },
  dateTime: { numFmt: 'yyyy-mm-dd hh:mm:ss' },
  integer: { numFmt: '0' },
  hours: { numFmt: '0.00' },
};
