/**
 * The SharePoint connector's public surface, for `sharepoint-definition.ts` and
 * `sharepoint-connector-routes.ts` (written elsewhere) and for tests. See README.md.
 */
export { GraphHttp, scaidriveUserAgent, type GraphTokenSource } from "./graph-http.js";
export { toRemoteError } from "./graph-errors.js";
export {
  AppTokenSource,
  UserAuthFlow,
  UserTokenSource,
  createTokenSource,
  endpointsFromEnv,
  graphDefaultScope,
  DEFAULT_AUTHORITY_HOST,
  DEFAULT_GRAPH_BASE_URL,
  type SharePointEndpoints,
  type UserAccount,
} from "./sharepoint-auth.js";
export { CertificateError, parseClientCertificatePem, type ParsedClientCertificate } from "./sharepoint-certificate.js";
export {
  openGraph,
  openSharePointRemote,
  siteAndDrive,
  type SharePointConnectorSettings,
  type SharePointRuntime,
} from "./sharepoint-connect.js";
export { testSharePointConnection, type SharePointConnectionTestResult } from "./sharepoint-connection-test.js";
export {
  listDrives,
  listFolders,
  resolveSiteAndDrive,
  searchGroups,
  searchSites,
  searchUsers,
  type DirectoryPrincipal,
  type DriveSummary,
  type FolderSummary,
  type SiteSummary,
} from "./sharepoint-discovery.js";
export { METADATA_PREFIX } from "./sharepoint-fields.js";
export { assertSharePointPath, sharePointNameProblem } from "./sharepoint-names.js";
export {
  SHAREPOINT_CAPABILITIES,
  SharePointRemote,
  createSharePointRemote,
  type SharePointRemoteOptions,
} from "./sharepoint-remote.js";
