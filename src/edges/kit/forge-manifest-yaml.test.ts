import forgeManifestPackage from '@forge/manifest';
import { describe, expect, it } from 'vitest';
import { renderYaml, type YamlValue } from './forge-manifest-yaml.js';

/** Reads YAML back with the parser Atlassian's manifest tooling uses (no interpolation). */
function readBack(text: string): unknown {
  return new forgeManifestPackage.ManifestParserBuilder().build().parseManifest({ content: text, filePath: 'manifest.yml' });
}

describe('renderYaml', () => {
  it('writes strings that look like other YAML types so that they read back as the same strings', () => {
    const tricky = ['true', 'No', 'null', '~', '1', '0x1F', '1e3', '.inf', '12:30', '', ' padded ', 'a: b', 'x #y', 'ends:', '*alias', '&anchor', '!tag', '- dash', '[1]', '{a}', '"quoted"', "it's", 'line\nbreak', 'ünïcode'];
    const value = { list: tricky, map: Object.fromEntries(tricky.filter(Boolean).map((s, i) => [s, i])) };
    expect(readBack(renderYaml(value))).toEqual(value);
  });

  it('writes manifest-shaped data plainly and reads it back unchanged', () => {
    const value: { [key: string]: YamlValue } = {
      app: { id: 'ari:cloud:ecosystem::app/00000000-0000-4000-8000-000000000000', runtime: { name: 'nodejs22.x' } },
      modules: { 'jira:globalPage': [{ key: 'time-reports', title: 'Time reports', resolver: { endpoint: 'ui-endpoint' } }], empty: [], none: {} },
      remotes: [{ key: 'tally', baseUrl: 'https://tally.example.com', operations: ['storage', 'compute'], storage: { inScopeEUD: true } }],
      nested: [[1, 2], [], [{ a: false }]],
    };
    const text = renderYaml(value, ['generated', '']);
    expect(text).toContain('  jira:globalPage:\n    - key: time-reports\n      title: Time reports\n');
    expect(text).toContain('    baseUrl: https://tally.example.com\n');
    expect(text.startsWith('# generated\n#\napp:\n')).toBe(true);
    expect(readBack(text)).toEqual(value);
  });

  it('leaves out undefined properties and refuses numbers YAML cannot hold', () => {
    expect(renderYaml({ a: 1, b: undefined })).toBe('a: 1\n');
    expect(() => renderYaml({ a: Number.NaN })).toThrow(/not a finite number/);
  });
});
