import type { SimInstalledApp } from '../jira/jira-site.js';

/** One installation of the Forge app on the simulated site; a reinstall is a new one. */
export interface ForgeInstallation {
  /** Bare uuid (the lifecycle body's `id`). */
  uuid: string;
  /** `ari:cloud:ecosystem::installation/<uuid>` (the FIT's `app.installationId`). */
  ari: string;
  remoteBaseUrl: string;
  /** Site clock at install: the permission lag counts from here. */
  installedAtMs: number;
  installerAccountId: string;
  /**
   * The installation as a REST caller: the app user with a Connect-shaped app record that is
   * never listed in `site.apps`, so rate limits treat it as an app and Connect code never sees it.
   */
  asApp: SimInstalledApp;
}
