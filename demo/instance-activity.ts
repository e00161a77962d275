import type { Fetch } from '../src/platform/fetch.js';

/** What one site saw of the instances: Jira calls each made, and which is calling now. */
export interface SiteActivity {
  /** Calls per instance name, all of them so far. */
  calls: Map<string, number>;
  /** Calls in flight per instance name. */
  inFlight: Map<string, number>;
  /** The instance that started the latest call. */
  lastInstance: string | undefined;
}

/** Jira calls of several in-process Tally instances, per site origin. */
export interface InstanceActivity {
  /** The fetch to give instance `name` (its runtime's): the global fetch, counted. */
  fetchFor(name: string): Fetch;
  /** What `siteOrigin` saw so far (empty when no instance called it yet). */
  of(siteOrigin: string): SiteActivity;
}

/**
 * Counts each instance's calls per site, in flight and in total, by wrapping the fetch the demo
 * hands each instance — Tally itself sends nothing that names the instance. Only the demo's view:
 * it changes no request.
 */
export function createInstanceActivity(): InstanceActivity {
  const sites = new Map<string, SiteActivity>();
  const of = (origin: string): SiteActivity => {
    let activity = sites.get(origin);
    if (!activity) {
      activity = { calls: new Map(), inFlight: new Map(), lastInstance: undefined };
      sites.set(origin, activity);
    }
    return activity;
  };
  const add = (counts: Map<string, number>, name: string, by: number) => counts.set(name, (counts.get(name) ?? 0) + by);
  return {
    fetchFor: (name) => async (input, init) => {
      const url = input instanceof Request ? input.url : String(input);
      const activity = of(new URL(url).origin);
      add(activity.calls, name, 1);
      add(activity.inFlight, name, 1);
      activity.lastInstance = name;
      try {
        return await fetch(input, init);
      } finally {
        add(activity.inFlight, name, -1);
      }
    },
    of,
  };
}
