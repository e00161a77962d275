/**
 * Validates simulated Bitbucket Cloud responses against Atlassian's Bitbucket REST 2.0 OpenAPI
 * excerpt (`shared/reference/bitbucket-openapi-excerpt.json`, paths relative to `/2.0`).
 *
 * The excerpt lacks two paths Tally reads and gives no schema for a third; they are checked
 * against the closest schema the excerpt has, and reported as `(assumed)` operations:
 * - `GET …/commit/{commit}` (not in the excerpt) → `commit`;
 * - `GET …/commit/{commit}/pullrequests` (not in the excerpt) → `paginated_pullrequests`;
 * - `GET …/pullrequests/{pull_request_id}/commits` (200 has no schema) → `paginated_changeset`,
 *   the schema of `GET …/commits`.
 * Any error status is checked against the `error` schema when its body is JSON.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

type Schema = Record<string, unknown>;
interface OpenApiDoc {
  paths: Record<string, Record<string, { responses?: Record<string, { content?: Record<string, { schema?: Schema }> }> }>>;
  components: { schemas: Record<string, Schema> };
}

/** One validation: `operation` is `METHOD /template` (with ` (assumed)` for paths the excerpt lacks). */
export type BitbucketValidationResult = { ok: true; operation: string } | { ok: false; errors: string };

interface Route {
  method: string;
  template: string;
  pattern: RegExp;
  literalSegments: number;
  /** Schema per status; `undefined` value: documented without a body schema. */
  responses: Record<string, Schema | undefined>;
  assumed: boolean;
}

type FormatsPlugin = (ajv: Ajv) => Ajv;
const addFormats: FormatsPlugin =
  (addFormatsModule as unknown as { default?: FormatsPlugin }).default ?? (addFormatsModule as unknown as FormatsPlugin);

const DOC_ID = 'bitbucket';
const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });

/** Paths the excerpt lacks or leaves without a 200 schema, with the schema used instead. */
const ASSUMED: Record<string, Schema> = {
  '/repositories/{workspace}/{repo_slug}/commit/{commit}': ref('commit'),
  '/repositories/{workspace}/{repo_slug}/commit/{commit}/pullrequests': ref('paginated_pullrequests'),
  '/repositories/{workspace}/{repo_slug}/pullrequests/{pull_request_id}/commits': ref('paginated_changeset'),
};

function qualifyRefs(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(qualifyRefs);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: Schema = {};
  for (const [key, value] of Object.entries(schema)) {
    out[key] = key === '$ref' && typeof value === 'string' && value.startsWith('#') ? DOC_ID + value : qualifyRefs(value);
  }
  return out;
}

function routeOf(method: string, template: string, responses: Record<string, Schema | undefined>, assumed: boolean): Route {
  const segments = template.split('/').filter(Boolean);
  const source = segments.map((s) => (/^\{.+\}$/.test(s) ? '[^/]+' : s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('/');
  return { method, template, pattern: new RegExp(`^/${source}/?$`), literalSegments: segments.filter((s) => !s.startsWith('{')).length, responses, assumed };
}

/** Checks Bitbucket responses; compiled schemas are cached per operation and status. */
export interface BitbucketOpenApiValidator {
  /** `path` is a concrete request path or URL, with or without the `/2.0` prefix. */
  validate(method: string, path: string, status: number, body: unknown): BitbucketValidationResult;
}

/** Builds the validator from the excerpt in `referenceDir` (default `../shared/reference`). */
export function createBitbucketOpenApiValidator(options: { referenceDir?: string } = {}): BitbucketOpenApiValidator {
  const dir = options.referenceDir ?? path.resolve(process.cwd(), '../shared/reference');
  const doc = JSON.parse(readFileSync(path.join(dir, 'bitbucket-openapi-excerpt.json'), 'utf8')) as OpenApiDoc;
  const ajv = new Ajv({ strict: false, allErrors: true, logger: false });
  addFormats(ajv);
  ajv.addSchema({ $id: DOC_ID, components: doc.components });

  const routes: Route[] = [];
  for (const [template, operations] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      if (!operation || typeof operation !== 'object' || !('responses' in operation)) continue;
      const responses: Record<string, Schema | undefined> = {};
      for (const [status, response] of Object.entries(operation.responses ?? {})) responses[status] = response.content?.['application/json']?.schema;
      const assumed = method === 'get' ? ASSUMED[template] : undefined;
      if (assumed && responses['200'] === undefined) responses['200'] = assumed;
      routes.push(routeOf(method.toUpperCase(), template, responses, assumed !== undefined));
    }
  }
  for (const [template, schema] of Object.entries(ASSUMED)) {
    if (!doc.paths[template]) routes.push(routeOf('GET', template, { '200': schema }, true));
  }
  routes.sort((a, b) => b.literalSegments - a.literalSegments);
  const cache = new Map<string, ValidateFunction>();
  const compile = (key: string, schema: Schema) => {
    let validate = cache.get(key);
    if (!validate) {
      validate = ajv.compile(qualifyRefs(schema) as Schema);
      cache.set(key, validate);
    }
    return validate;
  };

  return {
    validate(method, concretePath, status, body) {
      const pathname = (/^[a-z]+:\/\//i.test(concretePath) ? new URL(concretePath).pathname : concretePath.split(/[?#]/)[0] ?? '').replace(/^\/2\.0(?=\/)/, '');
      const route = routes.find((r) => r.method === method.toUpperCase() && r.pattern.test(pathname));
      if (!route) return { ok: false, errors: `no schema: ${method} ${pathname} is not in the Bitbucket excerpt` };
      const operation = `${route.method} ${route.template}${route.assumed ? ' (assumed)' : ''}`;
      const documented = String(status) in route.responses;
      const schema = route.responses[String(status)] ?? (status >= 400 ? ref('error') : undefined);
      if (!schema) return { ok: false, errors: `${operation} → ${status}: ${documented ? 'no schema for this status' : 'status not documented'}` };
      const validate = compile(`${operation}|${status}`, schema);
      if (validate(body)) return { ok: true, operation };
      const details = (validate.errors ?? []).slice(0, 10).map((e) => `${e.instancePath || '(body)'} ${e.message ?? 'is invalid'}`);
      return { ok: false, errors: `${operation} → ${status}: ${details.join('; ')}` };
    },
  };
}

/** Collects validations of every `/2.0/…` response a simulator hands to `inspect` (its `inspectResponse` option). */
export interface BitbucketResponseCheck {
  readonly inspect: (request: Request, response: Response) => Promise<void>;
  /** Mismatches since the last call, emptied. */
  takeMismatches(): string[];
  /** Operations validated successfully so far (to prove the check ran). */
  readonly validated: string[];
}

let shared: BitbucketOpenApiValidator | undefined;

/** A response check over the shared validator (the excerpt is compiled once per test process). */
export function createBitbucketResponseCheck(): BitbucketResponseCheck {
  shared ??= createBitbucketOpenApiValidator();
  const validator = shared;
  let mismatches: string[] = [];
  const validated: string[] = [];
  return {
    validated,
    takeMismatches: () => {
      const out = mismatches;
      mismatches = [];
      return out;
    },
    inspect: async (request, response) => {
      // Only the REST API has a schema; the simulator's other routes (the Forge JWKS) are not Bitbucket's API.
      if (!new URL(request.url).pathname.startsWith('/2.0/')) return;
      const text = await response.clone().text();
      const contentType = response.headers.get('content-type') ?? '';
      if (!/json/i.test(contentType)) {
        mismatches.push(`${request.method} ${request.url} → ${response.status}: not JSON (${contentType})`);
        return;
      }
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        mismatches.push(`${request.method} ${request.url} → ${response.status}: invalid JSON`);
        return;
      }
      const result = validator.validate(request.method, request.url, response.status, body);
      if (result.ok) validated.push(`${result.operation} → ${response.status}`);
      else mismatches.push(result.errors);
    },
  };
}
