/**
 * The part of the SharePoint connector that talks to Microsoft (MSAL, the Graph SDK and what is
 * built on them). Never imported statically outside this folder: {@link loadSharePointRuntime}
 * (sharepoint-runtime-loader.ts) imports it on first use, so a server without SharePoint
 * connectors never pays for those libraries' memory.
 */
export { openGraph, openSharePointRemote } from "./sharepoint-connect.js";
export {
  listDrives,
  listFolders,
  resolveSiteAndDrive,
  searchGroups,
  searchSites,
  searchUsers,
} from "./sharepoint-discovery.js";
export { testSharePointConnection } from "./sharepoint-connection-test.js";
export { UserAuthFlow } from "./sharepoint-auth.js";
