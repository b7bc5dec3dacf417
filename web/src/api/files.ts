/** The file API as the file browser uses it: listings, search, tree changes, versions, metadata, ACLs, mounts. */
import { allPages, ApiError, apiRequest, apiUrl } from "./http";
import type { AclView, FileNode, Group, Page, Permission, Share, User, Version } from "./types";

/** A remote mount: the share folder at `path` shows a connector's remote folder live. */
export interface Mount {
  id: string;
  share_id: string;
  path: string;
  node_id: string;
  connector_id: string;
  remote_path: string;
  created_by: string;
  created_at: string;
}

/** The listing API's largest page; a folder is read page after page until next_cursor is null. */
export const LISTING_PAGE = 1000;

export const fileKeys = {
  share: (shareId: string) => ["share", shareId] as const,
  /** Every listing of a share starts with this, so one invalidation refreshes them all. */
  listings: (shareId: string) => ["listing", shareId] as const,
  listing: (shareId: string, path: string) => ["listing", shareId, path] as const,
  folders: (shareId: string, path: string) => ["listing", shareId, path, "folders"] as const,
  search: (shareId: string, q: string) => ["search", shareId, q] as const,
  versions: (fileId: string) => ["versions", fileId] as const,
  metadata: (fileId: string) => ["metadata", fileId] as const,
  acl: (shareId: string, path: string) => ["acl", shareId, path] as const,
  mounts: ["mounts"] as const,
  connectors: ["connectors"] as const,
};

export function getShare(shareId: string): Promise<Share> {
  return apiRequest<Share>(`/shares/${encodeURIComponent(shareId)}`);
}

export function listPage(
  shareId: string,
  path: string,
  cursor?: string | null,
  signal?: AbortSignal,
): Promise<Page<FileNode>> {
  return apiRequest<Page<FileNode>>(`/shares/${encodeURIComponent(shareId)}/files`, {
    query: { path, limit: LISTING_PAGE, cursor: cursor ?? undefined },
    signal,
  });
}

/** A whole folder (every page); for the folder picker, whose folders are few next to a folder's files. */
export async function listAll(shareId: string, path: string, signal?: AbortSignal): Promise<FileNode[]> {
  const all: FileNode[] = [];
  let cursor: string | null = null;
  do {
    const page: Page<FileNode> = await apiRequest<Page<FileNode>>(`/shares/${encodeURIComponent(shareId)}/files`, {
      query: { path, limit: LISTING_PAGE, cursor: cursor ?? undefined },
      signal,
    });
    all.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor);
  return all;
}

export function searchShare(shareId: string, q: string, signal?: AbortSignal): Promise<Page<FileNode>> {
  return apiRequest<Page<FileNode>>(`/shares/${encodeURIComponent(shareId)}/search`, {
    query: { q, limit: 200 },
    signal,
  });
}

export function createFolder(shareId: string, path: string): Promise<FileNode> {
  return apiRequest<FileNode>(`/shares/${encodeURIComponent(shareId)}/folders`, { method: "POST", json: { path } });
}

export function moveNode(shareId: string, from: string, to: string): Promise<FileNode> {
  return apiRequest<FileNode>(`/shares/${encodeURIComponent(shareId)}/move`, { method: "POST", json: { from, to } });
}

export function deleteNode(shareId: string, path: string): Promise<void> {
  return apiRequest<void>(`/shares/${encodeURIComponent(shareId)}/files`, { method: "DELETE", query: { path } });
}

/** The current content; `inline` asks for a type the browser can show (images, PDF, text), else an attachment. */
export function contentUrl(shareId: string, path: string, inline = false): string {
  return apiUrl(`/shares/${encodeURIComponent(shareId)}/content`, {
    path,
    disposition: inline ? "inline" : undefined,
  });
}

export function versionContentUrl(fileId: string, versionId: string): string {
  return apiUrl(`/files/${encodeURIComponent(fileId)}/versions/${encodeURIComponent(versionId)}/content`);
}

/** A ZIP of the given files and folders (paths relative to their common parent), streamed by the server. */
export function zipUrl(shareId: string, paths: readonly string[], name?: string): string {
  return apiUrl(`/shares/${encodeURIComponent(shareId)}/zip`, { path: paths, name });
}

export async function listVersions(fileId: string): Promise<Version[]> {
  const all: Version[] = [];
  let cursor: string | null = null;
  do {
    const page: { versions: Version[]; next_cursor: string | null } = await apiRequest(
      `/files/${encodeURIComponent(fileId)}/versions`,
      { query: { limit: 1000, cursor: cursor ?? undefined } },
    );
    all.push(...page.versions);
    cursor = page.next_cursor;
  } while (cursor);
  return all;
}

export function restoreVersion(fileId: string, versionId: string): Promise<FileNode> {
  return apiRequest<FileNode>(
    `/files/${encodeURIComponent(fileId)}/versions/${encodeURIComponent(versionId)}/restore`,
    { method: "POST" },
  );
}

export function getMetadata(fileId: string): Promise<Record<string, unknown>> {
  return apiRequest<Record<string, unknown>>(`/files/${encodeURIComponent(fileId)}/metadata`);
}

export function patchMetadata(fileId: string, patch: Record<string, unknown>): Promise<Record<string, unknown>> {
  return apiRequest<Record<string, unknown>>(`/files/${encodeURIComponent(fileId)}/metadata`, {
    method: "PATCH",
    json: patch,
  });
}

export function getAcl(shareId: string, path: string): Promise<AclView> {
  return apiRequest<AclView>(`/shares/${encodeURIComponent(shareId)}/acl`, { query: { path } });
}

export function putAcl(
  shareId: string,
  path: string,
  body: { aces: { principal_id: string; permissions: Permission[] }[]; inherit: boolean },
): Promise<AclView> {
  return apiRequest<AclView>(`/shares/${encodeURIComponent(shareId)}/acl`, {
    method: "PUT",
    query: { path },
    json: body,
  });
}

/** Every mount the caller can see; a server without the mount feature answers 404, which means none. */
export async function listMounts(): Promise<Mount[]> {
  const all: Mount[] = [];
  let cursor: string | null = null;
  try {
    do {
      const page: Page<Mount> = await apiRequest<Page<Mount>>("/mounts", {
        query: { limit: 1000, cursor: cursor ?? undefined },
      });
      all.push(...page.items);
      cursor = page.next_cursor;
    } while (cursor);
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return [];
    throw err;
  }
  return all;
}

/** Connector names by id, from every connector type's list the caller may read (types it cannot read are skipped). */
export async function connectorNames(): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  await Promise.all(
    ["smb", "sharepoint"].map(async (type) => {
      try {
        const page = await apiRequest<Page<{ id: string; name: string }>>(`/${type}-connectors`, {
          query: { limit: 1000 },
        });
        for (const c of page.items) names.set(c.id, c.name);
      } catch {
        // Not readable or not installed: the mount shows without a connector name.
      }
    }),
  );
  return names;
}

export function getUser(id: string): Promise<User> {
  return apiRequest<User>(`/users/${encodeURIComponent(id)}`);
}

export function getGroup(id: string): Promise<Group> {
  return apiRequest<Group>(`/groups/${encodeURIComponent(id)}`);
}

export function findUsers(q: string, signal?: AbortSignal): Promise<Page<User>> {
  return apiRequest<Page<User>>("/users", { query: { q, limit: 20 }, signal });
}

export function findGroups(q: string, signal?: AbortSignal): Promise<Page<Group>> {
  return apiRequest<Page<Group>>("/groups", { query: { q, limit: 20 }, signal });
}

/** Every group (for working out which groups the signed-in user belongs to). */
export function listGroups(): Promise<Group[]> {
  return allPages<Group>("/groups");
}

/** Where the caller's access to a share starts: the root, or the folders and files shared with it further down. */
export async function entryPoints(shareId: string): Promise<FileNode[]> {
  return (await apiRequest<{ items: FileNode[] }>(`/shares/${encodeURIComponent(shareId)}/entry-points`)).items;
}

export function statNode(shareId: string, path: string): Promise<FileNode> {
  return apiRequest<FileNode>(`/shares/${encodeURIComponent(shareId)}/files/stat`, { query: { path } });
}
