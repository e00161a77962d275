/*
 * The small HTML pages of the site edge's sign-in. Static text only: nothing from the request
 * (least of all a key) is ever echoed, and there is no script, so the app's CSP holds as it is
 * (`style-src 'unsafe-inline'` allows the one inline style block).
 */

const STYLE =
  'body{font:16px/1.5 system-ui,sans-serif;margin:0;color:#172b4d;background:#f4f5f7}' +
  'main{max-width:36rem;margin:4rem auto;padding:2rem;background:#fff;border-radius:8px;box-shadow:0 1px 3px rgba(9,30,66,.25)}' +
  'h1{font-size:1.5rem;margin-top:0}code{background:#f4f5f7;padding:.1rem .3rem;border-radius:3px}a{color:#0052cc}';

/** What a page says: a title and paragraphs of trusted HTML (constants of this file only). */
function page(title: string, paragraphs: readonly string[], head = ''): string {
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<meta name="robots" content="noindex"><title>${title}</title><style>${STYLE}</style>${head}</head>` +
    `<body><main><h1>${title}</h1>${paragraphs.map((text) => `<p>${text}</p>`).join('')}</main></body></html>`
  );
}

const HOW_TO_SIGN_IN =
  'Sign in with the link <code>npx tally access-link</code> prints on the machine that runs Tally (ask whoever runs it).';

/** 401 at `/` without a live session: how to sign in. */
export function signInRequiredPage(): string {
  return page('Sign in to see time reports', ['This report page is private.', HOW_TO_SIGN_IN, 'A sign-in lasts 12 hours at most; then open the link again.']);
}

/** 401 at `/site/access` with a missing, malformed, unknown or rotated key. */
export function accessLinkRefusedPage(): string {
  return page('This sign-in link does not work', [
    'The link is incomplete, or it was replaced with <code>npx tally access-link --rotate</code>.',
    `${HOW_TO_SIGN_IN} Each run prints a new link.`,
  ]);
}

/** 429 at `/site/access` while too many wrong links were tried. */
export function tooManyAttemptsPage(): string {
  return page('Too many sign-in attempts', ['Too many sign-in links that do not work were tried in the last minute. Wait a minute, then open your link again.']);
}

/**
 * 200 after a good key: a same-site hop to the report page. The browser arrived from another
 * site (a chat, a mail), and browsers do not send a SameSite=Strict cookie on a navigation that
 * another site started, redirects included; a navigation this page starts is same-site, so the
 * cookie goes with it. The refresh needs no script (CSP), and the link serves when refreshes are
 * off. The key is already out of the address bar: this page is reached by a 303.
 */
export function signedInPage(): string {
  return page('Signed in', ['You are signed in. <a href="/">Open the time reports</a>.'], '<meta http-equiv="refresh" content="0; url=/">');
}

/** 200 after sign-out. */
export function signedOutPage(): string {
  return page('Signed out', ['You are signed out of Tally\'s time reports on this browser.', HOW_TO_SIGN_IN]);
}
