import { jiraError, readJsonBody } from '../../http/jira-error.js';

/** The JSON types a request-body property may have. */
export type BodyType = 'string' | 'integer' | 'boolean' | 'string[]' | 'integer[]' | 'object[]';

/** Jira Cloud's wording for a body its JSON mapper cannot bind (bad JSON, wrong type, unknown field). */
export const INVALID_PAYLOAD = 'Invalid request payload. Refer to the REST API documentation and try again.';

function hasType(value: unknown, type: BodyType): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'integer':
      return Number.isSafeInteger(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'string[]':
      // Jira's mapper skips nulls inside lists (permissions/check documents it), so they pass here.
      return Array.isArray(value) && value.every((v) => v === null || typeof v === 'string');
    case 'integer[]':
      return Array.isArray(value) && value.every((v) => v === null || Number.isSafeInteger(v));
    case 'object[]':
      return Array.isArray(value) && value.every((v) => v === null || (typeof v === 'object' && !Array.isArray(v)));
  }
}

/**
 * Checks a parsed body against a flat shape, as Jira's JSON binding does: an object, only known
 * properties (the request beans forbid others), each of the declared type or null. Returns the
 * object or a 400 `ErrorCollection` naming the property.
 */
export function checkObject(value: unknown, shape: Record<string, BodyType>): Record<string, unknown> | Response {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return jiraError(400, [INVALID_PAYLOAD], { body: 'The request body must be a JSON object.' });
  }
  const record = value as Record<string, unknown>;
  for (const [key, item] of Object.entries(record)) {
    // hasOwn: a key such as "constructor" must not resolve to an Object.prototype member.
    const type = Object.hasOwn(shape, key) ? shape[key] : undefined;
    if (!type) return jiraError(400, [INVALID_PAYLOAD], { [key]: `Unrecognized field "${key.slice(0, 40)}".` });
    if (item !== null && !hasType(item, type)) {
      return jiraError(400, [INVALID_PAYLOAD], { [key]: `Expected ${type.replace('[]', ' list')}.` });
    }
  }
  return record;
}

/** Reads and checks a JSON object body; a missing or malformed body answers 400. */
export async function readObjectBody(request: Request, shape: Record<string, BodyType>): Promise<Record<string, unknown> | Response> {
  const body = await readJsonBody(request);
  if (!body.ok) return jiraError(400, [INVALID_PAYLOAD], { body: body.message });
  return checkObject(body.value, shape);
}

/** Strings of a list property, nulls and blanks dropped. */
export function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string' && v.trim() !== '') : [];
}

/** Integers of a list property, nulls dropped. */
export function integerList(value: unknown): number[] {
  return Array.isArray(value) ? value.filter((v): v is number => Number.isSafeInteger(v)) : [];
}

/**
 * A non-negative integer query parameter; `fallback` when absent. Returns a 400 response for
 * anything else, naming the parameter, never NaN.
 */
export function integerParam(text: string | undefined, name: string, fallback: number): number | Response {
  if (text === undefined || text === '') return fallback;
  if (!/^\d{1,15}$/.test(text.trim())) {
    return jiraError(400, [`The value '${text.slice(0, 40)}' is not a valid number for the parameter '${name}'.`]);
  }
  return Number(text.trim());
}

/** Values of a repeatable query parameter, each also split on commas, blanks dropped. */
export function listParam(values: string[] | undefined): string[] {
  return (values ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
}
