import type { RouteModule } from "../app-types.js";
import { healthRoutes } from "./health-routes.js";
import { principalRoutes } from "./principal-routes.js";
import { authRoutes } from "./auth-routes.js";
import { shareRoutes } from "./share-routes.js";
import { fileRoutes } from "./file-routes.js";
import { contentRoutes } from "./content-routes.js";
import { archiveRoutes } from "./archive-routes.js";
import { uploadRoutes } from "./upload-routes.js";
import { fileIdRoutes } from "./file-id-routes.js";
import { aclRoutes } from "./acl-routes.js";
import { smbConnectorRoutes } from "./smb-connector-routes.js";
import { sharepointConnectorRoutes } from "./sharepoint-connector-routes.js";
import { alertRoutes } from "./alert-routes.js";
import { mountRoutes } from "./mount-routes.js";
import { eventRoutes } from "./event-routes.js";
import { connectorFilterPreviewRoutes } from "./connector-filter-preview-routes.js";
import { connectorPermissionsRoutes } from "./connector-permissions-routes.js";

/** Core routes of design §5. */
export const coreRoutes: RouteModule[] = [
  healthRoutes,
  authRoutes,
  principalRoutes,
  shareRoutes,
  fileRoutes,
  contentRoutes,
  archiveRoutes,
  uploadRoutes,
  fileIdRoutes,
  aclRoutes,
];

/**
 * Feature route modules (connectors, sync jobs, ...) that `scaidrive serve` mounts after the core
 * routes. Append one import and one entry per module; nothing else needs editing.
 */
export const featureRoutes: RouteModule[] = [
  smbConnectorRoutes,
  sharepointConnectorRoutes,
  alertRoutes,
  mountRoutes,
  eventRoutes,
  connectorFilterPreviewRoutes,
  connectorPermissionsRoutes,
];
