import { html, page, type SafeHtml } from './html.js';

/** The page shown while an installation awaits its confirming call to Bitbucket. */
export function renderPendingPage(): string {
  return page('Tally is being set up', html`<h1>Tally is being set up</h1>
<p class="notice" role="status">Tally has not yet confirmed this installation with Bitbucket (BITBUCKET_INSTALLATION_PENDING). Reload in a few seconds; if this persists, reinstall the app.</p>`);
}

/** What a workspace that is not linked to a Jira site sees, and how to link it. */
export function notLinkedMessage(): SafeHtml {
  return html`<h1>Not linked yet</h1>
<p>This Bitbucket workspace is not linked to a Jira site in Tally yet, so no time can be shown (BITBUCKET_NOT_LINKED).</p>
<p>To link it: a Jira site admin opens Tally's admin page in Jira and creates a pairing code; a workspace admin then enters it in this workspace's settings, under <strong>Tally</strong>.</p>`;
}

/** The not-linked page of the panel and the repository page. */
export function renderNotLinkedPage(): string {
  return page('Not linked yet', notLinkedMessage());
}

/** Any refusal or failure of a page, as a page: the stable code and a message meant for people. */
export function renderErrorPage(code: string, message: string): string {
  return page('Tally cannot show this page', html`<h1>Tally cannot show this page</h1><p class="error" role="alert">${message} (${code})</p>`);
}
