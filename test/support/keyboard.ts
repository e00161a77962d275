/** Driving a page by keyboard alone in the browser tests. */
import type { Page } from 'playwright-core';

/** The `data-testid` of the element that has the focus, or null. */
export function focusedTestId(page: Page): Promise<string | null> {
  return page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? null);
}

/**
 * Presses Tab until the element with `testId` has the focus (at most `limit` presses); throws
 * naming the element when it never does, i.e. when it cannot be reached by keyboard.
 */
export async function tabTo(page: Page, testId: string, limit = 60): Promise<void> {
  for (let press = 0; press < limit; press++) {
    await page.keyboard.press('Tab');
    if ((await focusedTestId(page)) === testId) return;
  }
  throw new Error(`${testId} never got the focus by Tab`);
}
