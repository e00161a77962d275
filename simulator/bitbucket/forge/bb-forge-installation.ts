/** One installation of the Bitbucket Forge app in one workspace; a reinstall is a new one. */
export interface BbForgeInstallation {
  /** Bare uuid (the lifecycle body's `id`). */
  readonly uuid: string;
  /** `ari:cloud:ecosystem::installation/<uuid>` (the FIT's `app.installationId`). */
  readonly ari: string;
  /** The workspace, braced. */
  readonly workspaceUuid: string;
  readonly remoteBaseUrl: string;
  readonly installedAtMs: number;
  readonly installerAccountId: string;
}
