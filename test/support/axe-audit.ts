/**
 * Accessibility audits in the browser tests: axe-core (devDependency) run inside the page as it
 * is at that moment. axe's source is evaluated through the DevTools protocol, which Tally's CSP
 * (`script-src 'self'`) does not govern, so the page is audited with its real policy in place.
 */
import axe from 'axe-core';
import type { Page } from 'playwright-core';

/** One rule axe found broken, with where: what a failing assertion should print. */
export interface AxeViolation {
  rule: string;
  impact: string | null;
  help: string;
  targets: string[];
}

/**
 * Runs axe on the whole page (every rule axe runs by default: WCAG 2.x A/AA and its best
 * practices) and returns the violations, empty when there is none. Injects axe once per document.
 */
export async function auditAccessibility(page: Page): Promise<AxeViolation[]> {
  const hasAxe = await page.evaluate(() => typeof (window as unknown as { axe?: unknown }).axe === 'object');
  if (!hasAxe) await page.evaluate(axe.source);
  return page.evaluate(async () => {
    const inPage = (window as unknown as { axe: { run(context: Document): Promise<{ violations: { id: string; impact?: string | null; help: string; nodes: { target: unknown[] }[] }[] }> } }).axe;
    const results = await inPage.run(document);
    return results.violations.map((violation) => ({
      rule: violation.id,
      impact: violation.impact ?? null,
      help: violation.help,
      targets: violation.nodes.map((node) => node.target.map(String).join(' ')),
    }));
  });
}
