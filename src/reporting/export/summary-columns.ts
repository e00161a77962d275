import { DIMENSION_NAMES, type GroupDimension } from '../report-model.js';
import type { TableColumn } from './xlsx-table-sheet.js';

// Issue and parent labels carry the issue summary, so they get the wide columns.
const DIMENSION_WIDTHS: Readonly<Record<GroupDimension, number>> = {
  user: 24,
  issue: 50,
  project: 24,
  parent: 50,
  day: 12,
  week: 10,
  month: 10,
  year: 8,
};

/** Columns of a summary export: Level, one label column per grouping level, Hours, Seconds, Worklogs. */
export function summaryColumns(dimensions: readonly GroupDimension[]): readonly TableColumn[] {
  return [
    { header: 'Level', widthChars: 7 },
    ...dimensions.map((dimension) => ({ header: DIMENSION_NAMES[dimension], widthChars: DIMENSION_WIDTHS[dimension] })),
    { header: 'Hours', widthChars: 10 },
    { header: 'Seconds', widthChars: 12 },
    { header: 'Worklogs', widthChars: 10 },
  ];
}
