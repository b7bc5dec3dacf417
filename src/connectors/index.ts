/**
 * Every connector type the server offers. The application context registers each with the engine
 * and builds its services; a route module mounts the generic connector routes for each
 * (`server/routes/<type>-connector-routes.ts`).
 */
import type { ConnectorDefinition } from "./connector-definition.js";
import { smbDefinition } from "./smb/smb-definition.js";
import { sharepointDefinition } from "./sharepoint/sharepoint-definition.js";

export const connectorDefinitions: readonly ConnectorDefinition[] = [smbDefinition, sharepointDefinition];
