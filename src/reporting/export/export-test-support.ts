/**
 * Helpers of the export tests (beside them, since nothing outside reporting/export uses them):
 * a strict RFC 4180 reader, body readers, an XLSX loader and a details-row factory.
 */
import ExcelJS from 'exceljs';
import type { DetailExportRow } from './detail-columns.js';

/** Reads a whole body. */
export async function readBody(body: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let length = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    length += chunk.byteLength;
  }
  const all = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return all;
}

/**
 * Parses CSV text strictly by RFC 4180: records end with CRLF (the last one too), a field is
 * either unquoted (no comma, quote, CR or LF) or quoted with quotes doubled. Throws on anything else.
 */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let index = 0;
  while (index < text.length) {
    let field = '';
    if (text[index] === '"') {
      index += 1;
      for (;;) {
        if (index >= text.length) throw new Error('CSV: unterminated quoted field');
        if (text[index] === '"') {
          if (text[index + 1] === '"') {
            field += '"';
            index += 2;
            continue;
          }
          index += 1;
          break;
        }
        field += text[index];
        index += 1;
      }
    } else {
      while (index < text.length && !/[",\r\n]/.test(text[index] ?? '')) {
        field += text[index];
        index += 1;
      }
      if (text[index] === '"') throw new Error(`CSV: quote inside an unquoted field at ${index}`);
    }
    record.push(field);
    if (text[index] === ',') {
      index += 1;
    } else if (text.startsWith('\r\n', index)) {
      records.push(record);
      record = [];
      index += 2;
    } else {
      throw new Error(`CSV: expected a comma or CRLF at ${index}`);
    }
  }
  if (record.length > 0) throw new Error('CSV: last record not terminated by CRLF');
  return records;
}

/** Decodes a CSV body: checks and strips the UTF-8 BOM, then parses it. */
export function parseCsvBody(bytes: Uint8Array): string[][] {
  if (bytes[0] !== 0xef || bytes[1] !== 0xbb || bytes[2] !== 0xbf) throw new Error('CSV: no UTF-8 BOM');
  return parseCsv(new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes));
}

/** Loads an XLSX body with exceljs's (non-streaming) reader. */
export async function loadXlsx(bytes: Uint8Array): Promise<ExcelJS.Workbook> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) as unknown as ArrayBuffer);
  return workbook;
}

/** Values of a sheet's rows 1..rowCount, each as an array indexed from column 1 at [0]. */
export function sheetValues(sheet: ExcelJS.Worksheet): ExcelJS.CellValue[][] {
  const rows: ExcelJS.CellValue[][] = [];
  for (let number = 1; number <= sheet.rowCount; number += 1) {
    const row = sheet.getRow(number);
    const values: ExcelJS.CellValue[] = [];
    for (let column = 1; column <= sheet.columnCount; column += 1) values.push(row.getCell(column).value);
    rows.push(values);
  }
  return rows;
}

/** A details row with sensible defaults. */
export function detailRow(overrides: Partial<DetailExportRow> = {}): DetailExportRow {
  return {
    worklogId: 10_001,
    issueKey: 'PROJ-1',
    issueSummary: 'Fix the login page',
    projectKey: 'PROJ',
    accountId: '5b10ac8d82e05b22cc7d4ef5',
    displayName: 'Alice Example',
    started: '2026-03-05T09:30:00.000+0100',
    workDate: '2026-03-05',
    timeSpentSeconds: 5400,
    comment: 'Paired on the form',
    ...overrides,
  };
}

/** Yields `rows` as batches of `size`. */
export async function* inBatches<T>(rows: readonly T[], size: number): AsyncGenerator<T[]> {
  for (let start = 0; start < rows.length; start += size) yield rows.slice(start, start + size);
}
