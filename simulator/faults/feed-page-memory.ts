/** `/worklog/updated` and `/worklog/deleted`, v2 and v3: the feeds a duplicated page applies to. */
const FEED_PATH = /^\/rest\/api\/[23]\/worklog\/(updated|deleted)$/;

/** Whether `pathname` is a worklog change feed. */
export function isFeedPath(pathname: string): boolean {
  return FEED_PATH.test(pathname);
}

/**
 * The last page body answered per feed path (query ignored), so a `duplicatePage` fault can
 * answer the previous page again. Holds one body per path; bounded.
 */
export class FeedPageMemory {
  private readonly lastBody = new Map<string, string>();

  remember(pathname: string, body: string): void {
    this.lastBody.set(pathname, body);
  }

  find(pathname: string): string | undefined {
    return this.lastBody.get(pathname);
  }
}
