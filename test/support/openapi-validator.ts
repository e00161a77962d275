/**
 * Validates simulator (or any Jira) responses against Atlassian's OpenAPI 3 excerpts in
 * `shared/reference/`, so a test notices when a body drifts from what real Jira documents.
 * CI checks out `shared/` beside the repository, hence the `../shared/reference` default.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

type Schema = Record<string, unknown>;
interface ResponseDoc {
  content?: Record<string, { schema?: Schema }>;
}
interface OpenApiDoc {
  paths: Record<string, Record<string, { responses?: Record<string, ResponseDoc> }>>;
  components: { schemas: Record<string, Schema> };
}

/** One response to check; `body` is the parsed JSON, raw text, or undefined when empty. */
export interface ResponseToValidate {
  method: string;
  /** A concrete path such as `/rest/api/3/issue/10001/worklog/5`; a query string or full URL is fine. */
  path: string;
  status: number;
  body: unknown;
  /** The response's content type, when known; a JSON schema then requires a JSON type. */
  contentType?: string;
}

/** `operation` is `METHOD /spec/path/{template}` when the path matched the spec. */
export type ValidationResult = { ok: true; operation: string } | { ok: false; operation?: string; errors: string };

/** Checks responses against the spec excerpts; compiled schemas are cached per operation and status. */
export interface OpenApiValidator {
  validateResponse(response: ResponseToValidate): ValidationResult;
  /** The spec operation (`METHOD template`) a concrete request maps to, if any. */
  findOperation(method: string, path: string): string | undefined;
}

interface Route {
  method: string;
  template: string;
  pattern: RegExp;
  literalSegments: number;
  docId: string;
  responses: Record<string, ResponseDoc>;
}

/** Errors listed per mismatch; a wrong field in a 5000-item page would otherwise flood the report. */
const MAX_DETAILS = 10;
const PLATFORM_FILE = 'jira-platform-openapi-excerpt.json';
const WORKLOG_FILE = 'jira-worklog-openapi-excerpt.json';
/** User entity properties only (the timer of issue 16); the file's issue and worklog paths stay with the two excerpts above. */
const ENTITY_PROPERTIES_FILE = 'jira-entity-properties-openapi-excerpt.json';

/**
 * The spec types `Worklog.comment` as `{}` and says in prose that it is ADF (v3). REST v2 renders
 * the same comment as a plain string, so each variant gets the precise shape to catch a mix-up.
 */
const ADF_COMMENT: Schema = {
  type: 'object',
  required: ['type', 'version', 'content'],
  properties: { type: { const: 'doc' }, version: { const: 1 }, content: { type: 'array' } },
};

type FormatsPlugin = (ajv: Ajv) => Ajv;
// ajv-formats is CommonJS: under NodeNext its default import is the module, whose `default` is the plugin.
const addFormats: FormatsPlugin =
  (addFormatsModule as unknown as { default?: FormatsPlugin }).default ?? (addFormatsModule as unknown as FormatsPlugin);

function loadDoc(dir: string, file: string): OpenApiDoc {
  return JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as OpenApiDoc;
}

function withWorklogComment(doc: OpenApiDoc, comment: Schema): OpenApiDoc {
  const copy = structuredClone(doc);
  const worklog = copy.components.schemas.Worklog as { properties: Record<string, Schema> };
  worklog.properties.comment = comment;
  return copy;
}

/** Prefixes local `#/...` refs with the document id so a response schema compiles on its own. */
function qualifyRefs(schema: unknown, docId: string): unknown {
  if (Array.isArray(schema)) return schema.map((item) => qualifyRefs(item, docId));
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: Schema = {};
  for (const [key, value] of Object.entries(schema)) {
    out[key] = key === '$ref' && typeof value === 'string' && value.startsWith('#') ? docId + value : qualifyRefs(value, docId);
  }
  return out;
}

function toRoutes(doc: OpenApiDoc, docId: string, rewrite: (template: string) => string | undefined): Route[] {
  const routes: Route[] = [];
  for (const [specPath, operations] of Object.entries(doc.paths)) {
    const template = rewrite(specPath);
    if (template === undefined) continue;
    const segments = template.split('/').filter(Boolean);
    const source = segments.map((s) => (/^\{.+\}$/.test(s) ? '[^/]+' : s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('/');
    for (const [method, operation] of Object.entries(operations)) {
      if (!operation || typeof operation !== 'object' || !('responses' in operation)) continue;
      routes.push({
        method: method.toUpperCase(),
        template,
        pattern: new RegExp(`^/${source}/?$`),
        literalSegments: segments.filter((s) => !s.startsWith('{')).length,
        docId,
        responses: operation.responses ?? {},
      });
    }
  }
  return routes;
}

function pathnameOf(input: string): string {
  const withoutHost = /^[a-z]+:\/\//i.test(input) ? new URL(input).pathname : input;
  return withoutHost.split(/[?#]/)[0] ?? '';
}

function isJson(contentType: string | undefined): boolean {
  return contentType === undefined || /[/+]json\b/i.test(contentType);
}

/**
 * Builds a validator over both excerpts. Worklog paths are also registered under `/rest/api/2`
 * with string comments. Unknown paths fail ("no schema") so tests notice unspecified endpoints.
 * Error statuses the spec describes without a schema (401, 404…) must still be an
 * `ErrorCollection` when the body is JSON; an undocumented success status is a failure.
 */
export function createOpenApiValidator(options: { referenceDir?: string } = {}): OpenApiValidator {
  const dir = options.referenceDir ?? path.resolve(process.cwd(), '../shared/reference');
  const platform = loadDoc(dir, PLATFORM_FILE);
  const worklog = loadDoc(dir, WORKLOG_FILE);
  const docs: Record<string, OpenApiDoc> = {
    'jira-platform': platform,
    'jira-worklog-v3': withWorklogComment(worklog, ADF_COMMENT),
    'jira-worklog-v2': withWorklogComment(worklog, { type: 'string' }),
    'jira-entity-properties': loadDoc(dir, ENTITY_PROPERTIES_FILE),
  };
  // strict: false ignores OpenAPI-only keywords (example, xml, discriminator, x-*); Ajv 8
  // understands `nullable` itself. ajv-formats brings int32/int64/uri/date-time (the Jira form
  // `…000+0100` without a colon is valid there); logger: false silences unknown-format notes.
  const ajv = new Ajv({ strict: false, allErrors: true, logger: false });
  addFormats(ajv);
  for (const [id, doc] of Object.entries(docs)) ajv.addSchema({ $id: id, components: doc.components });

  const routes = [
    ...toRoutes(docs['jira-platform'] as OpenApiDoc, 'jira-platform', (p) => p),
    ...toRoutes(docs['jira-worklog-v3'] as OpenApiDoc, 'jira-worklog-v3', (p) => p),
    ...toRoutes(docs['jira-worklog-v2'] as OpenApiDoc, 'jira-worklog-v2', (p) =>
      p.startsWith('/rest/api/3/') ? p.replace('/rest/api/3/', '/rest/api/2/') : undefined,
    ),
    ...toRoutes(docs['jira-entity-properties'] as OpenApiDoc, 'jira-entity-properties', (p) => (p.startsWith('/rest/api/3/user/properties') ? p : undefined)),
  ].sort((a, b) => b.literalSegments - a.literalSegments);
  const cache = new Map<string, ValidateFunction>();

  function findRoute(method: string, concretePath: string): Route | undefined {
    const pathname = pathnameOf(concretePath);
    return routes.find((r) => r.method === method.toUpperCase() && r.pattern.test(pathname));
  }

  function compile(key: string, docId: string, schema: unknown): ValidateFunction {
    let validate = cache.get(key);
    if (!validate) {
      validate = ajv.compile(qualifyRefs(schema, docId) as Schema);
      cache.set(key, validate);
    }
    return validate;
  }

  function check(validate: ValidateFunction, body: unknown, operation: string, status: number): ValidationResult {
    if (validate(body)) return { ok: true, operation };
    const details = (validate.errors ?? []).map((e) => `${e.instancePath || '(body)'} ${e.message ?? 'is invalid'}`);
    const more = details.length > MAX_DETAILS ? ` (+${details.length - MAX_DETAILS} more)` : '';
    return { ok: false, operation, errors: `${operation} → ${status}: ${details.slice(0, MAX_DETAILS).join('; ')}${more}` };
  }

  return {
    findOperation(method, concretePath) {
      const route = findRoute(method, concretePath);
      return route && `${route.method} ${route.template}`;
    },
    validateResponse({ method, path: concretePath, status, body, contentType }) {
      const route = findRoute(method, concretePath);
      if (!route) return { ok: false, errors: `no schema: ${method.toUpperCase()} ${pathnameOf(concretePath)} is not in the OpenAPI excerpts` };
      const operation = `${route.method} ${route.template}`;
      const declared = route.responses[String(status)] ?? route.responses.default;
      const media = declared?.content?.['application/json'];
      const empty = body === undefined || body === '';
      if (media?.schema) {
        const isAnything = Object.keys(media.schema).length === 0;
        if (empty && isAnything) return { ok: true, operation };
        if (!isJson(contentType)) return { ok: false, operation, errors: `${operation} → ${status}: expected JSON, got ${contentType}` };
        return check(compile(`${operation}|${status}`, route.docId, media.schema), body, operation, status);
      }
      if (status >= 400) {
        if (empty || !isJson(contentType) || typeof body === 'string') return { ok: true, operation };
        const errorSchema = { $ref: '#/components/schemas/ErrorCollection' };
        return check(compile(`${route.docId}|ErrorCollection`, route.docId, errorSchema), body, operation, status);
      }
      if (!declared) return { ok: false, operation, errors: `${operation} → ${status}: status not documented` };
      return empty ? { ok: true, operation } : { ok: false, operation, errors: `${operation} → ${status}: the spec declares no body` };
    },
  };
}

let defaultValidator: OpenApiValidator | undefined;

/**
 * Validates against the default reference directory. The validator is built once per test
 * process and reused (compiling the spec is the slow part); it holds no per-test state.
 */
export function validateResponse(response: ResponseToValidate): ValidationResult {
  defaultValidator ??= createOpenApiValidator();
  return defaultValidator.validateResponse(response);
}

/** The shared validator behind {@link validateResponse}, for callers that want `findOperation`. */
export function getDefaultOpenApiValidator(): OpenApiValidator {
  defaultValidator ??= createOpenApiValidator();
  return defaultValidator;
}
