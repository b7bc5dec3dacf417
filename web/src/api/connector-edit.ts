/** Creating, editing and testing connections (the connection dialog), and what the dialog asks the server. */
import { useQuery } from "@tanstack/react-query";
import { apiRequest } from "./http";
import { connectorPath, type Connector, type ConnectorType } from "./connectors";

/** The answer of a connection test (SharePoint adds `site_accessible` and `permissions`). */
export interface ConnectionTestResult {
  success: boolean;
  message: string;
  error: string | null;
  site_accessible?: boolean;
  permissions?: { access: "read" | "write" | "none"; via: string | null };
}

export type ConnectorBody = Record<string, unknown>;

export function createConnector(type: ConnectorType, body: ConnectorBody): Promise<Connector> {
  return apiRequest<Connector>(`/${type}-connectors`, { method: "POST", json: body });
}

export function updateConnector(type: ConnectorType, id: string, body: ConnectorBody): Promise<Connector> {
  return apiRequest<Connector>(connectorPath(type, id), { method: "PATCH", json: body });
}

/** Tests a connection not yet saved (a create body): nothing is stored. */
export function testNewConnection(type: ConnectorType, body: ConnectorBody): Promise<ConnectionTestResult> {
  return apiRequest<ConnectionTestResult>(`/${type}-connectors/test`, { method: "POST", json: body });
}

/** Tests a saved connection as `changes` (PATCH fields) would leave it, saving nothing. */
export function testConnection(
  type: ConnectorType,
  id: string,
  changes?: ConnectorBody,
): Promise<ConnectionTestResult> {
  return apiRequest<ConnectionTestResult>(`${connectorPath(type, id)}/test`, {
    method: "POST",
    json: changes ?? {},
  });
}

/** SharePoint delegated sign-in: the Microsoft URL to send the browser to. */
export function authorizeSharePoint(id: string): Promise<{ authorization_url: string; expires_at: string }> {
  return apiRequest(`${connectorPath("sharepoint", id)}/authorize`, { method: "POST", json: {} });
}

export interface FilterPreviewRequest {
  include_patterns: { extensions?: string[]; patterns?: string[] } | null;
  exclude_patterns: { extensions?: string[]; patterns?: string[] } | null;
  sync_hidden_files: boolean;
  sync_system_files: boolean;
  names: string[];
}

export interface FilterVerdict {
  name: string;
  included: boolean;
  reason: string;
  message: string;
}

/** What the sync engine's own filter would do with sample names. */
export function previewFilter(req: FilterPreviewRequest): Promise<{ results: FilterVerdict[] }> {
  return apiRequest("/connectors/filter-preview", { method: "POST", json: req });
}

/** Whether the signed-in user may create connections (SCAIDRIVE_CONNECTOR_CREATORS). */
export function useConnectorPermissions() {
  return useQuery({
    queryKey: ["connectors", "permissions"],
    queryFn: () => apiRequest<{ can_create: boolean; creators: string }>("/connectors/permissions"),
    staleTime: 5 * 60_000,
  });
}
