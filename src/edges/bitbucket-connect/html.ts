/*
 * Server-rendered HTML for the Bitbucket Connect pages. Every interpolated value is escaped
 * unless it is already {@link SafeHtml} built here, so nothing from Bitbucket, Jira or the request
 * can inject markup. No inline script (the CSP allows only Tally's own scripts): the pages are
 * plain documents with links and forms, usable with a keyboard as they are.
 */

/** Markup that is safe to insert as is: only this module's `html` tag makes it. */
export class SafeHtml {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for element content and quoted attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => ESCAPES[char] as string);
}

type Interpolation = SafeHtml | string | number | null | undefined | readonly Interpolation[];

function render(value: Interpolation): string {
  if (value === null || value === undefined) return '';
  if (value instanceof SafeHtml) return value.text;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

/** Template tag: literal parts are kept, every value escaped (arrays joined, SafeHtml kept). */
export function html(strings: TemplateStringsArray, ...values: Interpolation[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((value, index) => {
    out += render(value) + (strings[index + 1] ?? '');
  });
  return new SafeHtml(out);
}

// One small stylesheet in <head>: `style-src 'unsafe-inline'` is allowed (Connect's own styling
// needs it); scripts are not.
const STYLE = `body{font-family:-apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,sans-serif;color:#172b4d;margin:0;padding:8px 12px;font-size:14px}
table{border-collapse:collapse;margin:8px 0;min-width:60%}caption{text-align:left;font-weight:600;padding:4px 0}
th,td{border-bottom:1px solid #dfe1e6;padding:4px 8px;text-align:left;vertical-align:top}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
a{color:#0052cc}a:focus,button:focus,input:focus,select:focus{outline:2px solid #4c9aff;outline-offset:1px}
.muted{color:#5e6c84}.notice{background:#deebff;padding:8px;border-radius:3px}.error{background:#ffebe6;padding:8px;border-radius:3px}
h1{font-size:18px}h2{font-size:16px}h3{font-size:14px;margin:0 0 4px}form{margin:8px 0}label{margin-right:8px}
textarea:focus{outline:2px solid #4c9aff;outline-offset:1px}.field{margin:8px 0}.field label{display:block;font-weight:600}
.field .muted,.field-error{display:block;font-size:12px}.field-error{color:#ae2a19;font-weight:600}[aria-invalid="true"]{border:2px solid #ae2a19}`;

/** A whole page: language, title, one `<main>` with the body. */
export function page(title: string, body: SafeHtml): string {
  return html`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title}</title><style>${new SafeHtml(STYLE)}</style></head><body><main>${body}</main></body></html>`.text;
}

/** `2h 30m`, `45m`, `0m` (whole minutes; seconds below a minute shown as `<1m`). */
export function formatSeconds(seconds: number): string {
  if (seconds > 0 && seconds < 60) return '<1m';
  const minutes = Math.floor(seconds / 60);
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  if (hours === 0) return `${rest}m`;
  return rest === 0 ? `${hours}h` : `${hours}h ${rest}m`;
}
