/**
 * Microsoft Graph v1.0 wire types the SharePoint adapter reads and writes, one comment per field
 * (what Graph means by it, and how the adapter uses it). Only the fields ScaiDrive uses are
 * declared; Graph sends more. Reference: learn.microsoft.com/graph/api/resources/driveitem.
 */

/** `identitySet`: who did something. Exactly one of the members is usually present. */
export interface GraphIdentitySet {
  /** A directory user (`id` = Entra object id). */
  user?: GraphIdentity;
  /** A directory group (`id` = Entra object id). */
  group?: GraphIdentity;
  /** An app (service principal) acting on its own. */
  application?: GraphIdentity;
  /** A SharePoint site user (guests, users without a directory object). */
  siteUser?: GraphIdentity;
  /** A SharePoint site group ("Marketing Owners"). */
  siteGroup?: GraphIdentity;
}

export interface GraphIdentity {
  /** Entra object id for users/groups/apps; SharePoint's own id for site principals. */
  id?: string;
  displayName?: string;
  /** E-mail when Graph knows it. */
  email?: string;
  /** SharePoint claims login (`i:0#.f|membership|alice@contoso.com`) for site principals. */
  loginName?: string;
}

/** `hashes` of a file facet. SharePoint/OneDrive for Business report only quickXorHash. */
export interface GraphHashes {
  /** Base64 of Microsoft's 160-bit QuickXorHash of the content. */
  quickXorHash?: string;
  /** Hex SHA-1 (OneDrive personal only). */
  sha1Hash?: string;
  /** Hex SHA-256 (OneDrive personal only, rarely). */
  sha256Hash?: string;
}

/** `file` facet: present when the item is a file. */
export interface GraphFileFacet {
  /** MIME type SharePoint inferred from the name or the upload. */
  mimeType?: string;
  /** Content hashes known without reading the content. */
  hashes?: GraphHashes;
}

/** `folder` facet: present for folders (and OneNote notebooks, which also carry `package`). */
export interface GraphFolderFacet {
  /** Number of direct children. */
  childCount?: number;
}

/** `package` facet: the item is one unit for clients although SharePoint stores it as a folder. */
export interface GraphPackageFacet {
  /** `oneNote` for notebooks; clients must not descend into it. */
  type?: string;
}

/** `fileSystemInfo`: times as the client's file system saw them (settable on upload/PATCH). */
export interface GraphFileSystemInfo {
  createdDateTime?: string;
  /** What ScaiDrive stores as the entry's mtime; set in the upload request itself. */
  lastModifiedDateTime?: string;
}

/** `parentReference`: where the item lives. */
export interface GraphItemReference {
  /** Drive id of the parent. */
  driveId?: string;
  driveType?: string;
  /** Parent item id (absent for the root). */
  id?: string;
  /** Parent's name (the library name for top-level items). */
  name?: string;
  /** `/drives/{id}/root:/a/b` (percent-encoded); NOT sent in delta responses on SharePoint. */
  path?: string;
  siteId?: string;
}

/** `deleted` facet: present on tombstones in delta. */
export interface GraphDeletedFacet {
  /** `deleted` (soft) or `softDeleted`. */
  state?: string;
}

/** `publication` facet: publishing / check-out state of a file. */
export interface GraphPublicationFacet {
  /** `published`, or `checkout` while someone holds the file checked out. */
  level?: string;
  /** Current version label (`3.0`). */
  versionId?: string;
}

/** `shared` facet. */
export interface GraphSharedFacet {
  /** `users` when the item has its own (unique) permissions in the emulator and on SharePoint. */
  scope?: string;
  owner?: GraphIdentitySet;
}

/** A driveItem: file, folder, notebook or the drive root. */
export interface DriveItem {
  /** Stable across renames and moves: the Remote id. */
  id: string;
  /** Leaf name (NFC is not guaranteed; the adapter normalises). */
  name?: string;
  /**
   * Changes on every change (content, rename, move, fields, check-out, permissions): kept in `extra.eTag`, sent as
   * If-Match.
   */
  eTag?: string;
  /** Changes only when the content changes: the Remote fingerprint of a file. */
  cTag?: string;
  /** Bytes (folders: total of the subtree). */
  size?: number;
  createdDateTime?: string;
  /** Server-side modification time (any change); the adapter prefers fileSystemInfo. */
  lastModifiedDateTime?: string;
  webUrl?: string;
  createdBy?: GraphIdentitySet;
  lastModifiedBy?: GraphIdentitySet;
  parentReference?: GraphItemReference;
  fileSystemInfo?: GraphFileSystemInfo;
  file?: GraphFileFacet;
  folder?: GraphFolderFacet;
  package?: GraphPackageFacet;
  /** Present only on the drive root. */
  root?: Record<string, never>;
  /** Present only on delta tombstones. */
  deleted?: GraphDeletedFacet;
  publication?: GraphPublicationFacet;
  shared?: GraphSharedFacet;
  /** Pre-authenticated short-lived (≈1 h) URL of the content; needs no Authorization header. */
  "@microsoft.graph.downloadUrl"?: string;
  /** Expanded with `$expand=listItem($expand=fields)`. */
  listItem?: ListItem;
  /** Expanded with `$expand=children`. */
  children?: DriveItem[];
}

/** A SharePoint list item behind a driveItem: the library row with its column values. */
export interface ListItem {
  /** Integer id within the list, as a string. */
  id: string;
  eTag?: string;
  /** Column values keyed by internal column name (`Title`, `Status`, `_UIVersionString`…). */
  fields?: Record<string, unknown>;
}

/** A permission on an item (`GET .../permissions`). */
export interface GraphPermission {
  id: string;
  /** `read`, `write`, `owner` (also `sp.full control`, `sp.limited access`… on SharePoint). */
  roles?: string[];
  /** Who the permission is granted to (v2: users, groups, site users, site groups). */
  grantedToV2?: GraphIdentitySet;
  /** Legacy single grantee (users only). */
  grantedTo?: GraphIdentitySet;
  /** Where the permission is inherited from; absent when granted on the item itself (unique permissions). */
  inheritedFrom?: GraphItemReference;
  /** Set for sharing links; ScaiDrive ignores links. */
  link?: { type?: string; scope?: string; webUrl?: string };
}

/** A version of a file (`GET .../versions`, newest first, the current one included). */
export interface DriveItemVersion {
  /** Version label, `1.0`, `2.0`… */
  id: string;
  lastModifiedDateTime?: string;
  lastModifiedBy?: GraphIdentitySet;
  size?: number;
  /** Pre-authenticated URL of that version's content, when Graph provides it. */
  "@microsoft.graph.downloadUrl"?: string;
}

/** The answer of `createUploadSession` and of a fragment PUT that is not the last. */
export interface UploadSession {
  /** Pre-authenticated URL for fragment PUTs; must be used WITHOUT an Authorization header. */
  uploadUrl?: string;
  expirationDateTime?: string;
  /** Byte ranges the server still wants, e.g. `["0-"]`, `["327680-"]`, `["0-1023", "4096-"]`. */
  nextExpectedRanges?: string[];
}

/** A page of a collection: `value` plus a continuation link. */
export interface GraphPage<T> {
  value: T[];
  /** Absolute URL of the next page. */
  "@odata.nextLink"?: string;
  /** Delta only: absolute URL to ask for later changes (the last page carries it). */
  "@odata.deltaLink"?: string;
}

/** A site (`GET /sites/{id}`, `/sites?search=`). */
export interface GraphSite {
  /** `hostname,siteCollectionGuid,webGuid`. */
  id: string;
  name?: string;
  displayName?: string;
  webUrl?: string;
  description?: string;
}

/** A drive (document library) of a site. */
export interface GraphDrive {
  /** `b!…`. */
  id: string;
  /** Library display name ("Documents"). */
  name?: string;
  /** `documentLibrary` for SharePoint libraries. */
  driveType?: string;
  /** Absolute URL; its decoded path is the library's server-relative URL (naming length rule). */
  webUrl?: string;
  description?: string;
}

/** A directory user (`GET /users`). */
export interface GraphUser {
  id: string;
  displayName?: string;
  mail?: string | null;
  userPrincipalName?: string;
}

/** A directory group (`GET /groups`). */
export interface GraphGroup {
  id: string;
  displayName?: string;
  mail?: string | null;
  mailNickname?: string;
}

/** Graph's error envelope. */
export interface GraphErrorBody {
  error?: {
    code?: string;
    message?: string;
    /** Nested, more specific code (`invalidName`, `resyncChangesApplyDifferences`…). */
    innerError?: { code?: string; "request-id"?: string; date?: string; innerError?: { code?: string } };
  };
}
