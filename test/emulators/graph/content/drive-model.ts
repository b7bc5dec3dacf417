import type { Blob } from "./blob-store.js";

/** Who did something: a user (delegated token, control API) or an application (app token). */
export interface Actor {
  kind: "user" | "application";
  id: string;
  displayName: string;
  email?: string;
}

/** `grantedToV2` of a permission: exactly one identity kind, as SharePoint reports it. */
export interface Grantee {
  kind: "user" | "group" | "siteUser" | "siteGroup";
  id: string;
  displayName: string;
  email?: string;
  loginName?: string;
}

export interface PermissionRecord {
  id: string;
  roles: Array<"read" | "write" | "owner">;
  grantee: Grantee;
}

export interface FileVersion {
  /** SharePoint version label: "1.0", "2.0", ... */
  id: string;
  blob: Blob;
  modifiedAt: Date;
  modifiedBy: Actor;
}

export type ItemKind = "root" | "folder" | "file" | "notebook";

export interface ItemRecord {
  id: string;
  driveId: string;
  /** null only for the root. Kept on deleted items so scoped delta can still place them. */
  parentId: string | null;
  name: string;
  kind: ItemKind;
  /** Stable per item; eTag is `"{guid},eVersion"`, cTag `"c:{guid},cVersion"`. */
  guid: string;
  eVersion: number;
  cVersion: number;
  createdAt: Date;
  modifiedAt: Date;
  createdBy: Actor;
  modifiedBy: Actor;
  fsCreatedAt: Date;
  fsModifiedAt: Date;
  listItemId: number;
  mimeType?: string;
  /** Files only: every content version, oldest first; the last is the current content. */
  versions: FileVersion[];
  fields: Record<string, unknown>;
  /** null: inherits from the parent. An array: broken inheritance with these grants. */
  uniquePermissions: PermissionRecord[] | null;
  checkout: Actor | null;
  deleted: boolean;
  /** Depth (root = 0) when deleted, for ordering tombstones in delta. */
  deletedDepth?: number;
  /** Position in the drive's change log; delta returns items whose seq is above the token's. */
  seq: number;
}

export interface ColumnDef {
  name: string;
  displayName: string;
  type: "text" | "number" | "boolean" | "dateTime" | "choice" | "personOrGroup";
  choices?: string[];
  readOnly?: boolean;
}

export interface DriveRecord {
  id: string;
  siteId: string;
  name: string;
  /** URL segment of the library, e.g. "Shared Documents" for "Documents". */
  urlName: string;
  description: string;
  listId: string;
  rootId: string;
  createdAt: Date;
  items: Map<string, ItemRecord>;
  /** parentId → (lower-cased name → child id), live children only. */
  children: Map<string, Map<string, string>>;
  seq: number;
  /** Bumped by the control API; delta tokens minted under an older epoch answer 410. */
  tokenEpoch: number;
  nextListItemId: number;
  columns: ColumnDef[];
}

export interface SiteRecord {
  id: string;
  /** Entra tenant whose users and groups the site's permissions and authors refer to. */
  tenantId: string;
  hostname: string;
  /** Server-relative path, e.g. "/sites/marketing". */
  path: string;
  name: string;
  displayName: string;
  description: string;
  createdAt: Date;
  drives: DriveRecord[];
}

export function siteWebUrl(site: SiteRecord): string {
  return `https://${site.hostname}${site.path}`;
}
