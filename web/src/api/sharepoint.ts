/**
 * What only SharePoint connections offer: browsing what the credential reaches (sites, libraries, folders), the
 * connection test with its effective permission, and the Microsoft sign-in of delegated (user_auth) connections.
 */
import { keepPreviousData, useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { apiRequest } from "./http";
import { connectorKeys, connectorPath, type Connector } from "./connectors";
import type { Page } from "./types";

export interface Site {
  site_id: string;
  name: string;
  display_name: string;
  web_url: string;
  description: string | null;
}

export interface Library {
  drive_id: string;
  name: string;
  drive_type: string;
  web_url: string;
  description: string | null;
}

export interface Folder {
  name: string;
  /** Library-relative: the base_path that syncs this folder. */
  path: string;
  child_count: number | null;
  web_url: string;
}

export interface ConnectionTest {
  success: boolean;
  message: string;
  error: { code: string; message: string } | null;
  site_accessible?: boolean;
  permissions?: { access: "read" | "write" | "none"; via: string | null };
}

/** `{name, email}` of the account that completed the last Microsoft sign-in of a user_auth connection. */
export interface AuthorizedUser {
  name: string | null;
  email: string;
}

const base = (id: string) => connectorPath("sharepoint", id);

const keys = {
  sites: (id: string, search: string) => [...connectorKeys.one("sharepoint", id), "sites", search] as const,
  libraries: (id: string, siteId: string) => [...connectorKeys.one("sharepoint", id), "libraries", siteId] as const,
  folders: (id: string, driveId: string, path: string) =>
    [...connectorKeys.one("sharepoint", id), "folders", driveId, path] as const,
};

export function useSites(id: string, search: string) {
  return useQuery({
    queryKey: keys.sites(id, search),
    queryFn: () => apiRequest<{ sites: Site[] }>(`${base(id)}/sites`, { query: { search } }),
    select: (r) => r.sites,
    // The previous results stay while the next search loads, so the list does not blink at every keystroke.
    placeholderData: keepPreviousData,
  });
}

export function useLibraries(id: string, siteId: string) {
  return useQuery({
    queryKey: keys.libraries(id, siteId),
    queryFn: () => apiRequest<{ drives: Library[] }>(`${base(id)}/drives`, { query: { site_id: siteId } }),
    select: (r) => r.drives,
  });
}

export function useFolders(id: string, driveId: string, path: string) {
  return useInfiniteQuery({
    queryKey: keys.folders(id, driveId, path),
    queryFn: ({ pageParam }) =>
      apiRequest<Page<Folder>>(`${base(id)}/folders`, {
        query: { drive_id: driveId, path, limit: 200, cursor: pageParam },
      }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
}

export function testConnection(id: string): Promise<ConnectionTest> {
  return apiRequest<ConnectionTest>(`${base(id)}/test`, { method: "POST" });
}

/** Starts the Microsoft sign-in of a user_auth connection; the caller sends the browser to the answer's URL. */
export function authorize(id: string): Promise<{ authorization_url: string; expires_at: string }> {
  return apiRequest(`${base(id)}/authorize`, { method: "POST" });
}

/** Directions in which ScaiDrive writes to SharePoint, so a read-only grant is not enough. */
export function needsWrite(direction: unknown): boolean {
  return direction === "bidirectional" || direction === "scaidrive_to_sharepoint";
}

export function authorizedUser(c: Connector): AuthorizedUser | null {
  const u = c.authorized_user as Partial<AuthorizedUser> | undefined;
  return u && typeof u.email === "string" ? { name: typeof u.name === "string" ? u.name : null, email: u.email } : null;
}
