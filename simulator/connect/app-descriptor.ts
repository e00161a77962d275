import { z } from 'zod';

const webhookModule = z.looseObject({
  event: z.string(),
  url: z.string(),
  filter: z.string().optional(),
  excludeBody: z.boolean().optional(),
});

/**
 * The parts of `atlassian-connect.json` the simulated Jira acts on (jira-connect-protocol.md §5).
 * Unknown fields pass through untouched; the whole document is kept on the installed app.
 */
const descriptorSchema = z.looseObject({
  key: z.string().regex(/^[a-zA-Z0-9-._]+$/).max(80),
  baseUrl: z.string().url(),
  name: z.string().optional(),
  authentication: z.looseObject({ type: z.string() }).optional(),
  lifecycle: z
    .looseObject({
      installed: z.string().optional(),
      uninstalled: z.string().optional(),
      enabled: z.string().optional(),
      disabled: z.string().optional(),
    })
    .optional(),
  scopes: z.array(z.string()).optional(),
  modules: z.looseObject({ webhooks: z.array(webhookModule).optional() }).optional(),
});

/** A parsed app descriptor. */
export type AppDescriptor = z.infer<typeof descriptorSchema>;

/** One `modules.webhooks[]` entry. */
export type WebhookModule = z.infer<typeof webhookModule>;

/** The outcome of reading a descriptor: the document, or why Jira would refuse it. */
export type DescriptorCheck = { ok: true; descriptor: AppDescriptor } | { ok: false; reason: string };

/** Validates a fetched descriptor; never throws. */
export function parseAppDescriptor(value: unknown): DescriptorCheck {
  const parsed = descriptorSchema.safeParse(value);
  if (!parsed.success) return { ok: false, reason: `invalid descriptor: ${parsed.error.message}` };
  return { ok: true, descriptor: parsed.data };
}

/** Reads a stored descriptor back (the site keeps it as a plain record). */
export function readStoredDescriptor(value: Record<string, unknown>): AppDescriptor | undefined {
  const check = parseAppDescriptor(value);
  return check.ok ? check.descriptor : undefined;
}

/**
 * The webhook modules of `descriptor` that subscribe to `event`, one per distinct URL. The JQL
 * `filter` is not evaluated by the simulator: every worklog matches.
 */
export function listWebhookModules(descriptor: AppDescriptor, event: string): WebhookModule[] {
  const seen = new Set<string>();
  const matches: WebhookModule[] = [];
  for (const module of descriptor.modules?.webhooks ?? []) {
    if (module.event !== event || seen.has(module.url)) continue;
    seen.add(module.url);
    matches.push(module);
  }
  return matches;
}

/** `relative` (a descriptor path such as `/installed`) resolved against the app `baseUrl`. */
export function appUrl(baseUrl: string, relative: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/${relative.replace(/^\/+/, '')}`;
}
