import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { TallyEnv } from './tally-env.js';
import { readJson } from './read-json.js';
import { AppError } from '../platform/app-error.js';
import type { WorklogWrites } from '../worklog-writes/worklog-writes.js';
import type { WorklogWriter } from '../worklog-writes/worklog-jira-ops.js';

/** Why log work is off when the edge gave no reason of its own. */
const NO_WRITE_ACCESS = 'Tally has no way to write to Jira as you here.';

/** Whether this request may log work, and if not why (`GET /api/session` → `logWork`). */
export function logWorkAvailability(c: Context<TallyEnv>): { available: boolean; reason: string | null } {
  if (c.get('viewerWriteAccess') !== undefined && c.get('accountId') !== undefined) return { available: true, reason: null };
  return { available: false, reason: c.get('viewerWriteUnavailableReason') ?? NO_WRITE_ACCESS };
}

/** The person writing, or `LOG_WORK_UNAVAILABLE` with the edge's reason. */
function writerOf(c: Context<TallyEnv>): WorklogWriter {
  const access = c.get('viewerWriteAccess');
  const accountId = c.get('accountId');
  if (!access || accountId === undefined) throw new AppError('LOG_WORK_UNAVAILABLE', c.get('viewerWriteUnavailableReason') ?? NO_WRITE_ACCESS);
  return { tenantId: c.get('tenant').id, accountId, access };
}

const text = (max: number) => z.string().max(max);
const logWorkSchema = z.object({ issue: text(300), date: text(20), startTime: text(10), duration: text(100), comment: text(40_000).optional() }).strict();
const changesSchema = z.object({ date: text(20).optional(), startTime: text(10).optional(), duration: text(100).optional(), comment: text(40_000).optional() }).strict();
const timerStartSchema = z.object({ issue: text(300), comment: text(40_000).optional() }).strict();
const timerStopSchema = z.object({ comment: text(40_000).optional() }).strict();

/** Parses a body; `WORKLOG_INPUT_INVALID` listing `field: message` for every problem. */
function parseBody<T>(schema: z.ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const details = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`);
  throw new AppError('WORKLOG_INPUT_INVALID', `The request is not valid: ${details.join('; ')}`, { details });
}

/** A body that may be left out (timer stop). */
async function optionalJson(c: Context): Promise<unknown> {
  // Hono caches the body text, so readJson reads the same text again.
  return (await c.req.text()).trim() === '' ? {} : readJson(c);
}

/** A numeric Jira id from the path; 404 `NOT_FOUND` otherwise (no such worklog can exist). */
function idParam(c: Context, name: string): number {
  const value = c.req.param(name) ?? '';
  if (!/^\d{1,16}$/.test(value)) throw new AppError('NOT_FOUND', `No worklog at this address: ${name} must be a Jira id`);
  return Number(value);
}

/**
 * Log work, edit, delete and the timer (docs/api.md), always as the signed-in person through the
 * edge's `viewerWriteAccess` — never as the app. Mounted behind the `/api/*` authentication.
 */
export function worklogRoutes(writes: WorklogWrites): Hono<TallyEnv> {
  const routes = new Hono<TallyEnv>();
  routes.post('/api/worklogs', async (c) => {
    const writer = writerOf(c);
    const worklog = await writes.worklogs.logWork(writer, parseBody(logWorkSchema, await readJson(c)));
    return c.json({ worklog }, 201);
  });
  routes.get('/api/worklogs/:issueId/:worklogId', async (c) => {
    const worklog = await writes.worklogs.getWorklog(writerOf(c), idParam(c, 'issueId'), idParam(c, 'worklogId'));
    return c.json({ worklog });
  });
  routes.put('/api/worklogs/:issueId/:worklogId', async (c) => {
    const writer = writerOf(c);
    const [issueId, worklogId] = [idParam(c, 'issueId'), idParam(c, 'worklogId')];
    const worklog = await writes.worklogs.editWorklog(writer, issueId, worklogId, parseBody(changesSchema, await readJson(c)));
    return c.json({ worklog });
  });
  routes.delete('/api/worklogs/:issueId/:worklogId', async (c) => {
    await writes.worklogs.deleteWorklog(writerOf(c), idParam(c, 'issueId'), idParam(c, 'worklogId'));
    return c.body(null, 204);
  });

  routes.get('/api/timer', async (c) => c.json({ timer: await writes.timer.get(writerOf(c)) }));
  routes.post('/api/timer', async (c) => {
    const writer = writerOf(c);
    const timer = await writes.timer.start(writer, parseBody(timerStartSchema, await readJson(c)));
    return c.json({ timer }, 201);
  });
  routes.post('/api/timer/stop', async (c) => {
    const writer = writerOf(c);
    const stopped = await writes.timer.stop(writer, parseBody(timerStopSchema, await optionalJson(c)));
    return c.json(stopped, 201);
  });
  routes.delete('/api/timer', async (c) => {
    await writes.timer.discard(writerOf(c));
    return c.body(null, 204);
  });
  return routes;
}
