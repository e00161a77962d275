import { Hono } from 'hono';
import type { SimContext, SimDeps, SimEnv } from '../../http/sim-env.js';
import { jiraError } from '../../http/jira-error.js';
import type { JiraSite, SimUser } from '../jira-site.js';
import { hasGlobalPermission } from './platform-permission-grants.js';

/** "The maximum length of the property value is 32768 bytes" (entity-properties excerpt, setUserProperty). */
export const MAX_USER_PROPERTY_BYTES = 32_768;
/** "The key of the user's property. The maximum length is 255 characters." (same operation). */
export const MAX_USER_PROPERTY_KEY_LENGTH = 255;

/**
 * The user whose properties the request names (`?accountId=`), when the caller may touch them:
 * 400 without `accountId`, 404 for an unknown user, 403 for someone else's record unless the
 * caller holds Administer Jira ("to access the property keys on any user") or is an app and the
 * site lets apps in (`appsMayAccessUserProperties`, unverified: the excerpt is silent on apps).
 */
function resolveSubject(site: JiraSite, c: SimContext): SimUser | Response {
  const accountId = c.req.query('accountId');
  if (!accountId) return jiraError(400, ['The accountId query parameter must be provided.']);
  const user = site.users.get(accountId);
  if (!user) return jiraError(404, [`The user with account ID '${accountId.slice(0, 128)}' does not exist.`]);
  const caller = c.get('caller');
  if (caller.user.accountId === user.accountId || hasGlobalPermission(caller.user, 'ADMINISTER')) return user;
  if (caller.kind === 'app' && site.behaviour.appsMayAccessUserProperties) return user;
  return jiraError(403, ['You do not have permission to access the properties of this user.']);
}

/** The path's property key when it is within Jira's length limit; else the 400. */
function checkKey(c: SimContext): string | Response {
  const key = c.req.param('propertyKey') ?? '';
  if (key.length > MAX_USER_PROPERTY_KEY_LENGTH) {
    return jiraError(400, [`The property key cannot be longer than ${MAX_USER_PROPERTY_KEY_LENGTH} characters.`]);
  }
  return key;
}

/** The body as JSON text Jira would store: non-empty, valid JSON, at most 32,768 bytes. */
async function readPropertyValue(request: Request): Promise<string | Response> {
  const text = (await request.text()).trim();
  if (text === '') return jiraError(400, ['The property value must not be empty.']);
  // The limit applies to the value as sent; the status for an oversized value is undocumented
  // (400, as for any invalid request; unverified).
  if (Buffer.byteLength(text, 'utf8') > MAX_USER_PROPERTY_BYTES) {
    return jiraError(400, [`The property value exceeds the maximum size of ${MAX_USER_PROPERTY_BYTES} bytes.`]);
  }
  try {
    JSON.parse(text);
  } catch {
    return jiraError(400, ['The property value must be a valid JSON value.']);
  }
  return text;
}

/**
 * User entity properties, `/rest/api/{2,3}/user/properties[/{propertyKey}]?accountId=` (getUserPropertyKeys,
 * getUserProperty, setUserProperty, deleteUserProperty in jira-entity-properties-openapi-excerpt.json):
 * keys as `{keys: [{key, self}]}`, a value as `{key, value}`, PUT 201 when created and 200 when
 * replaced (empty bodies), DELETE 204, 404 for a missing property, 405 for a PUT or DELETE without a key.
 */
export function userPropertyRoutes({ site }: SimDeps): Hono<SimEnv> {
  const routes = new Hono<SimEnv>();
  const base = '/rest/api/:version{[23]}/user/properties';
  const notFound = (key: string) => jiraError(404, [`The property with key '${key.slice(0, 255)}' does not exist.`]);

  routes.get(base, (c) => {
    const user = resolveSubject(site, c);
    if (user instanceof Response) return user;
    const version = c.req.param('version');
    const query = `?accountId=${encodeURIComponent(user.accountId)}`;
    const keys = site.userProperties.listKeys(user.accountId).map((key) => ({
      key,
      self: `${site.baseUrl}/rest/api/${version}/user/properties/${encodeURIComponent(key)}${query}`,
    }));
    return c.json({ keys });
  });

  // "405: Returned if the property key is not specified" (setUserProperty).
  const noKey = () => jiraError(405, ['The property key must be specified.']);
  routes.put(base, noKey);
  routes.delete(base, noKey);

  routes.get(`${base}/:propertyKey`, (c) => {
    const key = checkKey(c);
    if (key instanceof Response) return key;
    const user = resolveSubject(site, c);
    if (user instanceof Response) return user;
    const found = site.userProperties.find(user.accountId, key);
    return found ? c.json({ key, value: found.value }) : notFound(key);
  });

  routes.put(`${base}/:propertyKey`, async (c) => {
    const key = checkKey(c);
    if (key instanceof Response) return key;
    const user = resolveSubject(site, c);
    if (user instanceof Response) return user;
    const value = await readPropertyValue(c.req.raw);
    if (value instanceof Response) return value;
    const outcome = site.userProperties.set(user.accountId, key, value);
    return c.body(null, outcome === 'created' ? 201 : 200);
  });

  routes.delete(`${base}/:propertyKey`, (c) => {
    const key = checkKey(c);
    if (key instanceof Response) return key;
    const user = resolveSubject(site, c);
    if (user instanceof Response) return user;
    return site.userProperties.delete(user.accountId, key) ? c.body(null, 204) : notFound(key);
  });

  return routes;
}
