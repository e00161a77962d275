/**
 * Accessibility audits in the browser tests: axe-core (devDependency) run inside the page as it
 * is at that moment. axe's source is evaluated through the DevTools protocol, which Tally's CSP
 * (`script-src 'self'`) does not govern, so the page is audited with its real policy in place.
 */
import axe from 'axe-core';
import type { Page } from 'playwright-core';

/** axe's impact levels, least severe first. */
export const AXE_IMPACTS = ['minor', 'moderate', 'serious', 'critical'] as const;

/** How much a violation hurts, in axe's words. */
export type AxeImpact = (typeof AXE_IMPACTS)[number];

/** One rule axe found broken, with where: what a failing assertion should print. */
export interface AxeViolation {
  rule: string;
  impact: string | null;
  help: string;
  targets: string[];
}

/** Whether `impact` is `minImpact` or worse; a violation axe gave no impact counts as the worst. */
export function isAtLeast(impact: string | null, minImpact: AxeImpact): boolean {
  const rank = AXE_IMPACTS.indexOf((impact ?? 'critical') as AxeImpact);
  return (rank === -1 ? AXE_IMPACTS.length : rank) >= AXE_IMPACTS.indexOf(minImpact);
}

/**
 * Runs axe on the whole page (every rule axe runs by default: WCAG 2.x A/AA and its best
 * practices) and returns the violations of `minImpact` or worse (default: all of them), empty
 * when there is none. Injects axe once per document; read-only otherwise.
 */
export async function auditAccessibility(page: Page, options: { minImpact?: AxeImpact } = {}): Promise<AxeViolation[]> {
  const hasAxe = await page.evaluate(() => typeof (window as unknown as { axe?: unknown }).axe === 'object');
  if (!hasAxe) await page.evaluate(axe.source);
  const violations = await page.evaluate(async () => {
    const inPage = (window as unknown as { axe: { run(context: Document): Promise<{ violations: { id: string; impact?: string | null; help: string; nodes: { target: unknown[] }[] }[] }> } }).axe;
    const results = await inPage.run(document);
    return results.violations.map((violation) => ({
      rule: violation.id,
      impact: violation.impact ?? null,
      help: violation.help,
      targets: violation.nodes.map((node) => node.target.map(String).join(' ')),
    }));
  });
  return violations.filter((violation) => isAtLeast(violation.impact, options.minImpact ?? 'minor'));
}

/**
 * Fails, naming the page's state and every violation with its targets, when axe finds anything of
 * `minImpact` (default `moderate`: moderate, serious and critical) or worse on the page as it is.
 */
export async function assertAccessible(page: Page, state: string, minImpact: AxeImpact = 'moderate'): Promise<void> {
  const violations = await auditAccessibility(page, { minImpact });
  if (violations.length === 0) return;
  const lines = violations.map((v) => `  ${v.impact ?? 'unknown'} ${v.rule}: ${v.help}\n    ${v.targets.join('\n    ')}`);
  throw new Error(`axe found ${violations.length} violation(s) of impact ${minImpact} or worse in state "${state}":\n${lines.join('\n')}`);
}
