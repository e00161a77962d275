import { describe, expect, it } from 'vitest';
import type { AdminSyncStatus } from '../../api/api-types.js';
import { agoText, etaText, lagText, percentDone, phaseText, sizeText, spanText, worklogsText } from './overview-texts.js';

const running: AdminSyncStatus = { phase: 'full', fraction: 0.4237, worklogsWritten: 3120, worklogsRemainingEstimate: 4240, etaSeconds: 12_000 };

describe('admin overview texts', () => {
  it('says spans the way people plan with them', () => {
    expect(spanText(45)).toBe('45 seconds');
    expect(spanText(61)).toBe('1 minute');
    expect(spanText(12_000)).toBe('3 hours 20 minutes');
    expect(spanText(7200)).toBe('2 hours');
    expect(spanText(2 * 86_400 + 4 * 3600)).toBe('2 days 4 hours');
  });

  it("shows a running full sync's progress, work left and ETA, and says when there is no basis for an ETA yet", () => {
    expect(phaseText(running)).toBe('Full sync running');
    expect(percentDone(running)).toBe(42);
    expect(worklogsText(running, 'en-US')).toBe('3,120 worklogs read, about 4,240 to go');
    expect(etaText(running)).toMatch(/^About 3 hours 20 minutes left/);
    expect(etaText({ ...running, etaSeconds: undefined })).toMatch(/^Estimating/);
    expect(etaText({ ...running, phase: 'incremental', fraction: 1 })).toBe('Done.');
    expect(phaseText({ ...running, paused: { reason: 'token_revoked', message: 'x' } })).toMatch(/^Paused/);
  });

  it('says how late the last webhook was and how long ago things happened', () => {
    expect(lagText(null)).toMatch(/unknown/);
    expect(lagText(300)).toBe('arrived within a second of the change');
    expect(lagText(2400)).toBe('arrived 2 seconds after the change');
    expect(agoText(1000, 4000)).toBe('just now');
    expect(agoText(0, 125_000)).toBe('2 minutes ago');
  });

  it('gives sizes in the units file managers use', () => {
    expect(sizeText(512, 'en-US')).toBe('512 bytes');
    expect(sizeText(1_436_000, 'en-US')).toBe('1.4 MB');
    expect(sizeText(250_000, 'en-US')).toBe('250 kB');
  });
});
