/**
 * The SharePoint document library as a {@link Remote}: one drive (`driveId`) of one site, rooted
 * at `basePath` inside the library. Paths handed in and out are relative to `basePath`.
 *
 * Contract notes beyond remote.ts:
 * - Identity and change detection: id = driveItem id; fingerprint = quickXorHash + size (what
 *   walks, stats AND delta all return; SharePoint's delta has no cTag, see sharepoint-entry.ts);
 *   eTag, cTag and quickXorHash in `extra`. Folders: fingerprint "". A write conditioned on a
 *   fingerprint checks it against the current item and sends that item's cTag as `If-Match`.
 * - `changes(cursor)` reads `root/delta` (Graph supports delta only on the root of SharePoint
 *   libraries), one ChangePage per Graph page whose cursor is that page's nextLink/deltaLink, so
 *   the engine stores it only after applying the page. Items outside `basePath` are dropped; an
 *   item that moved out of it is reported as a deletion (a file by id alone, see below). Delta
 *   responses carry no paths: the adapter keeps an id → path map of FOLDERS (filled by walks,
 *   stats and delta pages; unknown parents are looked up once by id) and places each item by its
 *   parent's id. Files are not remembered — that memory would grow with the library — so a
 *   deleted file, or one that left the base on a resync, is reported by id and the engine
 *   resolves it through its working set. A folder rename or move is ONE upsert of the folder at its new path:
 *   Graph does not repeat the descendants, so the engine must treat the folder's descendants as
 *   moved along (same ids, paths re-rooted) — the adapter's own map does exactly that. 410 →
 *   `cursor_expired` (the engine then walks and compares with its base).
 * - OneNote notebooks (`package` facet) are yielded once as `opaquePackage` file entries and never
 *   descended into; their content is a deterministic tar of their sections (sharepoint-package.ts),
 *   and a change inside a notebook is reported as an upsert of the notebook.
 * - Names are checked against SharePoint's rules before any call (sharepoint-names.ts).
 * - `contentHasher("quickXorHash")` lets the engine check a download against the listed hash
 *   instead of re-reading the item after every transfer (one Graph request per file saved).
 * - `acl(path)` reads permissions only for the base folder and for items whose `shared` facet
 *   says they have their own grants (permission reads are expensive); other items answer
 *   `{entries: [], inherit: true}` from the item alone.
 * - `fields(path)`: list-item column values keyed `sharepoint.<InternalName>` (see
 *   {@link fieldsFromListItem}); `versions(path)`: older versions newest first (current excluded).
 */
import type { Readable } from "node:stream";
import { RemoteError } from "../../sync/remote-errors.js";
import {
  baseName,
  normalizeRelPath,
  parentPath,
  type ByteRange,
  type ChangePage,
  type ContentHasher,
  type MkdirOptions,
  type Remote,
  type RemoteAcl,
  type RemoteCapabilities,
  type RemoteEntry,
  type RemoteVersion,
  type WriteOptions,
} from "../../sync/remote.js";
import { encodeItemPath, GraphHttp } from "./graph-http.js";
import type { DriveItem, DriveItemVersion, GraphDrive, GraphPage, GraphPermission, ListItem } from "./graph-types.js";
import { aclFromPermissions } from "./sharepoint-acl.js";
import {
  contentFingerprint,
  entryFromItem,
  HASH_FINGERPRINT_PREFIX,
  isFolder,
  isPackage,
  libraryPathOf,
} from "./sharepoint-entry.js";
import { fieldsFromListItem } from "./sharepoint-fields.js";
import { QuickXorHash } from "./quick-xor-hash.js";
import { assertSharePointPath } from "./sharepoint-names.js";
import { listPackage, packageFingerprint, packageSize, packageStream, sliceStream } from "./sharepoint-package.js";
import { DEFAULT_FRAGMENT_BYTES, DEFAULT_SIMPLE_UPLOAD_MAX, uploadFile } from "./sharepoint-upload.js";

export interface SharePointRemoteOptions {
  graph: GraphHttp;
  /** Site id (`host,guid,guid`); kept for messages and helpers. */
  siteId?: string;
  driveId: string;
  /** Folder inside the library ("" = the whole library); "/"-separated, no leading slash needed. */
  basePath?: string;
  /**
   * Files up to this size use a simple PUT + PATCH of the modification time (default 0: only
   * empty files; every other file goes through an upload session that sets the time in the same
   * request, avoiding the extra SharePoint version the PATCH creates). At most 4 MiB makes sense.
   */
  simpleUploadMaxBytes?: number;
  /** Upload-session fragment size, a multiple of 320 KiB (default 10 × 320 KiB). */
  fragmentBytes?: number;
  /** Delta page size asked of Graph (`$top`; default: Graph's). */
  deltaPageSize?: number;
  /** Children page size (`$top`, default 200). */
  childrenPageSize?: number;
}

export const SHAREPOINT_CAPABILITIES: RemoteCapabilities = {
  delta: true,
  versions: true,
  acl: true,
  metadata: true,
  caseInsensitive: true,
  checkouts: true,
  hashes: ["quickXorHash"],
  notify: false,
  preservesMtime: true,
  // Microsoft's guidance for Graph/SharePoint is a modest degree of parallelism per app; more
  // only earns 429s and Retry-After waits.
  maxInFlight: 16,
};

/**
 * Id → library path memory for delta translation (see the module comment), of folders only: a
 * delta page places an item by its parent's id, and a file's path is needed only while its own
 * page is processed. Remembering every file would grow with the library (about 0.7 KB a file
 * measured — some 800 MiB at a million files); a deleted file goes out by id instead, which the
 * engine resolves through the run's working set. Files inside a notebook are the exception: a
 * change to one is a change of its notebook, which only their remembered path tells.
 */
class PathMap {
  private readonly byId = new Map<string, string>();
  private readonly packages = new Set<string>();

  get(id: string): string | undefined {
    return this.byId.get(id);
  }

  set(id: string, libPath: string, item: DriveItem): void {
    if (item.file && !isPackage(item) && this.packageOf(libPath) === undefined) {
      this.byId.delete(id);
      return;
    }
    const old = this.byId.get(id);
    this.byId.set(id, libPath);
    if (isPackage(item)) this.packages.add(libPath);
    if (old !== undefined && old !== libPath && !item.file) {
      for (const [k, v] of this.byId) if (v.startsWith(`${old}/`)) this.byId.set(k, libPath + v.slice(old.length));
    }
  }

  remove(id: string): void {
    const old = this.byId.get(id);
    this.byId.delete(id);
    if (old === undefined) return;
    for (const [k, v] of this.byId) if (v.startsWith(`${old}/`)) this.byId.delete(k);
  }

  /** The notebook a path lies inside (never descended into), if any. */
  packageOf(libPath: string): string | undefined {
    for (const p of this.packages) if (libPath.startsWith(`${p}/`)) return p;
    return undefined;
  }
}

/**
 * Pre-authenticated download URLs seen in walks and delta pages, by library path, so the read the
 * engine makes right after enumerating costs one request (the download) instead of two — the
 * issue's "≤ 1 download per file" budget. Such a read returns the content of the version the
 * enumeration reported (the bytes match the fingerprint the engine records; a later change shows
 * up in the next delta). Graph's URLs live about an hour; entries older than
 * {@link DOWNLOAD_URL_TTL_MS} are not used, a refused URL falls back to a fresh item lookup, and
 * every write, move or delete forgets the path. `stat` and `write` never fill it, so a read that
 * does not follow an enumeration always gets the current content.
 */
const DOWNLOAD_URL_TTL_MS = 10 * 60_000;
const DOWNLOAD_URL_MAX = 20_000;

class DownloadUrls {
  private readonly byPath = new Map<string, { url: string; at: number; id: string }>();
  /** Where each cached file is, so a file moved or deleted in a delta page is forgotten by id alone. */
  private readonly pathById = new Map<string, string>();

  remember(libPath: string, item: DriveItem): void {
    const url = item["@microsoft.graph.downloadUrl"];
    if (!url || !item.file) return;
    this.forgetId(item.id);
    this.drop(libPath);
    this.byPath.set(libPath, { url, at: Date.now(), id: item.id });
    this.pathById.set(item.id, libPath);
    if (this.byPath.size > DOWNLOAD_URL_MAX) this.drop(this.byPath.keys().next().value!);
  }

  private drop(libPath: string): void {
    const e = this.byPath.get(libPath);
    if (!e) return;
    this.byPath.delete(libPath);
    if (this.pathById.get(e.id) === libPath) this.pathById.delete(e.id);
  }

  /** Forgets the URL of the file with this id, wherever it was cached. */
  forgetId(id: string): void {
    const p = this.pathById.get(id);
    if (p !== undefined) this.drop(p);
  }

  fresh(libPath: string): string | undefined {
    const e = this.byPath.get(libPath);
    if (!e) return undefined;
    if (Date.now() - e.at > DOWNLOAD_URL_TTL_MS) {
      this.drop(libPath);
      return undefined;
    }
    return e.url;
  }

  /** Forgets a path and everything cached below it (a folder moved or deleted): a scan of the cache. */
  forget(libPath: string): void {
    this.drop(libPath);
    for (const k of this.byPath.keys()) if (k.startsWith(`${libPath}/`)) this.drop(k);
  }

  /**
   * Forgets one file's URL. A file has nothing below it, so no scan: an upload after an
   * enumeration filled the cache must not cost {@link DOWNLOAD_URL_MAX} comparisons per file.
   */
  forgetFile(libPath: string): void {
    this.drop(libPath);
  }
}

export class SharePointRemote implements Remote {
  readonly capabilities = SHAREPOINT_CAPABILITIES;
  private readonly graph: GraphHttp;
  private readonly driveUrl: string;
  private readonly base: string;
  private readonly simpleMax: number;
  private readonly fragmentBytes: number;
  private readonly paths = new PathMap();
  private readonly downloads = new DownloadUrls();
  private libraryUrlPath: string | undefined;

  constructor(private readonly o: SharePointRemoteOptions) {
    this.graph = o.graph;
    this.driveUrl = `/drives/${encodeURIComponent(o.driveId)}`;
    this.base = normalizeRelPath(o.basePath ?? "");
    this.simpleMax = o.simpleUploadMaxBytes ?? DEFAULT_SIMPLE_UPLOAD_MAX;
    this.fragmentBytes = o.fragmentBytes ?? DEFAULT_FRAGMENT_BYTES;
  }

  // ---- paths ----

  private lib(rel: string): string {
    const r = normalizeRelPath(rel);
    return this.base === "" ? r : r === "" ? this.base : `${this.base}/${r}`;
  }

  /** Base-relative path of a library path, or undefined when outside the base (the base itself is ""). */
  private relOf(libPath: string): string | undefined {
    if (this.base === "") return libPath;
    if (libPath === this.base) return "";
    return libPath.startsWith(`${this.base}/`) ? libPath.slice(this.base.length + 1) : undefined;
  }

  /** Graph URL of the item at a library path (`suffix` e.g. "children"). */
  private itemUrl(libPath: string, suffix?: string): string {
    if (libPath === "") return `${this.driveUrl}/root${suffix ? `/${suffix}` : ""}`;
    return `${this.driveUrl}/root:/${encodeItemPath(libPath)}${suffix ? `:/${suffix}` : ":"}`;
  }

  private byId(id: string, suffix?: string): string {
    return `${this.driveUrl}/items/${encodeURIComponent(id)}${suffix ? `/${suffix}` : ""}`;
  }

  /** The library's decoded server-relative URL, for the 400-character rule (fetched once). */
  private async libraryUrl(): Promise<string> {
    if (this.libraryUrlPath === undefined) {
      const drive = await this.graph.get<GraphDrive>(this.driveUrl, "read library");
      this.libraryUrlPath = drive.webUrl ? decodeURIComponent(new URL(drive.webUrl).pathname) : "";
    }
    return this.libraryUrlPath;
  }

  private async checkName(rel: string, leafIsFolder = false): Promise<void> {
    assertSharePointPath(this.lib(rel), await this.libraryUrl(), rel, leafIsFolder);
  }

  /**
   * The `If-Match` tag for a write conditioned on `fp`. A hash fingerprint is no tag Graph knows:
   * it is compared with the current item's, whose cTag (eTag when Graph lists none) then guards
   * the upload against a change in between. Anything else — a tag recorded before fingerprints
   * were hashes, `null`, absent — passes through unchanged.
   */
  private async ifMatchTag(rel: string, fp: string | null | undefined): Promise<string | null | undefined> {
    if (typeof fp !== "string" || !fp.startsWith(HASH_FINGERPRINT_PREFIX)) return fp;
    const item = await this.getItem(rel).catch((err: unknown) => {
      if (err instanceof RemoteError && err.kind === "not_found") return undefined;
      throw err;
    });
    if (!item || !item.file || isPackage(item) || contentFingerprint(item) !== fp) {
      const what = item ? "changed in SharePoint since it was listed" : "no longer exists in SharePoint";
      throw new RemoteError("precondition_failed", `${rel} ${what}; not overwritten`, { path: rel });
    }
    return item.cTag ?? item.eTag;
  }

  private toEntry(item: DriveItem, fallbackRel: string): RemoteEntry {
    const libPath = libraryPathOf(item);
    if (libPath !== undefined) this.paths.set(item.id, libPath, item);
    const rel = libPath !== undefined ? (this.relOf(libPath) ?? fallbackRel) : fallbackRel;
    return entryFromItem(item, rel);
  }

  // ---- reads ----

  private async getItem(rel: string, query = ""): Promise<DriveItem> {
    const libPath = this.lib(rel);
    return this.graph.get<DriveItem>(`${this.itemUrl(libPath)}${query}`, `stat ${rel || "(base folder)"}`, {
      path: rel,
    });
  }

  async stat(path: string): Promise<RemoteEntry> {
    const rel = normalizeRelPath(path);
    const item = await this.getItem(rel);
    const entry = this.toEntry(item, rel);
    return isPackage(item) ? this.packageEntry(item, entry) : entry;
  }

  /**
   * A notebook's entry: size and fingerprint of its archive (sharepoint-package.ts); no listed hash, since none
   * describes the archive.
   */
  private async packageEntry(item: DriveItem, entry: RemoteEntry): Promise<RemoteEntry> {
    const members = await listPackage(this.graph, this.driveUrl, item.id);
    const { hashes: _none, ...rest } = entry;
    return {
      ...rest,
      size: packageSize(members),
      fingerprint: packageFingerprint(members),
      extra: { ...entry.extra, packageMembers: members.length },
    };
  }

  async *walk(root = ""): AsyncIterable<RemoteEntry> {
    const start = normalizeRelPath(root);
    const top = await this.getItem(start);
    if (!isFolder(top)) return;
    const startLib = libraryPathOf(top);
    if (startLib !== undefined) this.paths.set(top.id, startLib, top);
    const queue: Array<{ id: string; rel: string }> = [
      { id: top.id, rel: startLib !== undefined ? (this.relOf(startLib) ?? start) : start },
    ];
    const pageSize = this.o.childrenPageSize ?? 200;
    while (queue.length > 0) {
      const folder = queue.shift()!;
      for await (const page of this.graph.pages<DriveItem>(
        `${this.byId(folder.id, "children")}?$top=${pageSize}`,
        `list ${folder.rel || "(base folder)"}`,
        { path: folder.rel },
      )) {
        for (const item of page.value) {
          const name = (item.name ?? "").normalize("NFC");
          const rel = folder.rel === "" ? name : `${folder.rel}/${name}`;
          this.paths.set(item.id, this.lib(rel), item);
          this.downloads.remember(this.lib(rel), item);
          const entry = entryFromItem(item, rel);
          yield isPackage(item) ? await this.packageEntry(item, entry) : entry;
          if (isFolder(item)) queue.push({ id: item.id, rel });
        }
      }
    }
  }

  async read(path: string, range?: ByteRange): Promise<Readable> {
    const rel = normalizeRelPath(path);
    const known = this.downloads.fresh(this.lib(rel));
    if (known) {
      try {
        const res = await this.graph.fetchPreauthenticated(
          known,
          { method: "GET", headers: range ? { Range: `bytes=${range.start}-${range.end ?? ""}` } : {} },
          `download ${rel}`,
          { idempotent: true, path: rel },
        );
        return GraphHttp.nodeStream(res.body, `download ${rel}`, rel);
      } catch (err) {
        // An expired or revoked URL: forget it and ask Graph for the item again.
        this.downloads.forgetFile(this.lib(rel));
        if (!(err instanceof RemoteError) || err.kind === "unreachable" || err.kind === "destination_denied") throw err;
      }
    }
    const item = await this.getItem(rel);
    if (isPackage(item)) {
      const members = await listPackage(this.graph, this.driveUrl, item.id);
      const archive = packageStream(members, async (m) =>
        m.downloadUrl
          ? GraphHttp.nodeStream(
              (
                await this.graph.fetchPreauthenticated(m.downloadUrl, { method: "GET" }, `download ${rel}/${m.path}`, {
                  idempotent: true,
                  path: rel,
                })
              ).body,
              `download ${rel}`,
              rel,
            )
          : this.streamGraph(this.byId(m.id, "content"), {}, `download ${rel}/${m.path}`, rel),
      );
      return range ? sliceStream(archive, range.start, range.end) : archive;
    }
    if (!item.file) throw new RemoteError("not_found", `${rel} is a folder, not a file`, { path: rel });
    const url = item["@microsoft.graph.downloadUrl"];
    const headers: Record<string, string> = {};
    if (range) headers.Range = `bytes=${range.start}-${range.end ?? ""}`;
    const what = `download ${rel}`;
    if (url) {
      const res = await this.graph.fetchPreauthenticated(url, { method: "GET", headers }, what, {
        idempotent: true,
        path: rel,
      });
      return GraphHttp.nodeStream(res.body, what, rel);
    }
    return this.streamGraph(this.byId(item.id, "content"), headers, what, rel);
  }

  /** GET of a Graph content route (302 to a download URL, followed by the SDK) as a stream. */
  private async streamGraph(
    url: string,
    headers: Record<string, string>,
    what: string,
    rel: string,
  ): Promise<Readable> {
    const res = await this.graph.getRaw(url, what, { headers, path: rel });
    return GraphHttp.nodeStream(res.body, what, rel);
  }

  // ---- delta ----

  /** Library path of an item's parent, looking it up by id when the map does not know it. */
  private async parentLibPath(item: DriveItem): Promise<string | undefined> {
    const pid = item.parentReference?.id;
    if (!pid) return undefined;
    const known = this.paths.get(pid);
    if (known !== undefined) return known;
    const parent = await this.graph.get<DriveItem>(this.byId(pid), "resolve parent folder");
    const p = libraryPathOf(parent);
    if (p !== undefined) this.paths.set(parent.id, p, parent);
    return p;
  }

  async *changes(cursor: string | null): AsyncIterable<ChangePage> {
    // A full enumeration first checks the base folder, so a wrong base_path fails the run instead
    // of syncing an empty library; a resync with a cursor costs only its delta request, and a base
    // folder removed since shows up in the delta itself.
    if (cursor === null) {
      const base = await this.stat("");
      if (base.kind !== "folder")
        throw new RemoteError("not_found", `base_path ${this.o.basePath} is not a folder`, { path: "" });
    }
    const incremental = cursor !== null;
    let url: string | undefined =
      cursor ?? `${this.driveUrl}/root/delta${this.o.deltaPageSize ? `?$top=${this.o.deltaPageSize}` : ""}`;
    while (url) {
      const page: GraphPage<DriveItem> = await this.graph.get<GraphPage<DriveItem>>(url, "delta");
      const upserts: RemoteEntry[] = [];
      const deletions: ChangePage["deletions"] = [];
      const touchedPackages = new Set<string>();
      for (const item of page.value) {
        if (item.root) {
          this.paths.set(item.id, "", item);
          continue;
        }
        const oldLib = this.paths.get(item.id);
        const oldRel = oldLib !== undefined ? this.relOf(oldLib) : undefined;
        if (item.deleted) {
          const pkg = oldLib !== undefined ? this.paths.packageOf(oldLib) : undefined;
          if (pkg !== undefined) {
            touchedPackages.add(pkg);
            this.paths.remove(item.id);
            continue;
          }
          this.paths.remove(item.id);
          this.downloads.forgetId(item.id);
          if (oldLib === undefined || (oldRel !== undefined && oldRel !== ""))
            deletions.push({ id: item.id, ...(oldRel ? { path: oldRel } : {}) });
          continue;
        }
        const parent = await this.parentLibPath(item);
        if (parent === undefined || item.name === undefined) continue;
        const name = item.name.normalize("NFC");
        const libPath = parent === "" ? name : `${parent}/${name}`;
        this.paths.set(item.id, libPath, item);
        if (oldLib !== undefined && oldLib !== libPath) this.downloads.forget(oldLib);
        else this.downloads.forgetId(item.id);
        this.downloads.remember(libPath, item);
        const rel = this.relOf(libPath);
        const pkg = this.paths.packageOf(libPath);
        if (pkg !== undefined) {
          touchedPackages.add(pkg);
          continue;
        }
        if (rel === undefined || rel === "") {
          // Outside the base now. Where it was is known for folders; a file's former place is not
          // remembered, so on a resync it goes out by id — the engine drops it if it was synced
          // and ignores an id it never held (a file that was always outside the base).
          const left =
            oldLib === undefined ? incremental && item.file !== undefined : oldRel !== undefined && oldRel !== "";
          if (rel === undefined && left) deletions.push({ id: item.id, ...(oldRel ? { path: oldRel } : {}) });
          continue;
        }
        const entry = entryFromItem(item, rel);
        if (isPackage(item)) {
          touchedPackages.delete(libPath);
          upserts.push(await this.packageEntry(item, entry));
        } else {
          upserts.push(entry);
        }
      }
      // A change inside a notebook is a change of the notebook's blob.
      for (const pkgLib of touchedPackages) {
        const rel = this.relOf(pkgLib);
        if (rel === undefined || rel === "" || upserts.some((u) => u.path === rel)) continue;
        try {
          const item = await this.graph.get<DriveItem>(this.itemUrl(pkgLib), `stat notebook ${rel}`, { path: rel });
          upserts.push(await this.packageEntry(item, entryFromItem(item, rel)));
        } catch (err) {
          if (!(err instanceof RemoteError) || err.kind !== "not_found") throw err;
        }
      }
      const next: string | undefined = page["@odata.nextLink"];
      const cursorOut = next ?? page["@odata.deltaLink"];
      if (!cursorOut) throw new RemoteError("other", "delta page carried neither a nextLink nor a deltaLink");
      yield { upserts, deletions, cursor: cursorOut };
      url = next;
    }
  }

  // ---- writes ----

  async write(path: string, source: Readable, options: WriteOptions): Promise<RemoteEntry> {
    const rel = normalizeRelPath(path);
    try {
      if (rel === "") throw new RemoteError("exists", "cannot write over the base folder", { path: rel });
      await this.checkName(rel);
    } catch (err) {
      source.destroy();
      throw err;
    }
    let ifMatch: string | null | undefined;
    try {
      ifMatch = await this.ifMatchTag(rel, options.ifMatchFingerprint);
    } catch (err) {
      source.destroy();
      throw err;
    }
    this.downloads.forgetFile(this.lib(rel));
    const item = await uploadFile(
      this.graph,
      source,
      {
        itemUrl: this.itemUrl(this.lib(rel)).replace(/:$/, ""),
        driveUrl: this.driveUrl,
        relPath: rel,
        size: options.size,
        mtimeMs: options.mtimeMs,
        ifMatch,
      },
      { simpleUploadMaxBytes: this.simpleMax, fragmentBytes: this.fragmentBytes },
    );
    return this.toEntry(item, rel);
  }

  async mkdir(path: string, _options?: MkdirOptions): Promise<RemoteEntry> {
    const rel = normalizeRelPath(path);
    try {
      const e = await this.stat(rel);
      if (e.kind !== "folder" || e.opaquePackage)
        throw new RemoteError("exists", `${rel} exists and is not a folder`, { path: rel });
      return e;
    } catch (err) {
      if (!(err instanceof RemoteError) || err.kind !== "not_found" || rel === "") throw err;
    }
    await this.checkName(rel, true);
    const parent = parentPath(rel);
    const parentEntry = await this.mkdir(parent);
    try {
      const created = await this.graph.post<DriveItem>(
        parentEntry.id ? this.byId(parentEntry.id, "children") : this.itemUrl(this.lib(parent), "children"),
        { name: baseName(rel), folder: {}, "@microsoft.graph.conflictBehavior": "fail" },
        `create folder ${rel}`,
        { path: rel },
      );
      return this.toEntry(created, rel);
    } catch (err) {
      if (err instanceof RemoteError && err.kind === "exists") {
        const e = await this.stat(rel);
        if (e.kind === "folder" && !e.opaquePackage) return e;
      }
      throw err;
    }
  }

  async delete(path: string): Promise<void> {
    const rel = normalizeRelPath(path);
    if (rel === "") throw new RemoteError("access_denied", "the base folder itself is never deleted", { path: rel });
    let item: DriveItem;
    try {
      item = await this.getItem(rel);
    } catch (err) {
      if (err instanceof RemoteError && err.kind === "not_found") return;
      throw err;
    }
    if (isFolder(item) && (item.folder?.childCount ?? 0) > 0) {
      throw new RemoteError("precondition_failed", `folder ${rel} is not empty`, { path: rel });
    }
    this.downloads.forget(this.lib(rel));
    try {
      await this.graph.delete(this.byId(item.id), `delete ${rel}`, { path: rel });
      this.paths.remove(item.id);
    } catch (err) {
      if (err instanceof RemoteError && err.kind === "not_found") return;
      throw err;
    }
  }

  async move(from: string, to: string): Promise<RemoteEntry> {
    const src = normalizeRelPath(from);
    const dst = normalizeRelPath(to);
    const item = await this.getItem(src);
    await this.checkName(dst);
    try {
      const existing = await this.getItem(dst);
      if (existing.id !== item.id) throw new RemoteError("exists", `${dst} already exists`, { path: dst });
    } catch (err) {
      if (!(err instanceof RemoteError) || err.kind !== "not_found") throw err;
    }
    const parent = await this.getItem(parentPath(dst));
    if (!isFolder(parent)) throw new RemoteError("not_found", `parent of ${dst} is not a folder`, { path: dst });
    const body: Record<string, unknown> = { name: baseName(dst), "@microsoft.graph.conflictBehavior": "fail" };
    if (parent.id !== item.parentReference?.id) body.parentReference = { id: parent.id };
    this.downloads.forget(this.lib(src));
    const moved = await this.graph.patch<DriveItem>(this.byId(item.id), body, `move ${src} to ${dst}`, { path: src });
    return this.toEntry(moved, dst);
  }

  // ---- optional abilities ----

  async versions(path: string): Promise<RemoteVersion[]> {
    const rel = normalizeRelPath(path);
    const item = await this.getItem(rel);
    if (!item.file) throw new RemoteError("not_found", `${rel} is not a file`, { path: rel });
    const out: RemoteVersion[] = [];
    for await (const page of this.graph.pages<DriveItemVersion>(this.byId(item.id, "versions"), `versions of ${rel}`, {
      path: rel,
    })) {
      for (const v of page.value) {
        const author = v.lastModifiedBy?.user?.id ?? v.lastModifiedBy?.user?.email;
        out.push({
          id: v.id,
          size: v.size ?? 0,
          mtimeMs: v.lastModifiedDateTime ? Date.parse(v.lastModifiedDateTime) : 0,
          ...(author ? { author } : {}),
        });
      }
    }
    // Graph lists the current version first; the Remote contract excludes it.
    const current = item.publication?.versionId;
    const older = current ? out.filter((v) => v.id !== current) : out.slice(1);
    return older;
  }

  async readVersion(path: string, versionId: string): Promise<Readable> {
    const rel = normalizeRelPath(path);
    const item = await this.getItem(rel);
    return this.streamGraph(
      this.byId(item.id, `versions/${encodeURIComponent(versionId)}/content`),
      {},
      `download version ${versionId} of ${rel}`,
      rel,
    );
  }

  async fields(path: string): Promise<Record<string, unknown>> {
    const rel = normalizeRelPath(path);
    const item = await this.getItem(rel);
    const li = await this.graph.get<
      ListItem & { createdBy?: DriveItem["createdBy"]; lastModifiedBy?: DriveItem["lastModifiedBy"] }
    >(`${this.byId(item.id, "listItem")}?$expand=fields`, `columns of ${rel}`, { path: rel });
    return fieldsFromListItem(li);
  }

  async acl(path: string): Promise<RemoteAcl> {
    const rel = normalizeRelPath(path);
    const item = await this.getItem(rel);
    const owner = item.createdBy?.user?.id;
    if (rel !== "" && !item.shared) return { ...(owner ? { owner } : {}), entries: [], inherit: true };
    const perms: GraphPermission[] = [];
    for await (const page of this.graph.pages<GraphPermission>(
      this.byId(item.id, "permissions"),
      `permissions of ${rel || "(base folder)"}`,
      { path: rel },
    ))
      perms.push(...page.value);
    return aclFromPermissions(perms, owner);
  }

  /** quickXorHash as Graph lists it (base64), so the engine verifies downloads without a re-stat. */
  contentHasher(algorithm: string): ContentHasher | undefined {
    if (algorithm !== "quickXorHash") return undefined;
    const h = new QuickXorHash();
    return { update: (chunk) => void h.update(chunk), digest: () => h.digestBase64() };
  }

  async close(): Promise<void> {
    // Nothing to release: HTTP connections belong to the global dispatcher, tokens to MSAL's cache.
  }
}

export function createSharePointRemote(o: SharePointRemoteOptions): SharePointRemote {
  return new SharePointRemote(o);
}
