import { AppError } from '../../platform/app-error.js';
import type { GroupDimension, GroupNode, ReportSummary } from '../report-model.js';

/** Display label of a group key (user display name, issue key and summary, `2026-03`, …). */
export type SummaryLabels = (dimension: GroupDimension, key: string) => string;

/** One line of a flattened summary. */
export interface SummaryExportRow {
  /** Grouping level, 1 for the outermost groups; 0 for the grand total. */
  level: number;
  /** Labels of the group's ancestors and of the group itself; `['Total']` for the grand total. */
  path: readonly string[];
  /** Whether the row is a subtotal over the rows that follow it at deeper levels. */
  hasChildren: boolean;
  seconds: number;
  worklogs: number;
}

/** Label of the grand total row. */
export const GRAND_TOTAL_LABEL = 'Total';

/**
 * Label of the grand total row while the range reaches before the complete range (a first sync
 * still reading the history): never presented as a total (issue 15), and saying from when it is.
 */
export function partialTotalLabel(completeFromDate: string | null): string {
  return completeFromDate === null ? 'Partial total (worklogs still loading)' : `Partial total (complete from ${completeFromDate}; earlier worklogs still loading)`;
}

/**
 * Throws `INTERNAL` unless the tree is exactly as deep as `dimensions` (a group at depth `d` is of
 * `dimensions[d]`): the export's columns are named after `dimensions`.
 */
export function assertSummaryShape(summary: ReportSummary, dimensions: readonly GroupDimension[]): void {
  const visit = (nodes: readonly GroupNode[], depth: number): void => {
    for (const node of nodes) {
      if (depth >= dimensions.length) {
        throw new AppError('INTERNAL', `Summary has a group at level ${depth + 1}; only ${dimensions.length} grouping levels were asked for`);
      }
      if (node.children !== undefined) visit(node.children, depth + 1);
      else if (depth < dimensions.length - 1) throw new AppError('INTERNAL', `Summary group at level ${depth + 1} has no subgroups by ${dimensions[depth + 1]}`);
    }
  };
  visit(summary.groups, 0);
}

/**
 * The summary depth-first, each group before its children (so a parent row carries its
 * subtotal, as the engine computed it), then the grand total (labelled `totalLabel`). Lazy: labels are asked for as
 * rows are taken.
 */
export function* flattenSummary(summary: ReportSummary, dimensions: readonly GroupDimension[], labels: SummaryLabels, totalLabel = GRAND_TOTAL_LABEL): Generator<SummaryExportRow> {
  function* visit(nodes: readonly GroupNode[], parentPath: readonly string[]): Generator<SummaryExportRow> {
    for (const node of nodes) {
      const path = [...parentPath, labels(dimensions[parentPath.length] as GroupDimension, node.key)];
      const hasChildren = node.children !== undefined && node.children.length > 0;
      yield { level: path.length, path, hasChildren, seconds: node.seconds, worklogs: node.worklogs };
      if (node.children !== undefined) yield* visit(node.children, path);
    }
  }
  yield* visit(summary.groups, []);
  yield { level: 0, path: [totalLabel], hasChildren: summary.groups.length > 0, seconds: summary.total.seconds, worklogs: summary.total.worklogs };
}

/** Groups the rows of `source` into arrays of `size`, for the batch-wise export streams. */
export async function* batchesOf<T>(source: Iterable<T>, size: number): AsyncGenerator<T[]> {
  let batch: T[] = [];
  for (const item of source) {
    batch.push(item);
    if (batch.length === size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}
