import { z } from 'zod';
import type { Fetch } from '../../platform/fetch.js';

/*
 * A Forge install carries no site URL ("NOT the same as your site URL"); Jira's serverInfo has it:
 * `GET {apiBaseUrl}/rest/api/3/serverInfo` (forge-migration.md §4, remote-agents guide).
 */

const serverInfoSchema = z.object({ baseUrl: z.url({ protocol: /^https?$/ }).max(500) });

/** What asking Jira for the site URL gave. */
export type SiteUrlAnswer = { ok: true; siteUrl: string } | { ok: false; status: number | undefined };

/**
 * Reads the site URL from `serverInfo` with the system token. Never throws: a refusal (401/403
 * while permissions arrive late), a timeout or an unusable body is `{ ok: false }` and the caller
 * tries again later. The token goes only to `apiBaseUrl`.
 */
export async function fetchSiteUrl(deps: { fetch: Fetch; apiBaseUrl: string; token: string; timeoutMs: number }): Promise<SiteUrlAnswer> {
  try {
    const response = await deps.fetch(`${deps.apiBaseUrl}/rest/api/3/serverInfo`, {
      headers: { authorization: `Bearer ${deps.token}`, accept: 'application/json' },
      signal: AbortSignal.timeout(deps.timeoutMs),
    });
    if (!response.ok) {
      await response.body?.cancel();
      return { ok: false, status: response.status };
    }
    const parsed = serverInfoSchema.safeParse(await response.json());
    return parsed.success ? { ok: true, siteUrl: parsed.data.baseUrl.replace(/\/+$/, '') } : { ok: false, status: response.status };
  } catch {
    return { ok: false, status: undefined };
  }
}
