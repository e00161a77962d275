import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { isAppError } from '../../platform/app-error.js';
import type { DetailExportRow } from './detail-columns.js';
import { detailColumns } from './detail-columns.js';
import { writeDetailSheets } from './details-xlsx.js';
import { exportDetails } from './export-details.js';
import { detailRow, inBatches, loadXlsx, parseCsvBody, readBody, sheetValues } from './export-test-support.js';
import { createXlsxStream } from './xlsx-stream.js';
import { createZonedWallTime } from './zoned-wall-time.js';

const HEADER = ['Work date', 'Started (Europe/Berlin)', 'User', 'Account ID', 'Project', 'Issue', 'Issue summary', 'Hours', 'Seconds', 'Comment', 'Worklog ID'];

const ROWS: DetailExportRow[] = [
  detailRow(),
  // 23:30 UTC is 00:30 the next day in Berlin: the work date and the start agree.
  detailRow({ worklogId: 2, started: '2026-03-05T23:30:00.000+0000', workDate: '2026-03-06', timeSpentSeconds: 60, comment: '=HYPERLINK("http://evil.example","click")' }),
  detailRow({ worklogId: 3, comment: '+SUM(1)', issueSummary: '-2+3', displayName: '@admin', projectKey: '\tTAB', accountId: '\rCR' }),
  detailRow({ worklogId: 4, comment: 'Grüße 👋🏽 日本語 — <script>alert("x")</script>', issueSummary: 'a=b stays' }),
  detailRow({ worklogId: 5, comment: 'line one\r\nline two, "quoted"\nlast', timeSpentSeconds: 3599 }),
  detailRow({ worklogId: 6, issueKey: null, issueSummary: null, projectKey: null, accountId: null, displayName: null, comment: '' }),
  detailRow({ worklogId: 7, started: 'not a timestamp', timeSpentSeconds: 28_800 }),
];

const EXPECTED_CSV = [
  HEADER,
  ['2026-03-05', '2026-03-05 09:30:00', 'Alice Example', '5b10ac8d82e05b22cc7d4ef5', 'PROJ', 'PROJ-1', 'Fix the login page', '1.50', '5400', 'Paired on the form', '10001'],
  ['2026-03-06', '2026-03-06 00:30:00', 'Alice Example', '5b10ac8d82e05b22cc7d4ef5', 'PROJ', 'PROJ-1', 'Fix the login page', '0.02', '60', `'=HYPERLINK("http://evil.example","click")`, '2'],
  ['2026-03-05', '2026-03-05 09:30:00', "'@admin", "'\rCR", "'\tTAB", 'PROJ-1', "'-2+3", '1.50', '5400', "'+SUM(1)", '3'],
  ['2026-03-05', '2026-03-05 09:30:00', 'Alice Example', '5b10ac8d82e05b22cc7d4ef5', 'PROJ', 'PROJ-1', 'a=b stays', '1.50', '5400', 'Grüße 👋🏽 日本語 — <script>alert("x")</script>', '4'],
  ['2026-03-05', '2026-03-05 09:30:00', 'Alice Example', '5b10ac8d82e05b22cc7d4ef5', 'PROJ', 'PROJ-1', 'Fix the login page', '1.00', '3599', 'line one\r\nline two, "quoted"\nlast', '5'],
  ['2026-03-05', '2026-03-05 09:30:00', '', '', '', '', '', '1.50', '5400', '', '6'],
  ['2026-03-05', 'not a timestamp', 'Alice Example', '5b10ac8d82e05b22cc7d4ef5', 'PROJ', 'PROJ-1', 'Fix the login page', '8.00', '28800', 'Paired on the form', '7'],
];

describe('details export as CSV', () => {
  it('writes a BOM, the header and every row, guarded and quoted, as an RFC 4180 reader reads them back', async () => {
    const file = exportDetails(inBatches(ROWS, 3), { format: 'csv', timeZone: 'Europe/Berlin' });
    expect(file.contentType).toBe('text/csv; charset=utf-8');
    expect(file.fileExtension).toBe('csv');
    expect(parseCsvBody(await readBody(file.body))).toEqual(EXPECTED_CSV);
  });

  it('writes only the header for an empty report, whether the source yields nothing or empty batches', async () => {
    const emptyBatches = async function* (): AsyncGenerator<DetailExportRow[]> {
      yield [];
      yield [];
    };
    for (const source of [inBatches<DetailExportRow>([], 10), emptyBatches()]) {
      const file = exportDetails(source, { format: 'csv', timeZone: 'Europe/Berlin' });
      expect(parseCsvBody(await readBody(file.body))).toEqual([HEADER]);
    }
  });

  it('errors the body when the source fails midway', async () => {
    const failing = (async function* () {
      yield [detailRow()];
      throw new Error('store went away');
    })();
    const file = exportDetails(failing, { format: 'csv', timeZone: 'UTC' });
    await expect(readBody(file.body)).rejects.toThrow('store went away');
  });

  it('rejects an unknown time zone or format before producing anything', () => {
    for (const options of [
      { format: 'csv' as const, timeZone: 'Nowhere/Special' },
      { format: 'pdf' as unknown as 'csv', timeZone: 'UTC' },
    ]) {
      let thrown: unknown;
      try {
        exportDetails(inBatches(ROWS, 1), options);
      } catch (error) {
        thrown = error;
      }
      expect(isAppError(thrown, 'REQUEST_INVALID')).toBe(true);
    }
  });
});

describe('details export as XLSX', () => {
  it('writes typed cells: dates, the start as local date-time, hours and seconds as numbers, text verbatim but for LF line breaks', async () => {
    const file = exportDetails(inBatches(ROWS, 3), { format: 'xlsx', timeZone: 'Europe/Berlin', createdAtMs: Date.UTC(2026, 3, 1) });
    expect(file.contentType).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    expect(file.fileExtension).toBe('xlsx');
    const book = await loadXlsx(await readBody(file.body));
    expect(book.created).toEqual(new Date(Date.UTC(2026, 3, 1)));
    const sheet = book.getWorksheet('Worklogs');
    if (sheet === undefined) throw new Error('no Worklogs sheet');

    const day = (d: number): Date => new Date(Date.UTC(2026, 2, d));
    const at = (d: number, h: number, m: number): Date => new Date(Date.UTC(2026, 2, d, h, m));
    const base = ['Alice Example', '5b10ac8d82e05b22cc7d4ef5', 'PROJ', 'PROJ-1'];
    expect(sheetValues(sheet)).toEqual([
      HEADER,
      [day(5), at(5, 9, 30), ...base, 'Fix the login page', 1.5, 5400, 'Paired on the form', 10001],
      [day(6), at(6, 0, 30), ...base, 'Fix the login page', 60 / 3600, 60, '=HYPERLINK("http://evil.example","click")', 2],
      [day(5), at(5, 9, 30), '@admin', '\nCR', '\tTAB', 'PROJ-1', '-2+3', 1.5, 5400, '+SUM(1)', 3],
      [day(5), at(5, 9, 30), ...base, 'a=b stays', 1.5, 5400, 'Grüße 👋🏽 日本語 — <script>alert("x")</script>', 4],
      [day(5), at(5, 9, 30), ...base, 'Fix the login page', 3599 / 3600, 3599, 'line one\nline two, "quoted"\nlast', 5],
      [day(5), at(5, 9, 30), null, null, null, null, null, 1.5, 5400, null, 6],
      [day(5), 'not a timestamp', ...base, 'Fix the login page', 8, 28800, 'Paired on the form', 7],
    ]);

    const formulaLike = sheet.getRow(3).getCell(10);
    expect(formulaLike.type).toBe(ExcelJS.ValueType.String);
    expect(formulaLike.formula).toBeUndefined();
    expect(sheet.getRow(2).getCell(1).numFmt).toBe('yyyy-mm-dd');
    expect(sheet.getRow(2).getCell(2).numFmt).toBe('yyyy-mm-dd hh:mm:ss');
    expect(sheet.getRow(2).getCell(8).numFmt).toBe('0.00');
    expect(sheet.getRow(2).getCell(9).numFmt).toBe('0');
    expect(sheet.getRow(1).getCell(1).font?.bold).toBe(true);
    expect(sheet.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    expect(sheet.getColumn(10).width).toBe(60);
  });

  it('writes only the header row for an empty report', async () => {
    const book = await loadXlsx(await readBody(exportDetails(inBatches([], 1), { format: 'xlsx', timeZone: 'Europe/Berlin' }).body));
    const sheet = book.getWorksheet('Worklogs');
    expect(sheet?.rowCount).toBe(1);
    expect(sheet === undefined ? [] : sheetValues(sheet)).toEqual([HEADER]);
  });

  it('cuts text past Excel’s 32,767-character cell limit', async () => {
    const long = `${'x'.repeat(40_000)}`;
    const book = await loadXlsx(await readBody(exportDetails(inBatches([detailRow({ comment: long })], 1), { format: 'xlsx', timeZone: 'UTC' }).body));
    const comment = book.getWorksheet('Worklogs')?.getRow(2).getCell(10).value;
    expect(comment).toBe(`${'x'.repeat(32_766)}…`);
  });

  it('continues on a new sheet with the same header when a sheet is full', async () => {
    const columns = detailColumns(createZonedWallTime('Europe/Berlin'));
    const rows = [1, 2, 3, 4, 5].map((worklogId) => detailRow({ worklogId }));
    const body = createXlsxStream((book, flow) => writeDetailSheets(book, flow, inBatches(rows, 2), columns, 2));
    const book = await loadXlsx(await readBody(body));
    expect(book.worksheets.map((sheet) => sheet.name)).toEqual(['Worklogs', 'Worklogs (2)', 'Worklogs (3)']);
    expect(book.worksheets.map((sheet) => sheetValues(sheet).map((row) => row[10]))).toEqual([
      ['Worklog ID', 1, 2],
      ['Worklog ID', 3, 4],
      ['Worklog ID', 5],
    ]);
  });

  it('errors the body when the source fails midway', async () => {
    const failing = (async function* () {
      yield [detailRow()];
      throw new Error('store went away');
    })();
    await expect(readBody(exportDetails(failing, { format: 'xlsx', timeZone: 'UTC' }).body)).rejects.toThrow('store went away');
  });
});
