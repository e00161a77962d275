import { describe, expect, it } from 'vitest';
import { createSimulator } from '../create-simulator.js';
import { adfToText } from '../jira/adf.js';
import { RESTRICTED_GROUP } from './generate-site.js';

const START = Date.UTC(2026, 10, 23);

function fingerprint(seed: number) {
  const sim = createSimulator({ clock: 'manual', startMs: START, generate: { worklogs: 3000, seed } });
  return JSON.stringify([...sim.site.worklogs.values()].slice(0, 200).concat([...sim.site.worklogs.values()].slice(-50)));
}

describe('generateSite', () => {
  it('is deterministic for a seed and differs across seeds', () => {
    expect(fingerprint(42)).toBe(fingerprint(42));
    expect(fingerprint(42)).not.toBe(fingerprint(43));
  });

  it('produces the requested volume over the requested history', () => {
    const sim = createSimulator({ clock: 'manual', startMs: START, generate: { worklogs: 5000, users: 40, issues: 300, projects: 4, years: 3, seed: 5 } });
    const generated = sim.generated!;
    expect(sim.site.worklogs.size + generated.deletedWorklogs).toBe(5000);
    expect(generated.users).toHaveLength(40);
    expect(sim.site.issues.size).toBe(300);
    expect(sim.site.projects.size).toBe(4);
    const created = [...sim.site.worklogs.values()].map((w) => w.createdMs);
    expect(Math.min(...created)).toBeGreaterThanOrEqual(generated.startMs);
    expect(Math.max(...created)).toBeLessThanOrEqual(generated.endMs);
    expect(generated.endMs - generated.startMs).toBe(3 * 365 * 86_400_000);
  });

  it('includes the shapes a real site has', () => {
    const sim = createSimulator({ clock: 'manual', startMs: START, generate: { worklogs: 5000, seed: 9 } });
    const worklogs = [...sim.site.worklogs.values()];
    const texts = worklogs.map((w) => adfToText(w.comment));
    expect(worklogs.some((w) => w.comment === undefined)).toBe(true);
    expect(texts.some((t) => /\p{Extended_Pictographic}/u.test(t))).toBe(true);
    expect(texts.some((t) => /[\u4e00-\u9fff]/.test(t))).toBe(true);
    expect(worklogs.some((w) => JSON.stringify(w.comment ?? '').length > 2000)).toBe(true);
    expect(worklogs.some((w) => w.visibility?.value === RESTRICTED_GROUP)).toBe(true);
    expect(worklogs.some((w) => w.updatedMs > w.createdMs)).toBe(true);
    expect(sim.site.deletedAt.size).toBeGreaterThan(0);
    const deletedUsers = sim.generated!.users.filter((u) => !u.active);
    expect(deletedUsers.length).toBeGreaterThan(0);
    expect(worklogs.some((w) => deletedUsers.some((u) => u.accountId === w.authorId))).toBe(true);
    expect(sim.generated!.users.some((u) => u.accountId.startsWith('557058:'))).toBe(true);
    expect([...sim.site.issues.values()].some((i) => i.parentId !== undefined)).toBe(true);
  });

  it('gives issues a working life of issueActiveDays: all of an issue\'s worklogs are created within it', () => {
    const spansInDays = (issueActiveDays: number) => {
      const sim = createSimulator({ clock: 'manual', startMs: START, generate: { worklogs: 20_000, issues: 1000, years: 3, seed: 7, issueActiveDays } });
      const created = new Map<number, { first: number; last: number }>();
      for (const worklog of sim.site.worklogs.values()) {
        const span = created.get(worklog.issueId);
        created.set(worklog.issueId, { first: Math.min(span?.first ?? Infinity, worklog.createdMs), last: Math.max(span?.last ?? -Infinity, worklog.createdMs) });
      }
      return [...created.values()].map(({ first, last }) => (last - first) / 86_400_000);
    };
    const lived = spansInDays(30);
    expect(lived.length).toBeGreaterThan(900);
    expect(Math.max(...lived)).toBeLessThanOrEqual(30);
    // By default an issue takes worklogs over the whole history.
    expect(Math.max(...spansInDays(0))).toBeGreaterThan(2 * 365);
  });
});
