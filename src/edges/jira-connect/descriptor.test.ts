import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/load-config.js';
import { buildJiraDescriptor, CONNECT_ROUTES } from './descriptor.js';

// ajv-formats ships CommonJS; under NodeNext its default import is the module object.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

const SECRET = Buffer.from(Array.from({ length: 32 }, (_, i) => (i * 37 + 11) % 256)).toString('base64');
const config = { baseUrl: 'https://tally.example.com', appKey: 'io.tally.time-reports', appName: 'Tally time reports' };

/**
 * Atlassian's Jira descriptor schema (draft-04, vendored by ACE). Ajv 8 has no draft-04 meta
 * schema, so `$schema` is dropped and `strict: false` ignores Atlassian's extra keywords
 * (`fieldDescription`, `shortClassName`). Its `format: "uri"` is applied to lifecycle and module
 * URLs that Atlassian documents as paths relative to baseUrl (protocol §5 example), so `uri`
 * means URI-reference here; baseUrl keeps its absolute http(s) `pattern`.
 */
function descriptorValidator() {
  const file = path.resolve(process.cwd(), '../shared/reference/connect-jira-descriptor-schema.json');
  const { $schema: _draft04, _source: _provenance, ...schema } = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addFormat('uri', ajv.formats['uri-reference'] as RegExp | ((value: string) => boolean));
  // ajv-formats' `uri-template` leaves out RFC 6570's dotted variable names (`varname = varchar
  // *( ["."] varchar )`), which Connect's context parameters are (`{issue.key}`): RFC 6570 here.
  const varspec = '(?:[a-z0-9_]|%[0-9a-f]{2})+(?:\\.(?:[a-z0-9_]|%[0-9a-f]{2})+)*(?::[1-9][0-9]{0,3}|\\*)?';
  ajv.addFormat('uri-template', new RegExp(`^(?:[^\\x00-\\x20"'<>%\\\\^\`{|}]|%[0-9a-f]{2}|\\{[+#./;?&=,!@|]?${varspec}(?:,${varspec})*\\})*$`, 'i'));
  return ajv.compile(schema);
}

describe('buildJiraDescriptor', () => {
  const validate = descriptorValidator();

  it("validates against Atlassian's Jira descriptor schema", () => {
    const valid = validate(buildJiraDescriptor(config));
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('is refused by the same schema when it breaks a rule (the check can fail)', () => {
    const descriptor = buildJiraDescriptor(config);
    expect(validate({ ...descriptor, key: 'has spaces' })).toBe(false);
    expect(validate({ ...descriptor, scopes: ['READ', 'EVERYTHING'] })).toBe(false);
    expect(validate({ ...descriptor, baseUrl: 'ftp://tally.example.com' })).toBe(false);
    const panel = descriptor.modules.webPanels[0]!;
    expect(validate({ ...descriptor, modules: { ...descriptor.modules, webPanels: [{ ...panel, url: '/pages/reports?issueKey={issue key}' }] } })).toBe(false);
  });

  it('asks for READ as the app, WRITE, DELETE and ACT_AS_USER for writes as the user, and opts into signed install, context qsh and GDPR tokens', () => {
    const descriptor = buildJiraDescriptor(config);
    expect(descriptor.scopes).toEqual(['READ', 'WRITE', 'DELETE', 'ACT_AS_USER']);
    expect(descriptor.apiMigrations).toEqual({ 'signed-install': true, 'context-qsh': true, gdpr: true });
    expect(descriptor.authentication).toEqual({ type: 'jwt' });
  });

  it('names the lifecycle, webhook and page routes the router mounts', () => {
    const descriptor = buildJiraDescriptor(config);
    expect(descriptor.lifecycle).toEqual({
      installed: CONNECT_ROUTES.installed,
      uninstalled: CONNECT_ROUTES.uninstalled,
      enabled: CONNECT_ROUTES.enabled,
      disabled: CONNECT_ROUTES.disabled,
    });
    expect(descriptor.modules.webhooks).toEqual([
      { event: 'worklog_created', url: '/connect/webhooks/worklog' },
      { event: 'worklog_updated', url: '/connect/webhooks/worklog' },
      { event: 'worklog_deleted', url: '/connect/webhooks/worklog' },
    ]);
    expect(descriptor.modules.generalPages).toEqual([
      { key: 'tally-reports', name: { value: 'Time reports' }, url: '/pages/reports', location: 'system.top.navigation.bar' },
    ]);
    expect(descriptor.modules.adminPages).toEqual([{ key: 'tally-admin', name: { value: 'Tally settings' }, url: '/pages/admin' }]);
    // The issue view's panel is the report page's `issue-panel` view; Jira substitutes the key.
    expect(descriptor.modules.webPanels).toEqual([
      { key: 'tally-issue-panel', name: { value: 'Log work (Tally)' }, url: '/pages/reports?view=issue-panel&issueKey={issue.key}', location: 'atl.jira.view.issue.right.context', weight: 100 },
    ]);
  });

  it('strips trailing slashes from baseUrl so the install aud has one spelling', () => {
    expect(buildJiraDescriptor({ ...config, baseUrl: 'https://tally.example.com//' }).baseUrl).toBe('https://tally.example.com');
  });

  it('carries a schema-valid key and an https baseUrl for a production configuration', () => {
    const production = loadConfig({ TALLY_SECRET_KEY: SECRET, TALLY_BASE_URL: 'https://tally.example.com/' });
    const descriptor = buildJiraDescriptor(production);
    expect(descriptor.key).toMatch(/^[a-zA-Z0-9-._]{1,64}$/);
    expect(new URL(descriptor.baseUrl).protocol).toBe('https:');
    expect(validate(descriptor)).toBe(true);
  });

  it('is deterministic: the same configuration gives the same descriptor', () => {
    expect(JSON.stringify(buildJiraDescriptor(config))).toBe(JSON.stringify(buildJiraDescriptor({ ...config })));
  });
});
