/**
 * What the data statement says about the core's Bitbucket tables (core migration `007_bitbucket`).
 * Marked `product: 'bitbucket'`: the statement shows them, and every table that references them
 * (each Bitbucket edge's own installation table), in its Bitbucket Cloud app section.
 */
import type { DatabaseCatalogue } from '../privacy/data-statement/field-catalogue.js';

/** The catalogue entries of `bitbucket_installations` and `bitbucket_pairing_codes`. */
export const BITBUCKET_CATALOGUE: DatabaseCatalogue = {
  bitbucket_installations: {
    product: 'bitbucket',
    purpose: 'One row per installation of Tally\'s Bitbucket Cloud app in a workspace: who installed it and which Jira site the workspace is linked to. How Bitbucket names the installation is in the edge\'s own table below, deleted with this row.',
    retention: () => 'Until the app is uninstalled from the workspace: the uninstall deletes the row, and with it the edge\'s row, at once. Nothing about the workspace is kept afterwards, not even in backups (none are made of it).',
    columns: {
      id: { description: 'Tally\'s own random id of the installation (`bb_` and 24 hex digits).', personalData: 'no', source: 'tally' },
      edge: { description: 'Which of Tally\'s Bitbucket apps the workspace installed (the edge that keeps its row).', personalData: 'no', source: 'tally' },
      state: { description: 'Whether the installation is confirmed.', personalData: 'no', source: 'tally', values: { pending: 'Not yet confirmed by one authenticated call to Bitbucket: shows nothing.', active: 'Confirmed.' } },
      installer_uuid: { description: 'The Bitbucket UUID of the user who installed the app (`{…}`), as the install event named them.', personalData: 'yes', source: 'install' },
      installer_username: { description: 'That user\'s Bitbucket username, when Bitbucket sent one; shown to Jira admins next to the link.', personalData: 'yes', source: 'install' },
      installer_avatar_url: { description: 'The URL of that user\'s avatar image, when Bitbucket sent one (the URL only; the image is not fetched or kept).', personalData: 'yes', source: 'install' },
      jira_tenant_id: { description: 'Tally\'s id of the Jira site the workspace is linked to (`tenants.id`); null until a pairing code is redeemed, after unlinking, and once the Jira site is uninstalled.', personalData: 'no', source: 'tally' },
      linked_at_ms: { description: 'When the link was made (epoch ms); null when not linked.', personalData: 'no', source: 'tally' },
      created_at_ms: { description: 'When the app was installed in the workspace (epoch ms).', personalData: 'no', source: 'tally' },
    },
    indexes: { bitbucket_installations_tenant_idx: 'A Jira site\'s linked workspaces, for its admin page and for cutting the links when the site is uninstalled.' },
  },
  bitbucket_pairing_codes: {
    product: 'bitbucket',
    purpose: 'One-time codes a Jira site admin creates to link a Bitbucket workspace to the site. Only a hash of each code is stored: the code itself is shown once and never kept.',
    retention: () => 'Until used (deleted in the same transaction that makes the link), or deleted once expired (after TALLY_BITBUCKET_PAIRING_MINUTES) the next time any code is made or redeemed; all of a site\'s codes are deleted when the site is uninstalled.',
    columns: {
      code_hash: { description: 'SHA-256 of the code (upper case, dashes removed).', personalData: 'no', source: 'tally' },
      tenant_id: { description: 'Tally\'s id of the Jira site the code links to.', personalData: 'no', source: 'tally' },
      created_at_ms: { description: 'When the code was made (epoch ms).', personalData: 'no', source: 'tally' },
      expires_at_ms: { description: 'When it stops working (epoch ms).', personalData: 'no', source: 'tally' },
    },
    indexes: {
      bitbucket_pairing_codes_expiry_idx: 'Finds expired codes to delete.',
      bitbucket_pairing_codes_tenant_idx: 'A site\'s codes, deleted when it is uninstalled.',
    },
  },
};
