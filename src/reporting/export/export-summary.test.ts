import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { isAppError } from '../../platform/app-error.js';
import type { GroupDimension, GroupNode, ReportSummary } from '../report-model.js';
import { loadXlsx, parseCsvBody, readBody, sheetValues } from './export-test-support.js';
import { exportSummary } from './export-summary.js';

// The dimension names each level for the reader; the tree itself carries it by depth.
const node = (_dimension: GroupDimension, key: string, seconds: number, worklogs: number, children?: GroupNode[]): GroupNode => ({
  key,
  seconds,
  worklogs,
  ...(children === undefined ? {} : { children }),
});

/** Builds a parent whose totals are the sums of its children, as the engine does. */
const parent = (dimension: GroupDimension, key: string, children: GroupNode[]): GroupNode =>
  node(
    dimension,
    key,
    children.reduce((sum, child) => sum + child.seconds, 0),
    children.reduce((sum, child) => sum + child.worklogs, 0),
    children,
  );

const DIMENSIONS: GroupDimension[] = ['user', 'project', 'month'];
const GROUPS = [
  parent('user', 'acc-alice', [
    parent('project', '10000', [node('month', '2026-02', 3600, 1), node('month', '2026-03', 5400, 2)]),
    parent('project', '10001', [node('month', '2026-03', 60, 1)]),
  ]),
  parent('user', 'acc-mallory', [parent('project', '10000', [node('month', '2026-03', 28_800, 3)])]),
];
const SUMMARY: ReportSummary = {
  groups: GROUPS,
  total: { seconds: GROUPS.reduce((sum, group) => sum + group.seconds, 0), worklogs: GROUPS.reduce((sum, group) => sum + group.worklogs, 0) },
};
const LABELS: Record<string, string> = {
  'user:acc-alice': 'Alice Ünïcode 👩‍💻',
  'user:acc-mallory': '=cmd|" /C calc"!A0',
  'project:10000': 'PROJ — <script>alert(1)</script>',
  'project:10001': '@OPS, "ops"',
};
const labels = (dimension: GroupDimension, key: string): string => LABELS[`${dimension}:${key}`] ?? key;

const HEADER = ['Level', 'User', 'Project', 'Month', 'Hours', 'Seconds', 'Worklogs'];

/**
 * Checks, from the exported rows alone, that every row followed by deeper rows equals the sum of
 * its direct children, and that the closing grand total equals the sum of the top-level rows.
 */
function expectSubtotalsAddUp(rows: { level: number; seconds: number; worklogs: number }[]): void {
  expect(rows.at(-1)?.level).toBe(0);
  rows.forEach((row, index) => {
    const scope = row.level === 0 ? rows.slice(0, index) : rows.slice(index + 1);
    const end = row.level === 0 ? -1 : scope.findIndex((other) => other.level <= row.level);
    const children = scope.slice(0, end === -1 ? scope.length : end).filter((other) => other.level === row.level + 1);
    if (children.length === 0) return;
    expect({ seconds: row.seconds, worklogs: row.worklogs }).toEqual({
      seconds: children.reduce((sum, child) => sum + child.seconds, 0),
      worklogs: children.reduce((sum, child) => sum + child.worklogs, 0),
    });
  });
}

describe('summary export as CSV', () => {
  it('flattens the tree depth-first with each parent carrying its subtotal, then the grand total', async () => {
    const file = exportSummary(SUMMARY, DIMENSIONS, labels, { format: 'csv' });
    expect(file.contentType).toBe('text/csv; charset=utf-8');
    expect(file.fileExtension).toBe('csv');
    const rows = parseCsvBody(await readBody(file.body));
    const alice = 'Alice Ünïcode 👩‍💻';
    const proj = 'PROJ — <script>alert(1)</script>';
    const mallory = `'=cmd|" /C calc"!A0`;
    expect(rows).toEqual([
      HEADER,
      ['1', alice, '', '', '2.52', '9060', '4'],
      ['2', alice, proj, '', '2.50', '9000', '3'],
      ['3', alice, proj, '2026-02', '1.00', '3600', '1'],
      ['3', alice, proj, '2026-03', '1.50', '5400', '2'],
      ['2', alice, `'@OPS, "ops"`, '', '0.02', '60', '1'],
      ['3', alice, `'@OPS, "ops"`, '2026-03', '0.02', '60', '1'],
      ['1', mallory, '', '', '8.00', '28800', '3'],
      ['2', mallory, proj, '', '8.00', '28800', '3'],
      ['3', mallory, proj, '2026-03', '8.00', '28800', '3'],
      ['0', 'Total', '', '', '10.52', '37860', '7'],
    ]);
    expectSubtotalsAddUp(rows.slice(1).map((row) => ({ level: Number(row[0]), seconds: Number(row[5]), worklogs: Number(row[6]) })));
  });

  it('writes the header and a zero grand total for an empty report', async () => {
    const file = exportSummary({ groups: [], total: { seconds: 0, worklogs: 0 } }, ['user'], labels, { format: 'csv' });
    expect(parseCsvBody(await readBody(file.body))).toEqual([
      ['Level', 'User', 'Hours', 'Seconds', 'Worklogs'],
      ['0', 'Total', '0.00', '0', '0'],
    ]);
  });

  it('refuses a tree that does not follow the dimensions, before producing anything', () => {
    let thrown: unknown;
    try {
      exportSummary(SUMMARY, ['user', 'month'], labels, { format: 'csv' });
    } catch (error) {
      thrown = error;
    }
    expect(isAppError(thrown, 'INTERNAL')).toBe(true);
  });
});

describe('summary export as XLSX', () => {
  it('writes one row per group with outline levels, numeric hours, bold subtotals and the grand total', async () => {
    const file = exportSummary(SUMMARY, DIMENSIONS, labels, { format: 'xlsx' });
    expect(file.fileExtension).toBe('xlsx');
    const book = await loadXlsx(await readBody(file.body));
    const sheet = book.getWorksheet('Summary');
    if (sheet === undefined) throw new Error('no Summary sheet');

    const alice = 'Alice Ünïcode 👩‍💻';
    const proj = 'PROJ — <script>alert(1)</script>';
    const mallory = '=cmd|" /C calc"!A0';
    const values = sheetValues(sheet);
    expect(values).toEqual([
      HEADER,
      [1, alice, null, null, 9060 / 3600, 9060, 4],
      [2, alice, proj, null, 9000 / 3600, 9000, 3],
      [3, alice, proj, '2026-02', 1, 3600, 1],
      [3, alice, proj, '2026-03', 1.5, 5400, 2],
      [2, alice, '@OPS, "ops"', null, 60 / 3600, 60, 1],
      [3, alice, '@OPS, "ops"', '2026-03', 60 / 3600, 60, 1],
      [1, mallory, null, null, 8, 28800, 3],
      [2, mallory, proj, null, 8, 28800, 3],
      [3, mallory, proj, '2026-03', 8, 28800, 3],
      [0, 'Total', null, null, 37860 / 3600, 37860, 7],
    ]);
    expectSubtotalsAddUp(values.slice(1).map((row) => ({ level: Number(row[0]), seconds: Number(row[5]), worklogs: Number(row[6]) })));

    const outline = values.map((_, index) => sheet.getRow(index + 1).outlineLevel ?? 0);
    expect(outline).toEqual([0, 0, 1, 2, 2, 1, 2, 0, 1, 2, 0]);
    expect(sheet.properties.outlineLevelRow).toBe(2);
    expect(sheet.properties.outlineProperties).toMatchObject({ summaryBelow: false });
    const bold = values.map((_, index) => sheet.getRow(index + 1).getCell(5).font?.bold === true);
    expect(bold).toEqual([true, true, true, false, false, true, false, true, true, false, true]);
    expect(sheet.getRow(2).getCell(5).numFmt).toBe('0.00');
    expect(sheet.getRow(8).getCell(2).type).toBe(ExcelJS.ValueType.String);
    expect(sheet.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
  });

  it('writes the header and a zero grand total for an empty report', async () => {
    const file = exportSummary({ groups: [], total: { seconds: 0, worklogs: 0 } }, ['month'], labels, { format: 'xlsx' });
    const sheet = (await loadXlsx(await readBody(file.body))).getWorksheet('Summary');
    expect(sheet === undefined ? [] : sheetValues(sheet)).toEqual([
      ['Level', 'Month', 'Hours', 'Seconds', 'Worklogs'],
      [0, 'Total', 0, 0, 0],
    ]);
  });
});
