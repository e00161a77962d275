/** Driving a page by keyboard alone in the browser tests. */
import type { Page } from 'playwright-core';

/** The `data-testid` of the element that has the focus, or null. */
export function focusedTestId(page: Page): Promise<string | null> {
  return page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? null);
}

async function pressUntilFocused(page: Page, key: 'Tab' | 'Shift+Tab', testId: string, limit: number): Promise<void> {
  for (let press = 0; press < limit; press++) {
    await page.keyboard.press(key);
    if ((await focusedTestId(page)) === testId) return;
  }
  throw new Error(`${testId} never got the focus by ${key} (${limit} presses; last focused: ${(await focusedTestId(page)) ?? 'an element without a data-testid'})`);
}

/**
 * Presses Tab until the element with `testId` has the focus (at most `limit` presses); throws
 * naming the element when it never does, i.e. when it cannot be reached by keyboard.
 */
export function tabTo(page: Page, testId: string, limit = 60): Promise<void> {
  return pressUntilFocused(page, 'Tab', testId, limit);
}

/** Like `tabTo`, backwards (Shift+Tab): for a control earlier on the page than the focus. */
export function shiftTabTo(page: Page, testId: string, limit = 60): Promise<void> {
  return pressUntilFocused(page, 'Shift+Tab', testId, limit);
}
