import { GraphError, notFound } from "../graph/graph-error.js";
import { BlobStore, type Blob } from "./blob-store.js";
import type {
  Actor,
  ColumnDef,
  DriveRecord,
  ItemKind,
  ItemRecord,
  PermissionRecord,
  SiteRecord,
} from "./drive-model.js";
import { newDriveId, newGuid, newItemId, newSiteId, nowSeconds } from "./graph-ids.js";
import { checkItemName, checkPathLength } from "./naming-rules.js";

export type ConflictBehavior = "fail" | "replace" | "rename";

export const SYSTEM_ACTOR: Actor = {
  kind: "user",
  id: "00000000-0000-0000-0000-000000000000",
  displayName: "System Account",
};

export interface FileSystemInfo {
  createdDateTime?: string;
  lastModifiedDateTime?: string;
}

/**
 * The in-memory SharePoint content: sites, document libraries (drives) and their items.
 *
 * Every mutation goes through here so that the bookkeeping Graph clients rely on stays right:
 * the eTag version moves on any change, the cTag version only on content; every change takes
 * the next position (`seq`) in the drive's change log, which is what delta reads; deleted
 * items stay as tombstones so delta can report them. Name lookups are case-insensitive as in
 * SharePoint. Errors are {@link GraphError}s with Graph's codes (`itemNotFound`,
 * `nameAlreadyExists`, `resourceModified`, `resourceLocked`, `invalidRequest`).
 */
export class ContentStore {
  readonly sites: SiteRecord[] = [];
  readonly drives = new Map<string, DriveRecord>();
  readonly blobs = new BlobStore();
  private permissionSeq = 0;

  addSite(input: {
    tenantId: string;
    hostname: string;
    path: string;
    displayName: string;
    description?: string;
    id?: string;
  }): SiteRecord {
    const site: SiteRecord = {
      id: input.id ?? newSiteId(input.hostname),
      tenantId: input.tenantId,
      hostname: input.hostname,
      path: input.path.replace(/\/+$/, ""),
      name: input.path.split("/").filter(Boolean).pop() ?? input.displayName,
      displayName: input.displayName,
      description: input.description ?? "",
      createdAt: nowSeconds(),
      drives: [],
    };
    this.sites.push(site);
    return site;
  }

  addDrive(
    site: SiteRecord,
    input: {
      name: string;
      urlName?: string;
      description?: string;
      columns?: ColumnDef[];
      id?: string;
      permissions?: PermissionRecord[];
    },
  ): DriveRecord {
    const now = nowSeconds();
    const rootId = newItemId();
    const drive: DriveRecord = {
      id: input.id ?? newDriveId(),
      siteId: site.id,
      name: input.name,
      urlName: input.urlName ?? (input.name === "Documents" ? "Shared Documents" : input.name),
      description: input.description ?? "",
      listId: newGuid().toLowerCase(),
      rootId,
      createdAt: now,
      items: new Map(),
      children: new Map(),
      seq: 0,
      tokenEpoch: 0,
      nextListItemId: 1,
      columns: input.columns ?? [],
    };
    const root = this.newRecord(drive, null, "root", "root", SYSTEM_ACTOR);
    root.id = rootId;
    root.uniquePermissions = input.permissions ?? [];
    root.eVersion = 1;
    root.cVersion = 1;
    root.seq = ++drive.seq;
    drive.items.set(rootId, root);
    drive.children.set(rootId, new Map());
    site.drives.push(drive);
    this.drives.set(drive.id, drive);
    return drive;
  }

  getSite(id: string): SiteRecord {
    const site = this.sites.find(
      (s) => s.id.toLowerCase() === id.toLowerCase() || s.id.split(",")[1] === id.toLowerCase(),
    );
    if (!site) throw new GraphError(404, "itemNotFound", "Requested site could not be found");
    return site;
  }

  findSiteByPath(hostname: string, path: string): SiteRecord {
    const wanted = path.replace(/\/+$/, "").toLowerCase();
    const site = this.sites.find(
      (s) => s.hostname.toLowerCase() === hostname.toLowerCase() && s.path.toLowerCase() === wanted,
    );
    if (!site) throw new GraphError(404, "itemNotFound", "Requested site could not be found");
    return site;
  }

  siteOf(drive: DriveRecord): SiteRecord {
    return this.getSite(drive.siteId);
  }

  getDrive(id: string): DriveRecord {
    const drive = this.drives.get(id);
    if (!drive) throw new GraphError(404, "itemNotFound", "The requested drive could not be found.");
    return drive;
  }

  /** A live item by id; 404 `itemNotFound` for unknown or deleted ids. */
  getItem(drive: DriveRecord, id: string): ItemRecord {
    const item = drive.items.get(id);
    if (!item || item.deleted) throw notFound("The resource could not be found.");
    return item;
  }

  root(drive: DriveRecord): ItemRecord {
    return this.getItem(drive, drive.rootId);
  }

  childByName(drive: DriveRecord, parent: ItemRecord, name: string): ItemRecord | undefined {
    const id = drive.children.get(parent.id)?.get(name.toLowerCase());
    return id ? drive.items.get(id) : undefined;
  }

  listChildren(drive: DriveRecord, parent: ItemRecord): ItemRecord[] {
    const ids = drive.children.get(parent.id);
    if (!ids) return [];
    return [...ids.values()].map((id) => drive.items.get(id)!).sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Resolves a `/`-separated path (already percent-decoded) below `base`; 404 if any part is missing. */
  resolvePath(drive: DriveRecord, base: ItemRecord, relPath: string): ItemRecord {
    let cur = base;
    for (const part of relPath.split("/").filter(Boolean)) {
      const next = this.childByName(drive, cur, part);
      if (!next) throw notFound("The resource could not be found.");
      cur = next;
    }
    return cur;
  }

  /** Library-relative path of an item: "" for the root, "/a/b.docx" otherwise. */
  itemPath(drive: DriveRecord, item: ItemRecord): string {
    const parts: string[] = [];
    let cur: ItemRecord | undefined = item;
    while (cur && cur.parentId !== null) {
      parts.unshift(cur.name);
      cur = drive.items.get(cur.parentId);
    }
    return parts.length ? "/" + parts.join("/") : "";
  }

  depth(drive: DriveRecord, item: ItemRecord): number {
    if (item.deleted && item.deletedDepth !== undefined) return item.deletedDepth;
    let d = 0;
    let cur: ItemRecord | undefined = item;
    while (cur && cur.parentId !== null) {
      d++;
      cur = drive.items.get(cur.parentId);
    }
    return d;
  }

  /** True if `item` is `ancestor` or below it (following parent ids, also through tombstones). */
  isWithin(drive: DriveRecord, item: ItemRecord, ancestor: ItemRecord): boolean {
    let cur: ItemRecord | undefined = item;
    while (cur) {
      if (cur.id === ancestor.id) return true;
      cur = cur.parentId === null ? undefined : drive.items.get(cur.parentId);
    }
    return false;
  }

  /** Sum of current content sizes below a folder (Graph reports folder sizes this way). */
  size(drive: DriveRecord, item: ItemRecord): number {
    if (item.kind === "file") return item.versions.at(-1)?.blob.size ?? 0;
    let total = 0;
    for (const child of this.listChildren(drive, item)) total += this.size(drive, child);
    return total;
  }

  childCount(drive: DriveRecord, item: ItemRecord): number {
    return drive.children.get(item.id)?.size ?? 0;
  }

  /** 423 `resourceLocked` when someone other than `actor` has the item checked out. */
  assertNotLockedFor(item: ItemRecord, actor: Actor): void {
    if (item.checkout && item.checkout.id !== actor.id) {
      throw new GraphError(
        423,
        "resourceLocked",
        `The file "${item.name}" is checked out for editing by ${item.checkout.displayName}.`,
      );
    }
  }

  /** 412 `resourceModified` when `ifMatch` is given and matches neither the eTag nor (files) the cTag. */
  assertIfMatch(item: ItemRecord, ifMatch: string | undefined): void {
    if (!ifMatch || ifMatch.trim() === "*") return;
    const tag = ifMatch.trim();
    if (tag !== etagOf(item) && (item.kind !== "file" || tag !== ctagOf(item)))
      throw new GraphError(412, "resourceModified", "ETag does not match current item's value");
  }

  createFolder(
    drive: DriveRecord,
    parent: ItemRecord,
    name: string,
    actor: Actor,
    conflict: ConflictBehavior = "fail",
    kind: "folder" | "notebook" = "folder",
  ): ItemRecord {
    this.assertContainer(parent);
    const finalName = this.placeName(drive, parent, name, conflict, "folder");
    const existing = this.childByName(drive, parent, finalName);
    if (existing) {
      if (existing.kind !== "file") return existing;
      this.deleteItem(drive, existing, actor);
    }
    const item = this.newRecord(drive, parent.id, finalName, kind, actor);
    this.attach(drive, item);
    drive.children.set(item.id, new Map());
    this.touch(drive, item, false);
    return item;
  }

  /**
   * Writes a file's content: a new file under `parent`, or a new version of the existing file
   * of that name. `created` tells which (Graph answers 201 / 200).
   */
  writeFile(
    drive: DriveRecord,
    parent: ItemRecord,
    name: string,
    blob: Blob,
    actor: Actor,
    opts: { conflict?: ConflictBehavior; ifMatch?: string; fileSystemInfo?: FileSystemInfo; mimeType?: string } = {},
  ): { item: ItemRecord; created: boolean } {
    this.assertContainer(parent);
    const conflict = opts.conflict ?? "replace";
    const finalName = this.placeName(drive, parent, name, conflict, "file");
    const existing = this.childByName(drive, parent, finalName);
    if (existing) {
      if (existing.kind !== "file") {
        throw new GraphError(409, "nameAlreadyExists", `The specified item name already exists. Name: ${finalName}`);
      }
      this.assertIfMatch(existing, opts.ifMatch);
      this.replaceContent(drive, existing, blob, actor, opts.fileSystemInfo);
      return { item: existing, created: false };
    }
    const item = this.newRecord(drive, parent.id, finalName, "file", actor);
    item.mimeType = opts.mimeType ?? mimeTypeFor(finalName);
    this.attach(drive, item);
    this.addVersion(item, blob, actor);
    this.applyFsInfo(item, opts.fileSystemInfo);
    this.touch(drive, item, true);
    return { item, created: true };
  }

  replaceContent(drive: DriveRecord, item: ItemRecord, blob: Blob, actor: Actor, fsInfo?: FileSystemInfo): void {
    if (item.kind !== "file") throw new GraphError(400, "invalidRequest", "Content can only be written to a file.");
    this.assertNotLockedFor(item, actor);
    this.addVersion(item, blob, actor);
    item.modifiedBy = actor;
    item.fsModifiedAt = nowSeconds();
    this.applyFsInfo(item, fsInfo);
    this.touch(drive, item, true);
  }

  /** Rename and/or move. Moving a folder below itself is refused with 400. */
  moveItem(
    drive: DriveRecord,
    item: ItemRecord,
    changes: { name?: string; parentId?: string; fileSystemInfo?: FileSystemInfo },
    actor: Actor,
    conflict: ConflictBehavior = "fail",
  ): ItemRecord {
    if (item.kind === "root")
      throw new GraphError(403, "notAllowed", "The root of a library cannot be renamed or moved.");
    this.assertNotLockedFor(item, actor);
    const newParent = changes.parentId ? this.getItem(drive, changes.parentId) : this.getItem(drive, item.parentId!);
    this.assertContainer(newParent);
    if (this.isWithin(drive, newParent, item))
      throw new GraphError(400, "invalidRequest", "An item cannot be moved below itself.");
    const wanted = changes.name ?? item.name;
    const sameSlot = newParent.id === item.parentId && wanted.toLowerCase() === item.name.toLowerCase();
    const finalName = sameSlot
      ? wanted
      : this.placeName(drive, newParent, wanted, conflict, item.kind === "file" ? "file" : "folder");
    if (!sameSlot) {
      const clash = this.childByName(drive, newParent, finalName);
      if (clash) {
        if (conflict !== "replace") throw nameExists(finalName);
        this.deleteItem(drive, clash, actor);
      }
    } else {
      checkItemName(finalName, newParent.kind === "root", item.kind !== "file");
    }
    this.detach(drive, item);
    item.parentId = newParent.id;
    item.name = finalName;
    if (item.kind === "file") item.mimeType = mimeTypeFor(finalName);
    this.attach(drive, item);
    this.checkLength(drive, item);
    item.modifiedBy = actor;
    this.applyFsInfo(item, changes.fileSystemInfo);
    this.touch(drive, item, false);
    return item;
  }

  /** Deletes an item and everything below it; each becomes a tombstone delta reports. */
  deleteItem(drive: DriveRecord, item: ItemRecord, actor: Actor): void {
    if (item.kind === "root") throw new GraphError(403, "notAllowed", "The root of a library cannot be deleted.");
    const all: ItemRecord[] = [];
    const collect = (it: ItemRecord): void => {
      all.push(it);
      for (const c of this.listChildren(drive, it)) collect(c);
    };
    collect(item);
    for (const it of all) this.assertNotLockedFor(it, actor);
    for (const it of all) {
      it.deletedDepth = this.depth(drive, it);
    }
    for (const it of all) {
      this.detach(drive, it);
      drive.children.delete(it.id);
      it.deleted = true;
      it.modifiedBy = actor;
      this.touch(drive, it, false);
    }
  }

  setFields(drive: DriveRecord, item: ItemRecord, fields: Record<string, unknown>, actor: Actor): void {
    this.assertNotLockedFor(item, actor);
    const known = new Map(drive.columns.map((c) => [c.name.toLowerCase(), c]));
    for (const [key, value] of Object.entries(fields)) {
      if (key === "Title") {
        item.fields.Title = value;
        continue;
      }
      const col = known.get(key.toLowerCase());
      if (!col) throw new GraphError(400, "invalidRequest", `Field '${key}' is not recognized`);
      if (col.readOnly) throw new GraphError(400, "invalidRequest", `Field '${key}' is read-only`);
      if (col.type === "choice" && value !== null && col.choices && !col.choices.includes(String(value))) {
        throw new GraphError(
          400,
          "invalidRequest",
          `Value '${String(value)}' is not a valid choice for field '${key}'`,
        );
      }
      item.fields[col.name] = value;
    }
    item.modifiedBy = actor;
    this.touch(drive, item, false);
  }

  checkout(drive: DriveRecord, item: ItemRecord, actor: Actor): void {
    if (item.kind !== "file") throw new GraphError(400, "invalidRequest", "Only files can be checked out.");
    this.assertNotLockedFor(item, actor);
    item.checkout = actor;
    this.touch(drive, item, false);
  }

  checkin(drive: DriveRecord, item: ItemRecord, actor: Actor, comment?: string): void {
    if (!item.checkout) throw new GraphError(400, "invalidRequest", "The file is not checked out.");
    this.assertNotLockedFor(item, actor);
    item.checkout = null;
    if (comment !== undefined) item.fields._CheckinComment = comment;
    this.touch(drive, item, false);
  }

  /** Breaks inheritance with the given grants, or restores it with null. */
  setUniquePermissions(drive: DriveRecord, item: ItemRecord, perms: PermissionRecord[] | null): void {
    item.uniquePermissions = perms;
    this.touch(drive, item, false);
  }

  newPermissionId(): string {
    this.permissionSeq++;
    return `aTowIy5mfG1lbWJlcnNoaXB8${this.permissionSeq.toString(36)}`;
  }

  /** Effective grants on an item, each with the item it is inherited from (null: its own). */
  effectivePermissions(
    drive: DriveRecord,
    item: ItemRecord,
  ): Array<{ perm: PermissionRecord; from: ItemRecord | null }> {
    let cur: ItemRecord | undefined = item;
    while (cur) {
      if (cur.uniquePermissions) {
        const from = cur.id === item.id ? null : cur;
        return cur.uniquePermissions.map((perm) => ({ perm, from }));
      }
      cur = cur.parentId === null ? undefined : drive.items.get(cur.parentId);
    }
    return [];
  }

  /**
   * Items changed after `afterSeq` (or, with `sinceMs`, modified at or after that time, tombstones
   * included) within `scope`, parents before children. With `withParents`, the live ancestors
   * of every changed item inside the scope come too, as SharePoint's delta sends them unless the
   * request carries `deltaExcludeParent`.
   */
  changesSince(
    drive: DriveRecord,
    scope: ItemRecord,
    afterSeq: number,
    opts: { sinceMs?: number; withParents?: boolean } = {},
  ): ItemRecord[] {
    const picked = new Map<string, ItemRecord>();
    for (const item of drive.items.values()) {
      if (opts.sinceMs !== undefined) {
        if (item.modifiedAt.getTime() < opts.sinceMs) continue;
      } else {
        if (item.seq <= afterSeq) continue;
        if (afterSeq === 0 && item.deleted) continue;
      }
      if (!this.isWithin(drive, item, scope)) continue;
      picked.set(item.id, item);
    }
    if (opts.withParents) {
      for (const item of [...picked.values()]) {
        let cur = item.id === scope.id || item.parentId === null ? undefined : drive.items.get(item.parentId);
        while (cur && !cur.deleted && !picked.has(cur.id)) {
          picked.set(cur.id, cur);
          cur = cur.id === scope.id || cur.parentId === null ? undefined : drive.items.get(cur.parentId);
        }
      }
    }
    const out = [...picked.values()].map((item) => ({ item, depth: this.depth(drive, item) }));
    out.sort((a, b) => a.depth - b.depth || a.item.seq - b.item.seq);
    return out.map((o) => o.item);
  }

  close(): void {
    this.blobs.close();
  }

  private newRecord(
    drive: DriveRecord,
    parentId: string | null,
    name: string,
    kind: ItemKind,
    actor: Actor,
  ): ItemRecord {
    const now = nowSeconds();
    return {
      id: newItemId(),
      driveId: drive.id,
      parentId,
      name,
      kind,
      guid: newGuid(),
      eVersion: 0,
      cVersion: 0,
      createdAt: now,
      modifiedAt: now,
      createdBy: actor,
      modifiedBy: actor,
      fsCreatedAt: now,
      fsModifiedAt: now,
      listItemId: kind === "root" ? 0 : drive.nextListItemId++,
      versions: [],
      fields: {},
      uniquePermissions: null,
      checkout: null,
      deleted: false,
      seq: 0,
    };
  }

  private addVersion(item: ItemRecord, blob: Blob, actor: Actor): void {
    const now = nowSeconds();
    item.versions.push({ id: `${item.versions.length + 1}.0`, blob, modifiedAt: now, modifiedBy: actor });
    item.cVersion++;
  }

  private applyFsInfo(item: ItemRecord, fs?: FileSystemInfo): void {
    if (!fs) return;
    const parse = (v: string): Date => {
      const d = new Date(v);
      if (Number.isNaN(d.getTime())) throw new GraphError(400, "invalidRequest", `Invalid date: ${v}`);
      return new Date(Math.floor(d.getTime() / 1000) * 1000);
    };
    if (fs.createdDateTime) item.fsCreatedAt = parse(fs.createdDateTime);
    if (fs.lastModifiedDateTime) item.fsModifiedAt = parse(fs.lastModifiedDateTime);
  }

  /** Records a change: new seq, eTag version, and cTag version when content changed. */
  private touch(drive: DriveRecord, item: ItemRecord, contentChanged: boolean): void {
    item.eVersion++;
    if (item.cVersion === 0) item.cVersion = 1;
    item.modifiedAt = nowSeconds();
    if (contentChanged && item.versions.length > 0) item.versions.at(-1)!.modifiedAt = item.modifiedAt;
    item.seq = ++drive.seq;
  }

  private assertContainer(item: ItemRecord): void {
    if (item.kind === "file") throw new GraphError(400, "invalidRequest", "The parent item is not a folder.");
  }

  /** Validates the name and applies the conflict behaviour; returns the name to use. */
  private placeName(
    drive: DriveRecord,
    parent: ItemRecord,
    name: string,
    conflict: ConflictBehavior,
    kind: "file" | "folder",
  ): string {
    checkItemName(name, parent.kind === "root", kind === "folder");
    const site = this.siteOf(drive);
    const prefix = `${site.path}/${drive.urlName}${this.itemPath(drive, parent)}/`;
    checkPathLength(prefix + name);
    const existing = this.childByName(drive, parent, name);
    if (!existing) return name;
    if (conflict === "fail") throw nameExists(name);
    if (conflict === "replace") {
      if (kind === "file" && existing.kind !== "file") throw nameExists(name);
      return existing.name;
    }
    const dot = kind === "file" ? name.lastIndexOf(".") : -1;
    const stem = dot > 0 ? name.slice(0, dot) : name;
    const ext = dot > 0 ? name.slice(dot) : "";
    for (let n = 1; ; n++) {
      const candidate = `${stem} ${n}${ext}`;
      if (!this.childByName(drive, parent, candidate)) {
        checkPathLength(prefix + candidate);
        return candidate;
      }
    }
  }

  private checkLength(drive: DriveRecord, item: ItemRecord): void {
    const site = this.siteOf(drive);
    checkPathLength(`${site.path}/${drive.urlName}${this.itemPath(drive, item)}`);
  }

  private attach(drive: DriveRecord, item: ItemRecord): void {
    drive.items.set(item.id, item);
    let siblings = drive.children.get(item.parentId!);
    if (!siblings) drive.children.set(item.parentId!, (siblings = new Map()));
    siblings.set(item.name.toLowerCase(), item.id);
  }

  private detach(drive: DriveRecord, item: ItemRecord): void {
    const siblings = drive.children.get(item.parentId!);
    if (siblings?.get(item.name.toLowerCase()) === item.id) siblings.delete(item.name.toLowerCase());
  }
}

export function etagOf(item: ItemRecord): string {
  return `"{${item.guid}},${item.eVersion}"`;
}

export function ctagOf(item: ItemRecord): string {
  return `"c:{${item.guid}},${item.cVersion}"`;
}

function nameExists(name: string): GraphError {
  return new GraphError(409, "nameAlreadyExists", `The specified item name already exists. Name: ${name}`);
}

const MIME: Record<string, string> = {
  ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
  ".pdf": "application/pdf",
  ".doc": "application/msword",
  ".xls": "application/vnd.ms-excel",
  ".ppt": "application/vnd.ms-powerpoint",
  ".txt": "text/plain",
  ".csv": "text/csv",
  ".md": "text/markdown",
  ".htm": "text/html",
  ".html": "text/html",
  ".xml": "text/xml",
  ".zip": "application/x-zip-compressed",
  ".gif": "image/gif",
  ".svg": "image/svg+xml",
  ".jpeg": "image/jpeg",
  ".mp4": "video/mp4",
  ".mp3": "audio/mpeg",
  ".json": "application/json",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".one": "application/msonenote",
  ".onetoc2": "application/msonenote",
};

export function mimeTypeFor(name: string): string {
  const dot = name.lastIndexOf(".");
  return (dot >= 0 && MIME[name.slice(dot).toLowerCase()]) || "application/octet-stream";
}
