/** Saving a change to a connection of any type. */
import { apiRequest } from "./http";
import { connectorPath, type Connector, type ConnectorType } from "./connectors";

/** PATCH with the fields given, nothing else (a new secret, a new place…); answers the connection as stored. */
export function patchConnector(type: ConnectorType, id: string, fields: Record<string, unknown>): Promise<Connector> {
  return apiRequest<Connector>(connectorPath(type, id), { method: "PATCH", json: fields });
}
