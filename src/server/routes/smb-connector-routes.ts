import { createConnectorRoutes } from "../connector-routes.js";
import { smbDefinition } from "../../connectors/smb/smb-definition.js";

/** `/api/v1/smb-connectors` (spec `smb-connector.md`): the generic connector routes with the SMB definition. */
export const smbConnectorRoutes = createConnectorRoutes(smbDefinition, "/api/v1/smb-connectors");
