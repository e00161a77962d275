import { Hono } from 'hono';
import { AppError } from '../platform/app-error.js';
import { buildDataStatement, renderDataStatementText, type DataStatement, type DataStatementConfig, type OwnedData } from '../privacy/data-statement/data-statement.js';
import type { TallyEnv } from './tally-env.js';

/** The route's path; public by design. */
export const DATA_STATEMENT_PATH = '/data-statement';

interface Rendered {
  statement: DataStatement;
  text: string;
}

/** JSON when `?format=json`, or when the client accepts JSON and did not ask for `?format=markdown`. */
function wantsJson(format: string | undefined, accept: string | undefined): boolean {
  if (format === 'json') return true;
  if (format === 'markdown') return false;
  if (format !== undefined) throw new AppError('REQUEST_INVALID', 'format must be json or markdown');
  return /\bapplication\/json\b/i.test(accept ?? '');
}

/** Options of {@link dataStatementRoutes}. */
export interface DataStatementRouteOptions {
  /** Builds the statement (default {@link buildDataStatement}); tests count or fail the builds. */
  buildStatement?: typeof buildDataStatement;
  /** The edges' tables and notes (default none). */
  owned?: OwnedData;
}

/**
 * `GET /data-statement`: the data statement as `text/markdown`, or as JSON (`Accept:
 * application/json` or `?format=json`). Public by design — it describes Tally and holds no tenant
 * data — so it shows directories by their variable names, never the server's paths or
 * DATABASE_URL. Built on the first request from scratch databases and kept for the process's
 * life (the schema cannot change under a running process); a failed build is not kept, so the
 * next request tries again, and the error (INTERNAL, schema drift) reaches the app's error handler.
 */
export function dataStatementRoutes(config: DataStatementConfig, options: DataStatementRouteOptions = {}): Hono<TallyEnv> {
  const build = options.buildStatement ?? buildDataStatement;
  const app = new Hono<TallyEnv>();
  let building: Promise<Rendered> | undefined;
  const rendered = (): Promise<Rendered> => {
    if (building !== undefined) return building;
    const current = build(config, { paths: 'variables', ...(options.owned ? { owned: options.owned } : {}) }).then((statement) => ({ statement, text: renderDataStatementText(statement) }));
    building = current;
    current.catch(() => {
      if (building === current) building = undefined;
    });
    return current;
  };

  app.get(DATA_STATEMENT_PATH, async (c) => {
    const json = wantsJson(c.req.query('format'), c.req.header('accept'));
    const { statement, text } = await rendered();
    c.header('Vary', 'Accept');
    if (json) return c.json(statement);
    return c.body(text, 200, { 'Content-Type': 'text/markdown; charset=utf-8' });
  });
  return app;
}
