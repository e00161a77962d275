import { describe, expect, it } from 'vitest';
import { loadForgeInvokeRemote } from './forge-host.js';
import { detectPageHost } from './page-host.js';

/** Just enough of a window and a document for host detection (the unit tests run in Node). */
function fakePage(options: { search?: string; bridge?: boolean; forgeMeta?: boolean }) {
  const win = {
    location: { search: options.search ?? '' },
    setTimeout: (fn: () => void, ms: number) => setTimeout(fn, ms),
    ...(options.bridge ? { __bridge: { callBridge: () => Promise.resolve() } } : {}),
  } as unknown as Window;
  const doc = {
    querySelector: (selector: string) => (options.forgeMeta && selector === 'meta[name="tally-host"]' ? { getAttribute: () => 'forge' } : null),
  } as unknown as Document;
  return { win, doc };
}

describe('page host', () => {
  it("is Connect when Jira's Connect iframe added xdm_e, whatever else is there", () => {
    const { win, doc } = fakePage({ search: '?xdm_e=https%3A%2F%2Fa.atlassian.net&jwt=x', bridge: true });
    expect(detectPageHost(win, doc)).toBe('connect');
  });

  it("is Forge when Forge's bridge is present or the page is Tally's Forge build", () => {
    const withBridge = fakePage({ bridge: true });
    const forgeBuild = fakePage({ forgeMeta: true });
    expect(detectPageHost(withBridge.win, withBridge.doc)).toBe('forge');
    expect(detectPageHost(forgeBuild.win, forgeBuild.doc)).toBe('forge');
  });

  it('is standalone otherwise (the demo, a direct link)', () => {
    const { win, doc } = fakePage({});
    expect(detectPageHost(win, doc)).toBe('standalone');
  });

  it("gives up on Forge's bridge after the wait, saying to open the page from Jira", async () => {
    const { win } = fakePage({ forgeMeta: true });
    await expect(loadForgeInvokeRemote(win, 60)).rejects.toThrow(/open it from Jira/);
  });
});
