import { Hono } from 'hono';
import { z } from 'zod';
import type { TallyEnv } from './tally-env.js';
import { readJson } from './read-json.js';
import { parseOrReject, questionSchema, reportQuestionShape, toReportQuestion } from '../reporting/report-question.js';
import type { ReportService, Viewer } from '../reporting/report-service.js';
import { exportDetails } from '../reporting/export/export-details.js';
import { exportSummary } from '../reporting/export/export-summary.js';
import { EXPORT_FORMATS, type ExportFile } from '../reporting/export/export-file.js';
import type { ReportCoverage } from '../reporting/report-coverage.js';
import type { Clock } from '../platform/clock.js';
import type { Context } from 'hono';

/** The most detail rows one page may ask for. */
const MAX_PAGE_ROWS = 500;

const exportSchema = questionSchema({
  ...reportQuestionShape,
  kind: z.enum(['details', 'summary']),
  format: z.enum(EXPORT_FORMATS),
});

const detailsSchema = questionSchema({
  ...reportQuestionShape,
  limit: z.number().int().min(1).max(MAX_PAGE_ROWS).default(100),
  cursor: z.string().min(1).max(200).optional(),
});

function viewerOf(c: Context<TallyEnv>): Viewer {
  return { tenantId: c.get('tenant').id, accountId: c.get('accountId'), jiraAccess: c.get('viewerJiraAccess') };
}

/**
 * The report API (docs/api.md). Mounted under the `/api` authentication (context tokens): the
 * tenant and the viewer come only from the verified token.
 */
export function reportRoutes(reports: ReportService, clock: Clock): Hono<TallyEnv> {
  const routes = new Hono<TallyEnv>();
  routes.post('/api/reports/summary', async (c) => {
    const question = toReportQuestion(parseOrReject(questionSchema(reportQuestionShape), await readJson(c), 'report question'));
    return c.json(await reports.summaryWire(viewerOf(c), question));
  });
  routes.post('/api/reports/details', async (c) => {
    const body = parseOrReject(detailsSchema, await readJson(c), 'details question');
    return c.json(await reports.details(viewerOf(c), toReportQuestion(body), { cursor: body.cursor, limit: body.limit }));
  });
  routes.post('/api/reports/export', async (c) => {
    const body = parseOrReject(exportSchema, await readJson(c), 'export question');
    const question = toReportQuestion(body);
    const viewer = viewerOf(c);
    let file: ExportFile;
    let coverage: ReportCoverage;
    if (body.kind === 'summary') {
      const answer = await reports.summary(viewer, question);
      coverage = answer.coverage;
      file = exportSummary(answer, answer.groupBy, (dimension, key) => answer.labels[dimension]?.[key]?.label ?? key, { format: body.format, createdAtMs: clock.nowMs(), ...(coverage.complete ? {} : { partialFromDate: coverage.completeFromDate }) });
    } else {
      // The zone the rows' work dates were computed in, so "Started" and "Work date" agree.
      const timeZone = question.timeZone ?? (await reports.session(viewer)).timeZone;
      coverage = await reports.coverage(viewer, { from: question.from, timeZone });
      file = exportDetails(reports.allDetails(viewer, { ...question, timeZone }), { format: body.format, timeZone, createdAtMs: clock.nowMs() });
    }
    const filename = `tally-${body.kind}-${question.from}_${question.to}.${file.fileExtension}`;
    return new Response(file.body, {
      headers: {
        'content-type': file.contentType,
        'content-disposition': `attachment; filename="${filename}"`,
        'cache-control': 'no-store',
        // A file of a range that reaches before the complete range says so (the summary's total row too).
        'tally-coverage': coverage.complete ? 'complete' : `partial; complete-from=${coverage.completeFromDate ?? 'none'}`,
      },
    });
  });
  return routes;
}
