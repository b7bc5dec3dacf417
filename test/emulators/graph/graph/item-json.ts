import { ctagOf, etagOf, type ContentStore } from "../content/content-store.js";
import type { Actor, DriveRecord, ItemRecord, PermissionRecord, SiteRecord } from "../content/drive-model.js";
import { siteWebUrl } from "../content/drive-model.js";
import { isoSeconds } from "../content/graph-ids.js";

/** What serialisers need besides the store: where pre-authenticated download URLs point. */
export interface JsonContext {
  store: ContentStore;
  /** Mints an absolute pre-authenticated URL for a blob of an item version. */
  downloadUrl(drive: DriveRecord, item: ItemRecord, versionIndex?: number): string;
}

export function identitySet(actor: Actor): Record<string, unknown> {
  if (actor.kind === "application") return { application: { id: actor.id, displayName: actor.displayName } };
  return { user: { id: actor.id, displayName: actor.displayName, ...(actor.email ? { email: actor.email } : {}) } };
}

export function siteJson(site: SiteRecord): Record<string, unknown> {
  const [, collectionId, webId] = site.id.split(",");
  return {
    id: site.id,
    createdDateTime: isoSeconds(site.createdAt),
    lastModifiedDateTime: isoSeconds(site.createdAt),
    description: site.description,
    displayName: site.displayName,
    name: site.name,
    webUrl: siteWebUrl(site),
    root: {},
    siteCollection: { hostname: site.hostname },
    sharepointIds: { siteId: collectionId, webId, siteUrl: siteWebUrl(site) },
  };
}

export function driveJson(ctx: JsonContext, drive: DriveRecord): Record<string, unknown> {
  const site = ctx.store.siteOf(drive);
  const used = ctx.store.size(drive, ctx.store.root(drive));
  return {
    id: drive.id,
    driveType: "documentLibrary",
    name: drive.name,
    description: drive.description,
    createdDateTime: isoSeconds(drive.createdAt),
    lastModifiedDateTime: isoSeconds(drive.createdAt),
    webUrl: `${siteWebUrl(site)}/${encodeURI(drive.urlName)}`,
    createdBy: { user: { displayName: "System Account" } },
    owner: { group: { id: site.id.split(",")[1], displayName: `${site.displayName} Owners` } },
    quota: { deleted: 0, remaining: 27487790694400 - used, state: "normal", total: 27487790694400, used },
    sharePointIds: {
      listId: drive.listId,
      siteId: site.id.split(",")[1],
      siteUrl: siteWebUrl(site),
      webId: site.id.split(",")[2],
    },
  };
}

function parentReference(
  ctx: JsonContext,
  drive: DriveRecord,
  item: ItemRecord,
  withPath: boolean,
): Record<string, unknown> {
  const ref: Record<string, unknown> = { driveType: "documentLibrary", driveId: drive.id };
  if (item.parentId === null) return ref;
  const parent = drive.items.get(item.parentId)!;
  ref.id = parent.id;
  if (!item.deleted) {
    ref.name = parent.kind === "root" ? drive.name : parent.name;
    if (withPath) ref.path = `/drives/${drive.id}/root:${encodePath(ctx.store.itemPath(drive, parent))}`;
  }
  ref.siteId = drive.siteId;
  return ref;
}

function encodePath(p: string): string {
  return p.split("/").map(encodeURIComponent).join("/");
}

export function itemWebUrl(ctx: JsonContext, drive: DriveRecord, item: ItemRecord): string {
  const site = ctx.store.siteOf(drive);
  return `${siteWebUrl(site)}/${encodeURI(drive.urlName + ctx.store.itemPath(drive, item))}`;
}

/**
 * A driveItem in Graph's shape. `inDelta` follows Microsoft's driveitem-delta page for
 * OneDrive for Business / SharePoint: no `parentReference.path`, no `cTag` on created or
 * modified items, and deleted items reduced to a few properties without `cTag` or `name`.
 * Folders (the root and notebooks included) never carry a `cTag` in a document library.
 */
export function itemJson(
  ctx: JsonContext,
  drive: DriveRecord,
  item: ItemRecord,
  opts: { inDelta?: boolean } = {},
): Record<string, unknown> {
  if (item.deleted) {
    return {
      id: item.id,
      ...(opts.inDelta ? {} : { name: item.name }),
      deleted: { state: "deleted" },
      lastModifiedDateTime: isoSeconds(item.modifiedAt),
      parentReference: parentReference(ctx, drive, item, false),
      ...(item.kind === "file" ? { file: {} } : item.kind === "notebook" ? { package: {} } : { folder: {} }),
    };
  }
  const out: Record<string, unknown> = {};
  if (item.kind === "file") out["@microsoft.graph.downloadUrl"] = ctx.downloadUrl(drive, item);
  Object.assign(out, {
    createdDateTime: isoSeconds(item.createdAt),
    eTag: etagOf(item),
    id: item.id,
    lastModifiedDateTime: isoSeconds(item.modifiedAt),
    name: item.kind === "root" ? "root" : item.name,
    webUrl: itemWebUrl(ctx, drive, item),
    ...(item.kind === "file" && !opts.inDelta ? { cTag: ctagOf(item) } : {}),
    size: ctx.store.size(drive, item),
    createdBy: identitySet(item.createdBy),
    lastModifiedBy: identitySet(item.modifiedBy),
    parentReference: parentReference(ctx, drive, item, !opts.inDelta),
    fileSystemInfo: {
      createdDateTime: isoSeconds(item.fsCreatedAt),
      lastModifiedDateTime: isoSeconds(item.fsModifiedAt),
    },
  });
  switch (item.kind) {
    case "root":
      out.folder = { childCount: ctx.store.childCount(drive, item) };
      out.root = {};
      break;
    case "folder":
      out.folder = { childCount: ctx.store.childCount(drive, item) };
      break;
    case "notebook":
      // SharePoint keeps notebooks as folders, but Graph reports only the package facet (no
      // `folder`): a client that recurses on `folder` alone never descends into one.
      out.package = { type: "oneNote" };
      break;
    case "file":
      out.file = {
        mimeType: item.mimeType ?? "application/octet-stream",
        hashes: { quickXorHash: item.versions.at(-1)!.blob.quickXorHash },
      };
      out.publication = { level: item.checkout ? "checkout" : "published", versionId: item.versions.at(-1)!.id };
      break;
  }
  if (item.uniquePermissions && item.kind !== "root") out.shared = { scope: "users" };
  return out;
}

export function permissionJson(
  drive: DriveRecord,
  perm: PermissionRecord,
  from: ItemRecord | null,
  store: ContentStore,
): Record<string, unknown> {
  const g = perm.grantee;
  const identity: Record<string, unknown> = { id: g.id, displayName: g.displayName };
  if (g.email) identity.email = g.email;
  if (g.loginName) identity.loginName = g.loginName;
  const out: Record<string, unknown> = {
    id: perm.id,
    roles: perm.roles,
    grantedToV2: { [g.kind]: identity },
    shareId: perm.id,
  };
  if (g.kind === "user" || g.kind === "siteUser") out.grantedTo = { user: identity };
  if (from)
    out.inheritedFrom = {
      driveId: drive.id,
      id: from.id,
      path: `/drives/${drive.id}/root:${store.itemPath(drive, from)}`,
    };
  return out;
}

export function listItemJson(
  ctx: JsonContext,
  drive: DriveRecord,
  item: ItemRecord,
  withFields: boolean,
): Record<string, unknown> {
  const out: Record<string, unknown> = {
    "@odata.etag": `"${item.guid.toLowerCase()},${item.eVersion}"`,
    createdDateTime: isoSeconds(item.createdAt),
    eTag: `"${item.guid.toLowerCase()},${item.eVersion}"`,
    id: String(item.listItemId),
    lastModifiedDateTime: isoSeconds(item.modifiedAt),
    webUrl: itemWebUrl(ctx, drive, item),
    createdBy: identitySet(item.createdBy),
    lastModifiedBy: identitySet(item.modifiedBy),
    parentReference: { id: drive.listId, siteId: drive.siteId },
    contentType: item.kind === "file" ? { id: "0x0101", name: "Document" } : { id: "0x0120", name: "Folder" },
  };
  if (withFields) out.fields = fieldsJson(drive, item);
  return out;
}

export function fieldsJson(drive: DriveRecord, item: ItemRecord): Record<string, unknown> {
  const out: Record<string, unknown> = {
    "@odata.etag": `"${item.guid.toLowerCase()},${item.eVersion}"`,
    FileLeafRef: item.name,
    Title: item.fields.Title ?? null,
    id: String(item.listItemId),
    ContentType: item.kind === "file" ? "Document" : "Folder",
    Created: isoSeconds(item.createdAt),
    Modified: isoSeconds(item.modifiedAt),
    AuthorLookupId: "1",
    EditorLookupId: "1",
    FileSizeDisplay: item.kind === "file" ? String(item.versions.at(-1)!.blob.size) : undefined,
    _UIVersionString: item.kind === "file" ? item.versions.at(-1)!.id : "1.0",
    _CheckinComment: item.fields._CheckinComment,
    CheckoutUserLookupId: item.checkout ? "1" : undefined,
  };
  for (const col of drive.columns) {
    if (item.fields[col.name] !== undefined && item.fields[col.name] !== null) out[col.name] = item.fields[col.name];
  }
  for (const [k, v] of Object.entries(out)) if (v === undefined) delete out[k];
  return out;
}

export function columnJson(
  col: { name: string; displayName: string; type: string; choices?: string[]; readOnly?: boolean },
  listId: string,
): Record<string, unknown> {
  const facet: Record<string, unknown> =
    col.type === "choice"
      ? { choice: { allowTextEntry: false, choices: col.choices ?? [], displayAs: "dropDownMenu" } }
      : col.type === "number"
        ? { number: {} }
        : col.type === "boolean"
          ? { boolean: {} }
          : col.type === "dateTime"
            ? { dateTime: { displayAs: "default", format: "dateTime" } }
            : col.type === "personOrGroup"
              ? {
                  personOrGroup: {
                    allowMultipleSelection: false,
                    chooseFromType: "peopleOnly",
                    displayAs: "nameWithPresence",
                  },
                }
              : {
                  text: {
                    allowMultipleLines: false,
                    appendChangesToExistingText: false,
                    linesForEditing: 0,
                    maxLength: 255,
                  },
                };
  return {
    columnGroup: "Custom Columns",
    description: "",
    displayName: col.displayName,
    enforceUniqueValues: false,
    hidden: false,
    id: deterministicGuid(listId + col.name),
    indexed: false,
    name: col.name,
    readOnly: col.readOnly ?? false,
    required: false,
    ...facet,
  };
}

function deterministicGuid(seed: string): string {
  let h = 0x811c9dc5;
  const bytes: number[] = [];
  for (let i = 0; i < 16; i++) {
    for (const ch of seed + i) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
    bytes.push(h & 0xff);
  }
  const hex = bytes.map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Applies `$select` (comma-separated top-level properties) to one object. */
export function applySelect(obj: Record<string, unknown>, select: string | undefined): Record<string, unknown> {
  if (!select) return obj;
  const wanted = new Set(
    select
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
  );
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) if (wanted.has(k) || k.startsWith("@odata.")) out[k] = v;
  return out;
}
