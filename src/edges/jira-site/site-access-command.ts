import type { EdgeCliCommand } from '../edge.js';
import { accessLinkUrl } from './site-access-paths.js';
import { createSiteAccessStore, SITE_SESSION_LIFETIME_MS } from './site-access-store.js';

const USAGE = '  access-link [--rotate]                  print a sign-in link to the report page (self-hosted site);\n' +
  '                                          --rotate first ends every earlier link and signed-in browser\n';

/**
 * `tally access-link [--rotate]`: mints an access key and prints the sign-in link for it — the
 * link first, on its own line, then what it grants. Earlier links stay valid; `--rotate` first
 * deletes every key and every session (one transaction), so old links and signed-in browsers stop
 * working, then prints a new link. Opens the control database itself (`openControl`), which works
 * while the server runs (SQLite WAL, or PostgreSQL), and closes it. 0 printed, 2 bad usage
 * (nothing changed); a database failure propagates to the CLI's handler (exit 1).
 */
export const accessLinkCommand: EdgeCliCommand = {
  name: 'access-link',
  usage: USAGE,
  async run(args, { config, clock, io, openControl }) {
    const unknown = args.filter((arg) => arg !== '--rotate');
    if (unknown.length > 0 || args.length > 1) {
      io.stderr.write(`tally access-link: unexpected ${unknown.length > 0 ? `argument "${unknown[0]}"` : 'repeated --rotate'}\n\nUsage:\n${USAGE}`);
      return 2;
    }
    const rotate = args.length === 1;
    const control = await openControl();
    try {
      const store = createSiteAccessStore({ db: control.db, clock });
      const rotated = rotate ? await store.rotate() : undefined;
      const key = await store.mintAccessKey();
      io.stdout.write(`${accessLinkUrl(config.baseUrl, key)}\n`);
      io.stdout.write(
        `This link opens Tally's time reports for whoever holds it, showing what the API token's account sees in Jira ` +
          `(per-viewer Jira permissions need the Forge app); share it only with people who may see all of that. ` +
          `Each sign-in lasts ${SITE_SESSION_LIFETIME_MS / 3_600_000} hours.\n`,
      );
      if (rotated) {
        io.stdout.write(`Rotated: ${rotated.deletedKeys} earlier link(s) and ${rotated.deletedSessions} signed-in browser(s) no longer work.\n`);
      }
      if (config.jiraSite === undefined) {
        io.stderr.write('Note: TALLY_JIRA_SITE is not set, so the site edge is off and this link works only once it is on.\n');
      }
      return 0;
    } finally {
      await control.close();
    }
  },
};
