import { html, page, type SafeHtml } from './html.js';

/** What the configure page shows. */
export interface ConfigureView {
  /** The linked Jira site's URL; undefined when not linked (or the site is gone). */
  linkedSiteUrl: string | undefined;
  sessionToken: string;
  pairAction: string;
  unlinkAction: string;
  /** The outcome of the form just sent, if any. */
  message?: { kind: 'ok' | 'error'; text: string };
}

function pairForm(view: ConfigureView, label: string): SafeHtml {
  return html`<form method="post" action="${view.pairAction}">
<input type="hidden" name="token" value="${view.sessionToken}">
<label for="code">Pairing code</label><input id="code" name="code" type="text" autocomplete="off" spellcheck="false" required maxlength="64" placeholder="XXXX-XXXX-XXXX-XXXX">
<button type="submit">${label}</button></form>`;
}

/**
 * The workspace's Tally settings: whether it is linked to a Jira site (and which), a form for a
 * pairing code from a Jira admin, and an Unlink button. Both forms carry the session token.
 */
export function renderConfigurePage(view: ConfigureView): string {
  const message = view.message
    ? html`<p class="${view.message.kind === 'ok' ? 'notice' : 'error'}" role="${view.message.kind === 'ok' ? 'status' : 'alert'}">${view.message.text}</p>`
    : '';
  const status = view.linkedSiteUrl === undefined
    ? html`<p>This workspace is <strong>not linked</strong> to a Jira site. A Jira site admin creates a pairing code in Tally's admin page in Jira; enter it here.</p>${pairForm(view, 'Link')}`
    : html`<p>This workspace is linked to the Jira site <a href="${view.linkedSiteUrl}" target="_blank" rel="noopener noreferrer">${view.linkedSiteUrl}</a>.</p>
<form method="post" action="${view.unlinkAction}"><input type="hidden" name="token" value="${view.sessionToken}"><button type="submit">Unlink</button></form>
<h2>Link to another Jira site</h2>${pairForm(view, 'Link instead')}`;
  return page('Tally settings', html`<h1>Tally settings</h1>${message}${status}`);
}
