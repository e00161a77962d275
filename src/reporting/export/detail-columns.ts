import type ExcelJS from 'exceljs';
import type { CsvValue } from './csv-record.js';
import { formatHours, secondsToHours } from './export-hours.js';
import { dateKeyToXlsx, fitXlsxText, XLSX_STYLES } from './xlsx-cells.js';
import { formatWallTime, parseJiraTimestamp, type ZonedWallTime } from './zoned-wall-time.js';

/** One worklog line of a details export, as the reporting API hands it over. */
export interface DetailExportRow {
  worklogId: number;
  issueKey: string | null;
  issueSummary: string | null;
  projectKey: string | null;
  accountId: string | null;
  displayName: string | null;
  /** Jira form `yyyy-MM-dd'T'HH:mm:ss.SSS±hhmm`, as stored. */
  started: string;
  /** Work date in the report's time zone, `YYYY-MM-DD`. */
  workDate: string;
  timeSpentSeconds: number;
  /** Plain text. */
  comment: string;
}

/** A details column: its header, its width in XLSX, and its cell in each format. */
export interface DetailColumn {
  header: string;
  widthChars: number;
  csv(row: DetailExportRow): CsvValue;
  /** Value and style of the XLSX cell; a null value leaves the cell empty. */
  xlsx(row: DetailExportRow): { value: ExcelJS.CellValue; style: Partial<ExcelJS.Style> };
}

const text = (value: string | null): { value: ExcelJS.CellValue; style: Partial<ExcelJS.Style> } => ({
  value: value === null ? null : fitXlsxText(value),
  style: XLSX_STYLES.text,
});

/**
 * The columns of a details export, in order. `Started` is the wall time of the worklog's start
 * in the report's zone (named in the header), so it agrees with the work date next to it; a
 * `started` that is not a Jira timestamp is kept as text rather than dropped.
 */
export function detailColumns(wallTime: ZonedWallTime): readonly DetailColumn[] {
  const startedWallMs = (row: DetailExportRow): number | undefined => {
    const instantMs = parseJiraTimestamp(row.started);
    return instantMs === undefined ? undefined : wallTime.toWallMs(instantMs);
  };
  return [
    {
      header: 'Work date',
      widthChars: 12,
      csv: (row) => row.workDate,
      xlsx: (row) => {
        const date = dateKeyToXlsx(row.workDate);
        return date === undefined ? text(row.workDate) : { value: date, style: XLSX_STYLES.date };
      },
    },
    {
      header: `Started (${wallTime.timeZone})`,
      widthChars: 20,
      csv: (row) => {
        const wallMs = startedWallMs(row);
        return wallMs === undefined ? row.started : formatWallTime(wallMs);
      },
      xlsx: (row) => {
        const wallMs = startedWallMs(row);
        return wallMs === undefined ? text(row.started) : { value: new Date(wallMs), style: XLSX_STYLES.dateTime };
      },
    },
    { header: 'User', widthChars: 24, csv: (row) => row.displayName, xlsx: (row) => text(row.displayName) },
    { header: 'Account ID', widthChars: 28, csv: (row) => row.accountId, xlsx: (row) => text(row.accountId) },
    { header: 'Project', widthChars: 10, csv: (row) => row.projectKey, xlsx: (row) => text(row.projectKey) },
    { header: 'Issue', widthChars: 12, csv: (row) => row.issueKey, xlsx: (row) => text(row.issueKey) },
    { header: 'Issue summary', widthChars: 50, csv: (row) => row.issueSummary, xlsx: (row) => text(row.issueSummary) },
    {
      header: 'Hours',
      widthChars: 8,
      csv: (row) => formatHours(row.timeSpentSeconds),
      xlsx: (row) => ({ value: secondsToHours(row.timeSpentSeconds), style: XLSX_STYLES.hours }),
    },
    {
      header: 'Seconds',
      widthChars: 10,
      csv: (row) => row.timeSpentSeconds,
      xlsx: (row) => ({ value: row.timeSpentSeconds, style: XLSX_STYLES.integer }),
    },
    { header: 'Comment', widthChars: 60, csv: (row) => row.comment, xlsx: (row) => text(row.comment) },
    {
      header: 'Worklog ID',
      widthChars: 12,
      csv: (row) => row.worklogId,
      xlsx: (row) => ({ value: row.worklogId, style: XLSX_STYLES.integer }),
    },
  ];
}
