import { describe, expect, it } from 'vitest';
import { viewFromForgeModuleType, viewFromHash, viewFromMeta } from './page-view.js';

describe('page view choice', () => {
  it("shows the admin view for Connect's admin page marker only", () => {
    expect(viewFromMeta('admin')).toBe('admin');
    expect(viewFromMeta('report')).toBe('report');
    expect(viewFromMeta(null)).toBe('report');
  });

  it("shows the admin view for Forge's jira:adminPage module and the report for any other", () => {
    expect(viewFromForgeModuleType('jira:adminPage')).toBe('admin');
    expect(viewFromForgeModuleType('jira:globalPage')).toBe('report');
    expect(viewFromForgeModuleType(undefined)).toBe('report');
  });

  it('follows the #admin hash standalone', () => {
    expect(viewFromHash('#admin')).toBe('admin');
    expect(viewFromHash('#ADMIN')).toBe('admin');
    expect(viewFromHash('#reports')).toBe('report');
    expect(viewFromHash('')).toBe('report');
  });
});
