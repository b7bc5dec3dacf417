/**
 * A connection's identity mappings (remote user or group → ScaiDrive user or group) and, for SharePoint, the Entra
 * directory search that finds the remote side. Managers of the target share only.
 */
import { useQuery } from "@tanstack/react-query";
import { apiRequest } from "./http";
import { connectorKeys, connectorPath, type ConnectorType } from "./connectors";

export type IdentityType = "user" | "group";

export interface IdentityMapping {
  id: string;
  identity_type: IdentityType;
  /** The remote principal as the remote names it: `CORP\alice` (SMB), an Entra object id (SharePoint). */
  smb_principal: string;
  /** A label kept with the mapping for display (an Entra name and e-mail); null when none was given. */
  remote_display_name: string | null;
  scaidrive_principal_id: string;
  created_at: string;
}

export interface NewIdentityMapping {
  identity_type: IdentityType;
  smb_principal: string;
  remote_display_name?: string | null;
  scaidrive_principal_id: string;
}

/** A user or group found in the connection's Entra directory. */
export interface EntraPrincipal {
  id: string;
  kind: IdentityType;
  name: string;
  email: string | null;
}

export const mappingKeys = {
  list: (type: ConnectorType, id: string) => [...connectorKeys.one(type, id), "identity-mappings"] as const,
};

const mappingsPath = (type: ConnectorType, id: string) => `${connectorPath(type, id)}/identity-mappings`;

export function useIdentityMappings(type: ConnectorType, id: string) {
  return useQuery({
    queryKey: mappingKeys.list(type, id),
    queryFn: async () =>
      (await apiRequest<{ identity_mappings: IdentityMapping[] }>(mappingsPath(type, id))).identity_mappings,
  });
}

export function addIdentityMapping(
  type: ConnectorType,
  id: string,
  body: NewIdentityMapping,
): Promise<IdentityMapping> {
  return apiRequest<IdentityMapping>(mappingsPath(type, id), { method: "POST", json: body });
}

export function removeIdentityMapping(type: ConnectorType, id: string, mapId: string): Promise<void> {
  return apiRequest<void>(`${mappingsPath(type, id)}/${encodeURIComponent(mapId)}`, { method: "DELETE" });
}

interface Found {
  id: string;
  email: string | null;
  name: string | null;
}

/** Entra users and groups whose name or e-mail starts with `query`, through the connection's own credential. */
export async function searchEntra(connectorId: string, query: string, signal?: AbortSignal): Promise<EntraPrincipal[]> {
  const path = connectorPath("sharepoint", connectorId);
  const [users, groups] = await Promise.all([
    apiRequest<{ users: Found[] }>(`${path}/azure/users/search`, { method: "POST", json: { query }, signal }),
    apiRequest<{ groups: Found[] }>(`${path}/azure/groups/search`, { method: "POST", json: { query }, signal }),
  ]);
  const of = (kind: IdentityType) => (f: Found) => ({
    id: f.id,
    kind,
    name: f.name || f.email || f.id,
    email: f.email,
  });
  return [...users.users.map(of("user")), ...groups.groups.map(of("group"))];
}

/** The label stored with a mapping for an Entra principal: `Name <e-mail>`, or the name alone. */
export function entraLabel(p: EntraPrincipal): string {
  return p.email && p.email !== p.name ? `${p.name} <${p.email}>` : p.name;
}
