import { createHash } from "node:crypto";
import type { Readable } from "node:stream";
import type { Logger } from "pino";
import { AppError } from "./errors.js";
import { newId } from "./ids.js";
import { actorPrincipals, actorUserId, type Actor } from "./actor.js";
import { decodePermissions, encodePermissions, isPermission, type Permission } from "./permissions.js";
import { joinPath, nameKey, parsePath, parentPath, type ParsedPath } from "./name-rules.js";
import { clampLimit, decodeCursor, encodeCursor, type Page } from "./pagination.js";
import { AclService, notFound } from "./acl-service.js";
import { SubtreeAcl } from "./subtree-acl.js";
import { toNode, toVersion, type ContentSource, type Node, type Version } from "./node-types.js";
import {
  inTransaction,
  isPostgres,
  isRetryableConflict,
  isUniqueViolation,
  type DbExecutor,
} from "../store/core/db-executor.js";
import { CHAIN_JOIN_DEPTH, nodeStore, type NodeRecord } from "../store/core/node-store.js";
import { versionStore, type VersionRecord } from "../store/core/version-store.js";
import { shareStore, type ShareRecord } from "../store/core/share-store.js";
import { aclStore } from "../store/core/acl-store.js";
import { principalStore } from "../store/core/principal-store.js";
import type { BlobReader } from "../store/blobs/blob-reader.js";
import { BlobReadStream } from "../store/blobs/blob-read-stream.js";
import type { BlobStore } from "../store/blobs/fs-blob-store.js";
import {
  INLINE_BLOB_MAX_BYTES,
  inlineBlobStore,
  inlineContentRange,
  inlineContentStream,
} from "../store/blobs/inline-blob-store.js";
import { takeSmall } from "./content-head.js";
import { CommitBatcher } from "./commit-batcher.js";
import { FileCreateBatcher } from "./file-create-batcher.js";

/** Content stored for a version that is not committed yet (see NodeService.storeContent). */
interface StoredContent {
  sha256: string;
  size: number;
  /** Kept in the database: nothing to collect if the version is never committed. */
  inline: boolean;
  /** The bytes, when inline. */
  data?: Buffer;
  /** Writes what still has to go into the version's transaction (inline bytes). */
  commitWith(trx: DbExecutor): Promise<void>;
  release(): void;
}

/** A resolved path: the existing ancestor chain (root first) and the names that do not exist yet. */
interface Resolved {
  share: ShareRecord;
  parsed: ParsedPath;
  chain: NodeRecord[];
  missing: string[];
  /**
   * Whether the path may be at or below a remote mount point: a node of the chain is one, or the
   * share has mounts and the chain went past what one query checks. Unset for a remembered folder.
   */
  mayBeMounted?: boolean;
}

/** Where a node sits: its share and its chain (root first, the node itself last). */
export interface Located {
  share: ShareRecord;
  chain: NodeRecord[];
  node: NodeRecord;
}

export interface AclEntry {
  principal_id: string;
  permissions: Permission[];
}

export interface AclView {
  share_id: string;
  path: string;
  node_id: string;
  /** False when this node breaks inheritance from its parent. */
  inherit: boolean;
  aces: AclEntry[];
  /** ACEs that apply here from ancestors (empty when inheritance is broken), with their source path. */
  inherited_aces: (AclEntry & { from_path: string })[];
}

export interface WriteFileOptions {
  actor: Actor;
  /** Sets modified_at (e.g. the remote's last-write time); defaults to now. */
  mtime?: Date;
  /** Owner of a newly created file (defaults to the actor). */
  ownerId?: string;
  /** Author recorded on the new version (defaults to the actor; null for the system actor). */
  authorId?: string | null;
  /** Optimistic concurrency: the file's current version id must be this (missing file fails too). */
  ifMatchVersionId?: string;
  /** Optimistic concurrency on content: the current SHA-256 must be this (HTTP If-Match). */
  ifMatchSha256?: string;
  /** Refuse to overwrite an existing file (HTTP `If-None-Match: *`). */
  ifNoneMatch?: boolean;
  /** Refuse to overwrite a file whose current SHA-256 is one of these (HTTP `If-None-Match` with entity-tags). */
  ifNoneMatchSha256?: readonly string[];
  /** Handed to the blob store: chunks of `source` it no longer reads go back to their producer (see PutOptions). */
  recycleChunk?: (chunk: Buffer) => void;
}

const RETRIES = 12;
/** Entries of NodeService.knownFolders (a few hundred bytes each). */
const KNOWN_FOLDERS_MAX = 1024;
const SERIALIZABLE = { serializable: true } as const;

/**
 * The paths a write below `path` depends on, outermost first: every ancestor except the root
 * (which never moves), and `path` itself when `self` (see nodeStore.lockPaths).
 */
function pathPrefixes(path: string, self: boolean): string[] {
  const out: string[] = [];
  for (let i = path.indexOf("/", 1); i > 0; i = path.indexOf("/", i + 1)) out.push(path.slice(0, i));
  if (self && path !== "/") out.push(path);
  return out;
}

/**
 * Folders, files, versions, metadata and ACLs of every share. Every method takes the acting
 * {@link Actor} and enforces ACLs itself (pass SYSTEM_ACTOR to bypass them, e.g. from the sync
 * engine). Common errors: NOT_FOUND for a missing node or one the actor cannot READ,
 * FORBIDDEN when it can read but lacks the permission, INVALID_NAME for a bad path, CONFLICT when a
 * file stands where a folder is needed (or the reverse) or a destination exists.
 */
export class NodeService {
  private readonly commits: CommitBatcher;
  private readonly fileCreates: FileCreateBatcher;
  /**
   * Folder chains system writes recently created files in, by share and folder path (PostgreSQL):
   * a hint only, every use is verified by the statement that uses it.
   */
  private readonly knownFolders = new Map<string, { share: ShareRecord; chain: NodeRecord[] }>();
  /** Folder creations in flight for uploads into new folders, by share and folder path (see withParentFolders). */
  private readonly foldersInFlight = new Map<string, Promise<NodeRecord[]>>();

  constructor(
    private readonly db: DbExecutor,
    private readonly blobs: BlobStore,
    private readonly acl: AclService,
    private readonly logger: Logger,
    private readonly opts: {
      maxUploadBytes?: number;
      onContentRemoved?: () => void;
      /** Let concurrent file writes share a transaction (SQLite; see CommitBatcher). */
      groupCommit?: boolean;
    } = {},
  ) {
    this.commits = new CommitBatcher(db, { enabled: opts.groupCommit ?? false });
    this.fileCreates = new FileCreateBatcher(db);
  }

  // ---- lookups -------------------------------------------------------------------------------

  /**
   * The node at `path` after checking that the actor holds READ and `perm` on it: the helper
   * routes use (`requireSharePermission`).
   */
  async locate(actor: Actor, shareId: string, path: string, perm: Permission = "READ"): Promise<Located> {
    return this.locateResolved(actor, await this.resolve(this.db, shareId, path), perm);
  }

  /** The node `r` found, once `actor` holds `perm` on it. @throws NOT_FOUND for a missing node. */
  private async locateResolved(actor: Actor, r: Resolved, perm: Permission): Promise<Located> {
    if (r.missing.length > 0) throw notFound(r.parsed.path);
    const node = r.chain[r.chain.length - 1];
    AclService.check(await this.acl.effective(actor, r.share, r.chain), perm, r.parsed.path);
    return { share: r.share, chain: r.chain, node };
  }

  /** Like {@link locate} by node id (stable across moves and renames). */
  async locateById(actor: Actor, id: string, perm: Permission = "READ", db: DbExecutor = this.db): Promise<Located> {
    const node = await nodeStore.get(db, id);
    if (!node) throw notFound(id);
    const chain = await this.chainOf(db, node);
    const share = await shareStore.get(db, node.share_id);
    if (!share) throw notFound(id);
    AclService.check(await this.acl.effective(actor, share, chain, db), perm, id);
    return { share, chain, node };
  }

  async stat(shareId: string, path: string, actor: Actor): Promise<Node> {
    return toNode((await this.locate(actor, shareId, path)).node);
  }

  /** Like {@link stat} but null instead of NOT_FOUND (a missing node, or one the actor cannot read). */
  async tryStat(shareId: string, path: string, actor: Actor): Promise<Node | null> {
    try {
      return await this.stat(shareId, path, actor);
    } catch (err) {
      if (err instanceof AppError && err.code === "NOT_FOUND") return null;
      throw err;
    }
  }

  async statById(id: string, actor: Actor): Promise<Node> {
    return toNode((await this.locateById(actor, id)).node);
  }

  /**
   * One page of a folder's children, ordered by name; children the actor cannot READ are left
   * out. @throws VALIDATION_FAILED (field "path") if the path is a file.
   */
  async list(
    shareId: string,
    path: string,
    opts: { limit?: number; cursor?: string },
    actor: Actor,
  ): Promise<Page<Node>> {
    const { share, chain, node } = await this.locate(actor, shareId, path);
    if (node.type !== "folder")
      throw new AppError("VALIDATION_FAILED", `${node.path} is a file, not a folder`, { field: "path" });
    const limit = clampLimit(opts.limit);
    let after = decodeCursor(opts.cursor, ["name"])?.name;
    const visible: NodeRecord[] = [];
    for (;;) {
      const rows = await nodeStore.children(this.db, node.id, after, limit + 1);
      const perms = await this.acl.effectiveForChildren(actor, share, chain, rows);
      for (const row of rows) if (perms.get(row.id)?.has("READ")) visible.push(row);
      if (visible.length > limit) {
        const items = visible.slice(0, limit);
        return { items: items.map(toNode), next_cursor: encodeCursor({ name: items[items.length - 1].name }) };
      }
      if (rows.length <= limit) return { items: visible.map(toNode), next_cursor: null };
      after = rows[rows.length - 1].name;
    }
  }

  /**
   * One page of the nodes below the folder at `path` whose name contains `query`
   * (case-insensitive: both are compared lower-cased in NFC, as `name_key` stores names), ordered
   * by path; nodes the actor cannot READ are left out (a readable node below an unreadable folder
   * is found, as `stat` would find it). Nothing at or below a path in `skipBelow` is returned (mount
   * points: what lies below them belongs to the remote). @throws VALIDATION_FAILED (field "path")
   * if the path is a file, (field "cursor") for a cursor of another kind.
   */
  async search(
    shareId: string,
    path: string,
    query: string,
    opts: { limit?: number; cursor?: string; skipBelow?: readonly string[] },
    actor: Actor,
  ): Promise<Page<Node>> {
    const { share, chain, node } = await this.locate(actor, shareId, path);
    if (node.type !== "folder")
      throw new AppError("VALIDATION_FAILED", `${node.path} is a file, not a folder`, { field: "path" });
    const needle = nameKey(query);
    const prefix = node.path === "/" ? "/" : `${node.path}/`;
    const skip = (opts.skipBelow ?? []).map((p) => `${p}/`);
    const limit = clampLimit(opts.limit);
    const acl = new SubtreeAcl(this.db, actor, share, chain);
    let after = decodeCursor(opts.cursor, ["path"])?.path;
    const visible: NodeRecord[] = [];
    for (;;) {
      const rows = await nodeStore.search(this.db, shareId, { prefix, needle, afterPath: after, limit: limit + 1 });
      const candidates = rows.filter((r) => !skip.some((s) => r.path.startsWith(s)));
      const readable = await acl.readable(candidates);
      for (const row of candidates) if (readable.has(row.id)) visible.push(row);
      if (visible.length > limit) {
        const items = visible.slice(0, limit);
        return { items: items.map(toNode), next_cursor: encodeCursor({ path: items[items.length - 1].path }) };
      }
      if (rows.length <= limit) return { items: visible.map(toNode), next_cursor: null };
      after = rows[rows.length - 1].path;
    }
  }

  /**
   * Where the actor's access to a share starts: the root when the actor can read it; otherwise the
   * readable nodes whose parent it cannot read — folders and files shared with it (or one of its
   * groups) further down, ordered by path. Their paths are all they reveal of the folders above.
   * Empty when nothing in the share is readable (the caller checks the share's visibility).
   */
  async entryPoints(shareId: string, actor: Actor): Promise<Node[]> {
    const root = await this.tryStat(shareId, "/", actor);
    if (root) return [root];
    const candidates = await nodeStore.withAceFor(this.db, shareId, [...actorPrincipals(actor)]);
    const entries: Node[] = [];
    for (const candidate of candidates) {
      const node = await this.tryStat(shareId, candidate.path, actor);
      if (node && !(await this.tryStat(shareId, parentPath(candidate.path), actor))) entries.push(node);
    }
    return entries;
  }

  /**
   * Every descendant of the folder at `path` (not the folder itself), parents before children,
   * breadth-first. Folders the actor cannot READ are skipped with their subtree, and so are nodes
   * for which `skip` answers true. The tree may
   * change while walking; each folder's children are read in pages, so memory stays bounded
   * by the number of pending folders.
   */
  async *walk(
    shareId: string,
    path: string,
    actor: Actor,
    opts: { skip?: (path: string) => boolean } = {},
  ): AsyncGenerator<Node> {
    const start = await this.locate(actor, shareId, path);
    if (start.node.type !== "folder") return;
    const queue: NodeRecord[][] = [start.chain];
    while (queue.length > 0) {
      const chain = queue.shift()!;
      const folder = chain[chain.length - 1];
      let after: string | undefined;
      for (;;) {
        const rows = await nodeStore.children(this.db, folder.id, after, 500);
        if (rows.length === 0) break;
        const perms = await this.acl.effectiveForChildren(actor, start.share, chain, rows);
        for (const row of rows) {
          if (!perms.get(row.id)?.has("READ") || opts.skip?.(row.path)) continue;
          yield toNode(row);
          if (row.type === "folder") queue.push([...chain, row]);
        }
        if (rows.length < 500) break;
        after = rows[rows.length - 1].name;
      }
    }
  }

  /** Siblings at `path`'s parent whose names differ from the last name only by case. */
  async findCaseTwins(shareId: string, path: string, actor: Actor): Promise<Node[]> {
    const parsed = parsePath(path);
    if (parsed.segments.length === 0) return [];
    const parent = await this.locate(actor, shareId, parentPath(parsed.path));
    const name = parsed.segments[parsed.segments.length - 1];
    const rows = (await nodeStore.childrenByKey(this.db, parent.node.id, nameKey(name))).filter((r) => r.name !== name);
    const perms = await this.acl.effectiveForChildren(actor, parent.share, parent.chain, rows);
    return rows.filter((r) => perms.get(r.id)?.has("READ")).map(toNode);
  }

  // ---- folders and tree changes -------------------------------------------------------------

  /**
   * Creates the folder and any missing parents (mkdir -p); an existing folder is returned as is.
   * Needs WRITE on the deepest existing ancestor. @throws CONFLICT if a file is in the way.
   */
  async mkdirp(
    shareId: string,
    path: string,
    opts: { actor: Actor; mtime?: Date; ownerId?: string },
  ): Promise<{ node: Node; created: boolean }> {
    const parsed = parsePath(path);
    return this.retryOnUnique(() =>
      inTransaction(this.db, async (trx) => {
        await nodeStore.lockPaths(trx, shareId, pathPrefixes(parsed.path, true), "shared");
        const r = await this.resolve(trx, shareId, parsed.path);
        const last = r.chain[r.chain.length - 1];
        const perms = await this.acl.effective(opts.actor, r.share, r.chain, trx);
        AclService.check(perms, "READ", last.path, r.parsed.path);
        if (last.type !== "folder") throw new AppError("CONFLICT", `${last.path} is a file`, { path: last.path });
        if (r.missing.length === 0) return { node: toNode(last), created: false };
        AclService.check(perms, "WRITE", last.path, r.parsed.path);
        const made = await this.createFolders(trx, r, opts.ownerId ?? actorUserId(opts.actor), opts.mtime);
        return { node: toNode(made.chain[made.chain.length - 1]), created: made.createdLast };
      }),
    );
  }

  /** Sets a node's modified_at (e.g. a folder's remote mtime). Needs WRITE. */
  async setModifiedAt(id: string, at: Date, actor: Actor): Promise<Node> {
    const { node } = await this.locateById(actor, id, "WRITE");
    await nodeStore.update(this.db, id, { modified_at: at.toISOString() });
    return toNode({ ...node, modified_at: at.toISOString() });
  }

  /** Needs MANAGE_PERMISSIONS. @throws VALIDATION_FAILED if the principal does not exist. */
  async setOwner(id: string, principalId: string, actor: Actor): Promise<Node> {
    const { node } = await this.locateById(actor, id, "MANAGE_PERMISSIONS");
    await this.requirePrincipals([principalId], "owner_id");
    await nodeStore.update(this.db, id, { owner_id: principalId });
    return toNode({ ...node, owner_id: principalId });
  }

  /**
   * Moves or renames; ids stay the same, descendants of a folder follow. Needs DELETE on the
   * source and WRITE on the destination's deepest existing ancestor (missing parents are created).
   * An existing destination is a CONFLICT unless `replace` is set and it is of the same type (an
   * empty folder, for folders); replacing needs DELETE on it. Moving onto itself is a no-op.
   * @throws VALIDATION_FAILED (field "to") when moving a folder into itself or moving the root.
   */
  async move(shareId: string, from: string, to: string, opts: { actor: Actor; replace?: boolean }): Promise<Node> {
    const src = parsePath(from);
    const dst = parsePath(to);
    if (src.segments.length === 0)
      throw new AppError("VALIDATION_FAILED", "the root folder cannot be moved", { field: "from" });
    if (dst.segments.length === 0)
      throw new AppError("VALIDATION_FAILED", "nothing can be moved onto the root folder", { field: "to" });
    return this.retryOnUnique(() =>
      inTransaction(this.db, async (trx) => {
        // Moves of a share go one at a time, so none can make another's folder its own
        // ancestor (a cycle); creators below the source or the destination finish first.
        await nodeStore.lockShareMoves(trx, shareId);
        await nodeStore.lockPaths(trx, shareId, [src.path, dst.path], "exclusive");
        const s = await this.resolve(trx, shareId, src.path);
        if (s.missing.length > 0) throw notFound(src.path);
        const node = s.chain[s.chain.length - 1];
        AclService.check(await this.acl.effective(opts.actor, s.share, s.chain, trx), "DELETE", src.path);
        if (dst.path === src.path) return toNode(node);
        if (dst.path.startsWith(`${src.path}/`))
          throw new AppError("VALIDATION_FAILED", "a folder cannot be moved into itself", { field: "to" });

        let d = await this.resolve(trx, shareId, dst.path);
        const dstPerms = await this.acl.effective(opts.actor, d.share, d.chain, trx);
        AclService.check(dstPerms, "READ", d.chain[d.chain.length - 1].path, dst.path);
        if (d.missing.length === 0) {
          const existing = d.chain[d.chain.length - 1];
          if (!opts.replace) throw new AppError("CONFLICT", `${dst.path} already exists`, { path: dst.path });
          AclService.check(dstPerms, "DELETE", dst.path);
          if (existing.type !== node.type)
            throw new AppError("CONFLICT", `${dst.path} exists and is a ${existing.type}`, { path: dst.path });
          if (existing.type === "folder" && (await nodeStore.countChildren(trx, existing.id)) > 0) {
            throw new AppError("CONFLICT", `${dst.path} is a folder that is not empty`, { path: dst.path });
          }
          await nodeStore.delete(trx, existing.id);
          this.opts.onContentRemoved?.();
          d = await this.resolve(trx, shareId, dst.path);
        }
        const deepest = d.chain[d.chain.length - 1];
        if (deepest.type !== "folder")
          throw new AppError("CONFLICT", `${deepest.path} is a file`, { path: deepest.path });
        AclService.check(await this.acl.effective(opts.actor, d.share, d.chain, trx), "WRITE", deepest.path, dst.path);
        const name = d.missing[d.missing.length - 1];
        const parentChain =
          d.missing.length > 1
            ? (await this.createFolders(trx, { ...d, missing: d.missing.slice(0, -1) }, actorUserId(opts.actor))).chain
            : d.chain;
        const parent = parentChain[parentChain.length - 1];
        await nodeStore.update(trx, node.id, { parent_id: parent.id, name, name_key: nameKey(name), path: dst.path });
        if (node.type === "folder") await nodeStore.rewriteDescendantPaths(trx, shareId, src.path, dst.path);
        return toNode({ ...node, parent_id: parent.id, name, name_key: nameKey(name), path: dst.path });
      }),
    );
  }

  /**
   * Deletes a file or a folder with everything in it; unreferenced blobs are collected later.
   * Needs DELETE on the node and on every descendant that breaks inheritance.
   * @throws VALIDATION_FAILED for the root folder.
   */
  async delete(shareId: string, path: string, actor: Actor): Promise<void> {
    const { share, node } = await this.locate(actor, shareId, path, "DELETE");
    if (node.parent_id === null)
      throw new AppError("VALIDATION_FAILED", "the root folder cannot be deleted; delete the share instead", {
        field: "path",
      });
    if (node.type === "folder" && !actor.isAdmin) {
      for (const d of await nodeStore.descendantsBreakingInheritance(this.db, shareId, node.path)) {
        const perms = await this.acl.effective(actor, share, await this.chainOf(this.db, d));
        if (!perms.has("DELETE"))
          throw new AppError("FORBIDDEN", `${node.path} contains items you may not delete`, { permission: "DELETE" });
      }
    }
    await nodeStore.delete(this.db, node.id);
    this.opts.onContentRemoved?.();
  }

  // ---- content -------------------------------------------------------------------------------

  /**
   * Stores a new version of the file at `path`, creating the file and its parent folders if
   * needed. The stream is stored completely (hashed) before anything becomes visible; if it fails
   * or is cut, nothing is committed. Identical content to the current version creates no version.
   * Permissions: WRITE on the file, or on the deepest existing ancestor for a new file.
   * @throws CONFLICT if a folder is at `path` or a file where a parent folder should be;
   *   PRECONDITION_FAILED if an ifMatch/ifNoneMatch condition fails; PAYLOAD_TOO_LARGE over the limit.
   */
  async writeFile(
    shareId: string,
    path: string,
    source: ContentSource,
    opts: WriteFileOptions,
  ): Promise<{ node: Node; created: boolean }> {
    return (await this.writeContent(shareId, path, opts, () => this.storeContent(source, opts.recycleChunk), false))!;
  }

  /**
   * {@link writeFile} outside remote mounts. When `path` may be at or below a mount point, returns
   * undefined before anything is checked, read from `source` or written: the caller writes to the
   * mount or calls writeFile. Whether it may comes with the path lookup, so an upload outside
   * mounts costs no query for them.
   */
  async writeFileUnlessMounted(
    shareId: string,
    path: string,
    source: ContentSource,
    opts: WriteFileOptions,
  ): Promise<{ node: Node; created: boolean } | undefined> {
    return this.writeContent(shareId, path, opts, () => this.storeContent(source, opts.recycleChunk), true);
  }

  /**
   * Like {@link writeFile} for content already in the blob store (a finished resumable upload,
   * adopted by the store): the same checks, then the version is committed. `blob` is released
   * either way.
   */
  async writeStoredBlob(
    shareId: string,
    path: string,
    blob: { sha256: string; size: number; release(): void },
    opts: WriteFileOptions,
  ): Promise<{ node: Node; created: boolean }> {
    let taken = false;
    try {
      const stored = async (): Promise<StoredContent> => {
        taken = true;
        return {
          sha256: blob.sha256,
          size: blob.size,
          inline: false,
          commitWith: async () => {},
          release: () => blob.release(),
        };
      };
      return (await this.writeContent(shareId, path, opts, stored, false))!;
    } finally {
      if (!taken) blob.release();
    }
  }

  /**
   * The checks {@link writeFile} makes before it reads any content (name rules, the share, WRITE
   * permission, a folder or file in the way, If-Match / If-None-Match), without writing anything:
   * for a resumable upload, which is refused at creation rather than after its bytes arrived.
   */
  async checkWrite(shareId: string, path: string, opts: WriteFileOptions): Promise<void> {
    const parsed = parsePath(path);
    if (parsed.segments.length === 0)
      throw new AppError("INVALID_NAME", "invalid path: the path must name a file, not the root", { path });
    await this.checkWritable(this.db, shareId, parsed.path, opts);
  }

  /** Undefined only with `unlessMounted`, for a path that may be under a mount (nothing done). */
  private async writeContent(
    shareId: string,
    path: string,
    opts: WriteFileOptions,
    store: () => Promise<StoredContent>,
    unlessMounted: boolean,
  ): Promise<{ node: Node; created: boolean } | undefined> {
    const parsed = parsePath(path);
    if (parsed.segments.length === 0)
      throw new AppError("INVALID_NAME", "invalid path: the path must name a file, not the root", { path });
    // Writers on their way make the ones ahead of them wait a little and share their commit.
    const arrived = this.oneStatementCreates() ? this.fileCreates.begin() : this.commits.begin();
    // System writes (the sync engine) into a folder written to before skip the pre-check's path
    // lookup: the one-statement creation verifies the folders anyway, and the transaction path
    // re-checks everything when it leaves the file out.
    const folderKey =
      !unlessMounted &&
      opts.actor.isSystem &&
      opts.ifMatchVersionId === undefined &&
      opts.ifMatchSha256 === undefined &&
      this.oneStatementCreates()
        ? `${shareId}\n${parentPath(parsed.path)}`
        : "";
    const known = folderKey ? this.knownFolders.get(folderKey) : undefined;
    let blob: StoredContent;
    let checked: Resolved;
    try {
      if (known) checked = { ...known, parsed, missing: parsed.segments.slice(-1) };
      else {
        const r = await this.resolve(this.db, shareId, parsed.path);
        if (unlessMounted && r.mayBeMounted) return undefined;
        checked = await this.checkResolvedWritable(r, opts, this.db);
      }
      blob = await store();
    } finally {
      arrived();
    }
    let committed = false;
    try {
      if (checked.missing.length > 1 && this.oneStatementCreates())
        checked = (await this.withParentFolders(checked, opts.ownerId ?? actorUserId(opts.actor))) ?? checked;
      const quick = await this.createInOneStatement(checked, blob, opts);
      if (quick) {
        if (folderKey && !known) this.rememberFolder(folderKey, checked);
        committed = true;
        return quick;
      }
      if (known) this.knownFolders.delete(folderKey);
      const result = await this.retryOnUnique(() =>
        this.commits.run(async (trx) => {
          await nodeStore.lockPaths(trx, shareId, pathPrefixes(parsed.path, false), "shared");
          const r = await this.checkWritable(trx, shareId, parsed.path, opts);
          const now = new Date().toISOString();
          const modified = opts.mtime ? opts.mtime.toISOString() : now;
          const author = opts.authorId !== undefined ? opts.authorId : actorUserId(opts.actor);
          if (r.missing.length === 0) {
            const file = r.chain[r.chain.length - 1];
            if (file.sha256 === blob.sha256) {
              if (opts.mtime && file.modified_at !== modified)
                await nodeStore.update(trx, file.id, { modified_at: modified });
              return {
                node: toNode({ ...file, modified_at: opts.mtime ? modified : file.modified_at }),
                created: false,
              };
            }
            const version: VersionRecord = {
              id: newId("ver"),
              file_id: file.id,
              size: blob.size,
              sha256: blob.sha256,
              author_id: author,
              created_at: now,
            };
            await blob.commitWith(trx);
            await versionStore.insert(trx, version);
            const patch = {
              size: blob.size,
              sha256: blob.sha256,
              current_version_id: version.id,
              modified_at: modified,
            };
            await nodeStore.update(trx, file.id, patch);
            return { node: toNode({ ...file, ...patch }), created: false };
          }
          const parentChain =
            r.missing.length > 1
              ? (
                  await this.createFolders(
                    trx,
                    { ...r, missing: r.missing.slice(0, -1) },
                    opts.ownerId ?? actorUserId(opts.actor),
                  )
                ).chain
              : r.chain;
          const parent = parentChain[parentChain.length - 1];
          const name = r.missing[r.missing.length - 1];
          const file: NodeRecord = {
            id: newId("fil"),
            share_id: shareId,
            parent_id: parent.id,
            name,
            name_key: nameKey(name),
            path: parsed.path,
            type: "file",
            size: blob.size,
            sha256: blob.sha256,
            current_version_id: newId("ver"),
            owner_id: opts.ownerId ?? actorUserId(opts.actor),
            created_at: now,
            modified_at: modified,
            acl_inherit: true,
            metadata: "{}",
          };
          await nodeStore.insert(trx, file);
          await blob.commitWith(trx);
          await versionStore.insert(trx, {
            id: file.current_version_id!,
            file_id: file.id,
            size: blob.size,
            sha256: blob.sha256,
            author_id: author,
            created_at: now,
          });
          return { node: toNode(file), created: true };
        }),
      );
      committed = true;
      return result;
    } finally {
      blob.release();
      if (!committed && !blob.inline) this.opts.onContentRemoved?.();
    }
  }

  /**
   * PostgreSQL's short way for the commonest write, a new file in an existing folder (every
   * file of an initial sync): one statement, shared with the other creations in flight, creates
   * the file, its version and its inline blob, checking that the folders the pre-check resolved
   * have not moved meanwhile (see FileCreateBatcher, nodeStore.insertFilesWithVersions).
   * Undefined when it does not apply or did not insert: the caller then takes the transaction
   * path, which re-checks everything and reports conflicts.
   */
  private async createInOneStatement(
    r: Resolved,
    blob: StoredContent,
    opts: WriteFileOptions,
  ): Promise<{ node: Node; created: boolean } | undefined> {
    if (!this.oneStatementCreates()) return undefined;
    if (r.missing.length !== 1 || opts.ifMatchVersionId !== undefined || opts.ifMatchSha256 !== undefined)
      return undefined;
    const parent = r.chain[r.chain.length - 1];
    const name = r.missing[0];
    const now = new Date().toISOString();
    const owner = opts.ownerId ?? actorUserId(opts.actor);
    const file: NodeRecord = {
      id: newId("fil"),
      share_id: r.share.id,
      parent_id: parent.id,
      name,
      name_key: nameKey(name),
      path: r.parsed.path,
      type: "file",
      size: blob.size,
      sha256: blob.sha256,
      current_version_id: newId("ver"),
      owner_id: owner,
      created_at: now,
      modified_at: opts.mtime ? opts.mtime.toISOString() : now,
      acl_inherit: true,
      metadata: "{}",
    };
    const version: VersionRecord = {
      id: file.current_version_id!,
      file_id: file.id,
      size: blob.size,
      sha256: blob.sha256,
      author_id: opts.authorId !== undefined ? opts.authorId : actorUserId(opts.actor),
      created_at: now,
    };
    const ancestors = r.chain.filter((n) => n.parent_id !== null).map((n) => ({ id: n.id, path: n.path }));
    // Not inserted (name taken concurrently, folders moved): the transaction path decides (a new
    // version, If-None-Match, the moved paths).
    const inserted = await this.fileCreates.create({ file, version, inlineData: blob.data, ancestors });
    return inserted ? { node: toNode(file), created: true } : undefined;
  }

  /**
   * `r` with its missing folders (all names but the file's) created, so that the file can be
   * created in one statement: uploads into one new folder at the same time share one transaction
   * for it, instead of each taking the transaction path. Undefined when that failed (a file in the
   * way, a concurrent change): the transaction path decides and reports.
   */
  private async withParentFolders(r: Resolved, ownerId: string | null): Promise<Resolved | undefined> {
    const folderPath = parentPath(r.parsed.path);
    const key = `${r.share.id}\n${folderPath}`;
    let pending = this.foldersInFlight.get(key);
    if (!pending) {
      pending = inTransaction(this.db, async (trx) => {
        await nodeStore.lockPaths(trx, r.share.id, pathPrefixes(folderPath, true), "shared");
        return (await this.createFolders(trx, { ...r, missing: r.missing.slice(0, -1) }, ownerId)).chain;
      }).finally(() => this.foldersInFlight.delete(key));
      this.foldersInFlight.set(key, pending);
    }
    try {
      return { ...r, chain: await pending, missing: r.missing.slice(-1) };
    } catch {
      return undefined;
    }
  }

  /** PostgreSQL outside a caller's transaction (see {@link createInOneStatement}). */
  private oneStatementCreates(): boolean {
    return !this.opts.groupCommit && !this.db.isTransaction && isPostgres(this.db);
  }

  /** Remembers the share and folder chain a system write created a file in (bounded, oldest out). */
  private rememberFolder(key: string, r: Resolved): void {
    if (this.knownFolders.size >= KNOWN_FOLDERS_MAX) {
      const oldest = this.knownFolders.keys().next().value;
      if (oldest !== undefined) this.knownFolders.delete(oldest);
    }
    this.knownFolders.set(key, { share: r.share, chain: r.chain });
  }

  /**
   * Stores content for a version about to be committed: up to INLINE_BLOB_MAX_BYTES in memory,
   * written to the database by `commitWith` inside the version's transaction (no file at all);
   * anything larger streamed into the blob store (pinned until `release`).
   */
  private async storeContent(source: ContentSource, recycleChunk?: (chunk: Buffer) => void): Promise<StoredContent> {
    const maxBytes = this.opts.maxUploadBytes;
    const taken = await takeSmall(source, INLINE_BLOB_MAX_BYTES);
    if ("rest" in taken) {
      const blob = await this.blobs.put(taken.rest, { maxBytes, recycleChunk });
      return {
        sha256: blob.sha256,
        size: blob.size,
        inline: false,
        commitWith: async () => {},
        release: () => blob.release(),
      };
    }
    const data = taken.whole;
    if (maxBytes !== undefined && data.length > maxBytes) {
      throw new AppError("PAYLOAD_TOO_LARGE", `content exceeds ${maxBytes} bytes`, { max_bytes: maxBytes });
    }
    const sha256 = createHash("sha256").update(data).digest("hex");
    return {
      sha256,
      size: data.length,
      inline: true,
      data,
      commitWith: (trx) => inlineBlobStore.put(trx, sha256, data),
      release: () => {},
    };
  }

  /**
   * Imports one historical version (system use, no ACL check): it becomes the current version
   * unless a newer one (by createdAt) exists. Identical content is still recorded as a version.
   * @throws NOT_FOUND for an unknown file; CONFLICT for a folder.
   */
  async addVersion(
    fileId: string,
    source: ContentSource,
    opts: { authorId?: string | null; createdAt?: Date },
  ): Promise<Version> {
    const file = await nodeStore.get(this.db, fileId);
    if (!file) throw new AppError("NOT_FOUND", `${fileId} not found`);
    if (file.type !== "file") throw new AppError("CONFLICT", `${fileId} is a folder`);
    const blob = await this.storeContent(source);
    try {
      const createdAt = (opts.createdAt ?? new Date()).toISOString();
      const version: VersionRecord = {
        id: newId("ver"),
        file_id: fileId,
        size: blob.size,
        sha256: blob.sha256,
        author_id: opts.authorId ?? null,
        created_at: createdAt,
      };
      await inTransaction(this.db, async (trx) => {
        const current = await nodeStore.get(trx, fileId);
        if (!current) throw new AppError("NOT_FOUND", `${fileId} not found`);
        await blob.commitWith(trx);
        await versionStore.insert(trx, version);
        const cur = current.current_version_id ? await versionStore.get(trx, current.current_version_id) : undefined;
        if (!cur || cur.created_at <= createdAt) {
          await nodeStore.update(trx, fileId, {
            size: blob.size,
            sha256: blob.sha256,
            current_version_id: version.id,
            modified_at: createdAt,
          });
        }
      });
      return toVersion(version);
    } finally {
      blob.release();
    }
  }

  /**
   * Bytes of a version (inclusive range), no ACL check. A blob file's stream lends its chunks
   * (`BlobReadStream.releaseChunk`). @throws NOT_FOUND for an unknown version.
   */
  async openContent(versionId: string, range?: { start: number; end: number }): Promise<Readable> {
    const v = await versionStore.get(this.db, versionId);
    if (!v) throw new AppError("NOT_FOUND", `version ${versionId} not found`);
    const content = await this.openBlobContent(v.sha256, range);
    return Buffer.isBuffer(content) ? inlineContentStream(content) : new BlobReadStream(content);
  }

  /** Like {@link openBlobContent}, as a stream (whose blob file chunks are lent, see BlobReadStream). */
  async openBlobStream(sha256: string): Promise<Readable> {
    const content = await this.openBlobContent(sha256);
    return Buffer.isBuffer(content) ? inlineContentStream(content) : new BlobReadStream(content);
  }

  /**
   * Bytes of stored content by SHA-256, no ACL check: content stored inline comes back as the
   * (range of the) Buffer itself (an HTTP response sends it with the headers in one write), a
   * blob file as a reader into reusable buffers. @throws NOT_FOUND, RANGE_NOT_SATISFIABLE.
   */
  async openBlobContent(sha256: string, range?: { start: number; end: number }): Promise<Buffer | BlobReader> {
    const inline = await inlineBlobStore.get(this.db, sha256);
    return inline ? inlineContentRange(inline, range) : this.blobs.openReader(sha256, range);
  }

  /** A version of a file the actor can READ (the current one when versionId is omitted). */
  async getVersion(
    fileId: string,
    versionId: string | undefined,
    actor: Actor,
  ): Promise<{ node: Node; version: Version }> {
    const { node } = await this.locateById(actor, fileId);
    return { node: toNode(node), version: await this.versionOf(node, versionId) };
  }

  /** The current version of the file at `path`. @throws VALIDATION_FAILED (field "path") for a folder. */
  async currentVersion(shareId: string, path: string, actor: Actor): Promise<{ node: Node; version: Version }> {
    const { node } = await this.locate(actor, shareId, path);
    return { node: toNode(node), version: await this.versionOf(node, undefined) };
  }

  /**
   * {@link currentVersion} outside remote mounts; undefined, before any check, when `path` may be
   * at or below a mount point (see writeFileUnlessMounted).
   */
  async currentVersionUnlessMounted(
    shareId: string,
    path: string,
    actor: Actor,
  ): Promise<{ node: Node; version: Version } | undefined> {
    const r = await this.resolve(this.db, shareId, path);
    if (r.mayBeMounted) return undefined;
    const { node } = await this.locateResolved(actor, r, "READ");
    return { node: toNode(node), version: await this.versionOf(node, undefined) };
  }

  /** Versions newest first. */
  async listVersions(fileId: string, opts: { limit?: number; cursor?: string }, actor: Actor): Promise<Page<Version>> {
    const { node } = await this.locateById(actor, fileId);
    if (node.type !== "file")
      throw new AppError("VALIDATION_FAILED", `${node.path} is a folder and has no versions`, { field: "file_id" });
    const limit = clampLimit(opts.limit);
    const after = decodeCursor(opts.cursor, ["created_at", "id"]) as { created_at: string; id: string } | undefined;
    const rows = await versionStore.listForFile(this.db, fileId, after, limit + 1);
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    return {
      items: items.map(toVersion),
      next_cursor: rows.length > limit ? encodeCursor({ created_at: last.created_at, id: last.id }) : null,
    };
  }

  /**
   * Makes an old version current again by adding a new version with its content (history is
   * never rewritten). Restoring content equal to the current version adds nothing. Needs WRITE.
   */
  async restoreVersion(fileId: string, versionId: string, actor: Actor): Promise<Node> {
    const { node } = await this.locateById(actor, fileId, "WRITE");
    const old = await this.versionOf(node, versionId);
    if (old.sha256 === node.sha256) return toNode(node);
    const now = new Date().toISOString();
    const version: VersionRecord = {
      id: newId("ver"),
      file_id: fileId,
      size: old.size,
      sha256: old.sha256,
      author_id: actorUserId(actor),
      created_at: now,
    };
    const patch = { size: old.size, sha256: old.sha256, current_version_id: version.id, modified_at: now };
    await inTransaction(this.db, async (trx) => {
      await versionStore.insert(trx, version);
      await nodeStore.update(trx, fileId, patch);
    });
    return toNode({ ...node, ...patch });
  }

  // ---- metadata ------------------------------------------------------------------------------

  async getMetadata(fileId: string, actor: Actor): Promise<Record<string, unknown>> {
    const { node } = await this.locateById(actor, fileId);
    return JSON.parse(node.metadata) as Record<string, unknown>;
  }

  /**
   * Merges `patch` into the metadata dict: a null value removes the key. Needs WRITE. Concurrent
   * patches never lose each other's keys (serializable read-modify-write, retried).
   * @throws VALIDATION_FAILED if the result exceeds 64 KiB of JSON.
   */
  async patchMetadata(fileId: string, patch: Record<string, unknown>, actor: Actor): Promise<Record<string, unknown>> {
    return this.retryOnUnique(() =>
      inTransaction(
        this.db,
        async (trx) => {
          const { node } = await this.locateById(actor, fileId, "WRITE", trx);
          const merged = JSON.parse(node.metadata) as Record<string, unknown>;
          for (const [k, v] of Object.entries(patch)) {
            if (v === null) delete merged[k];
            else merged[k] = v;
          }
          const text = JSON.stringify(merged);
          if (Buffer.byteLength(text) > 65536)
            throw new AppError("VALIDATION_FAILED", "metadata must be at most 64 KiB of JSON", { field: "body" });
          await nodeStore.update(trx, fileId, { metadata: text });
          return merged;
        },
        SERIALIZABLE,
      ),
    );
  }

  // ---- ACLs ----------------------------------------------------------------------------------

  async getAcl(shareId: string, path: string, actor: Actor): Promise<AclView> {
    const { chain, node } = await this.locate(actor, shareId, path);
    return this.aclView(chain, node);
  }

  /**
   * Replaces the node's own ACEs and its inheritance flag. Needs MANAGE_PERMISSIONS. ACEs naming
   * the same principal twice are merged. @throws VALIDATION_FAILED (field "aces") for an unknown
   * principal or permission.
   */
  async setAcl(
    shareId: string,
    path: string,
    input: { aces: AclEntry[]; inherit: boolean },
    actor: Actor,
  ): Promise<AclView> {
    const { chain, node } = await this.locate(actor, shareId, path, "MANAGE_PERMISSIONS");
    const merged = new Map<string, Set<Permission>>();
    for (const [i, a] of input.aces.entries()) {
      for (const p of a.permissions) {
        if (!isPermission(p))
          throw new AppError("VALIDATION_FAILED", `unknown permission ${String(p)}`, {
            field: `aces/${i}/permissions`,
          });
      }
      merged.set(a.principal_id, new Set([...(merged.get(a.principal_id) ?? []), ...a.permissions]));
    }
    await this.requirePrincipals([...merged.keys()], "aces");
    await inTransaction(this.db, async (trx) => {
      await aclStore.replace(
        trx,
        node.id,
        [...merged]
          .filter(([, p]) => p.size > 0)
          .map(([principal_id, p]) => ({ principal_id, permissions: encodePermissions(p) })),
      );
      await nodeStore.update(trx, node.id, { acl_inherit: input.inherit });
    });
    const updated = { ...node, acl_inherit: input.inherit };
    return this.aclView([...chain.slice(0, -1), updated], updated);
  }

  // ---- internals -----------------------------------------------------------------------------

  private async aclView(chain: NodeRecord[], node: NodeRecord): Promise<AclView> {
    const aces = await aclStore.forNodes(
      this.db,
      chain.map((n) => n.id),
    );
    const entries = (id: string): AclEntry[] =>
      aces
        .filter((a) => a.node_id === id)
        .map((a) => ({ principal_id: a.principal_id, permissions: decodePermissions(a.permissions) }));
    const inherited: AclView["inherited_aces"] = [];
    if (node.acl_inherit) {
      for (let i = chain.length - 2; i >= 0; i--) {
        for (const e of entries(chain[i].id)) inherited.push({ ...e, from_path: chain[i].path });
        if (!chain[i].acl_inherit) break;
      }
    }
    return {
      share_id: node.share_id,
      path: node.path,
      node_id: node.id,
      inherit: node.acl_inherit,
      aces: entries(node.id),
      inherited_aces: inherited,
    };
  }

  private async versionOf(node: NodeRecord, versionId: string | undefined): Promise<Version> {
    if (node.type !== "file")
      throw new AppError("VALIDATION_FAILED", `${node.path} is a folder and has no content`, { field: "path" });
    const id = versionId ?? node.current_version_id;
    const v = id ? await versionStore.get(this.db, id) : undefined;
    if (!v || v.file_id !== node.id) throw new AppError("NOT_FOUND", `version ${id ?? ""} not found`);
    return toVersion(v);
  }

  /** Pre-checks (and re-checks inside the commit) for writeFile. */
  private async checkWritable(
    db: DbExecutor,
    shareId: string,
    path: string,
    opts: WriteFileOptions,
  ): Promise<Resolved> {
    return this.checkResolvedWritable(await this.resolve(db, shareId, path), opts, db);
  }

  private async checkResolvedWritable(r: Resolved, opts: WriteFileOptions, db: DbExecutor): Promise<Resolved> {
    const path = r.parsed.path;
    const last = r.chain[r.chain.length - 1];
    const perms = await this.acl.effective(opts.actor, r.share, r.chain, db);
    if (r.missing.length === 0) {
      if (last.type === "folder") {
        AclService.check(perms, "READ", path);
        throw new AppError("CONFLICT", `${path} is a folder`, { path });
      }
      AclService.check(perms, "WRITE", path);
      if (opts.ifNoneMatch) throw new AppError("PRECONDITION_FAILED", `${path} already exists`, { path });
      if (last.sha256 !== null && opts.ifNoneMatchSha256?.includes(last.sha256)) {
        throw new AppError("PRECONDITION_FAILED", `${path} already has this content (If-None-Match)`, {
          path,
          sha256: last.sha256,
        });
      }
      if (opts.ifMatchVersionId !== undefined && last.current_version_id !== opts.ifMatchVersionId) {
        throw new AppError("PRECONDITION_FAILED", `${path} is not at version ${opts.ifMatchVersionId}`, {
          current_version_id: last.current_version_id,
        });
      }
      if (opts.ifMatchSha256 !== undefined && last.sha256 !== opts.ifMatchSha256) {
        throw new AppError("PRECONDITION_FAILED", `${path} has changed`, { sha256: last.sha256 });
      }
    } else {
      AclService.check(perms, "READ", last.path, path);
      if (last.type !== "folder") throw new AppError("CONFLICT", `${last.path} is a file`, { path: last.path });
      AclService.check(perms, "WRITE", last.path, path);
      if (opts.ifMatchVersionId !== undefined || opts.ifMatchSha256 !== undefined) {
        throw new AppError("PRECONDITION_FAILED", `${path} does not exist`, { path });
      }
    }
    return r;
  }

  /**
   * Creates r.missing under the end of r.chain; returns the extended chain and whether the last
   * folder was created here. A folder another writer created meanwhile is taken as it is (on
   * PostgreSQL concurrent writers of one run create the same parents), a file in the way is a
   * CONFLICT.
   */
  private async createFolders(
    db: DbExecutor,
    r: Resolved,
    ownerId: string | null,
    mtime?: Date,
  ): Promise<{ chain: NodeRecord[]; createdLast: boolean }> {
    const chain = [...r.chain];
    const now = new Date().toISOString();
    let createdLast = false;
    for (const name of r.missing) {
      const parent = chain[chain.length - 1];
      const folder: NodeRecord = {
        id: newId("fil"),
        share_id: r.share.id,
        parent_id: parent.id,
        name,
        name_key: nameKey(name),
        path: joinPath(parent.path, name),
        type: "folder",
        size: 0,
        sha256: null,
        current_version_id: null,
        owner_id: ownerId,
        created_at: now,
        modified_at: mtime?.toISOString() ?? now,
        acl_inherit: true,
        metadata: "{}",
      };
      createdLast = await nodeStore.insertIfAbsent(db, folder);
      if (createdLast) {
        chain.push(folder);
        continue;
      }
      const existing = await nodeStore.child(db, parent.id, name);
      // Gone again already (created and deleted meanwhile): the caller's retry resolves afresh.
      if (!existing) throw new AppError("CONFLICT", "the destination changed concurrently; try again");
      if (existing.type !== "folder")
        throw new AppError("CONFLICT", `${existing.path} is a file`, { path: existing.path });
      chain.push(existing);
    }
    return { chain, createdLast };
  }

  /** @throws NOT_FOUND for an unknown share; INVALID_NAME for a bad path. */
  private async resolve(db: DbExecutor, shareId: string, path: string): Promise<Resolved> {
    const parsed = parsePath(path);
    const found = await nodeStore.shareChain(db, shareId, parsed.segments.slice(0, CHAIN_JOIN_DEPTH));
    if (!found || found.chain.length === 0) throw new AppError("NOT_FOUND", `share ${shareId} not found`);
    const { share, chain, mountOnChain } = found;
    let i = chain.length - 1;
    // Beyond the joined depth (or never, when the chain stopped early) walk one segment per query.
    if (i < CHAIN_JOIN_DEPTH)
      return { share, parsed, chain, missing: parsed.segments.slice(i), mayBeMounted: mountOnChain };
    for (; i < parsed.segments.length; i++) {
      const parent = chain[chain.length - 1];
      if (parent.type !== "folder") break;
      const child = await nodeStore.child(db, parent.id, parsed.segments[i]);
      if (!child) break;
      chain.push(child);
    }
    // The folders walked one by one are not checked for mounts: any mount in the share may be among them.
    return { share, parsed, chain, missing: parsed.segments.slice(i), mayBeMounted: mountOnChain || found.hasMounts };
  }

  private async chainOf(db: DbExecutor, node: NodeRecord): Promise<NodeRecord[]> {
    const chain = [node];
    let cur = node;
    while (cur.parent_id) {
      const parent = await nodeStore.get(db, cur.parent_id);
      if (!parent) break;
      chain.unshift(parent);
      cur = parent;
    }
    return chain;
  }

  private async requirePrincipals(ids: string[], field: string): Promise<void> {
    for (const id of ids) {
      if (!(await principalStore.principalExists(this.db, id)))
        throw new AppError("VALIDATION_FAILED", `unknown principal ${id}`, { field });
    }
  }

  /**
   * Concurrent creators of the same name race on the unique index, and on PostgreSQL concurrent
   * tree changes may fail serialization; the loser retries (seeing the winner's rows) a few times.
   */
  private async retryOnUnique<T>(fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (!isUniqueViolation(err) && !isRetryableConflict(err)) throw err;
        if (attempt >= RETRIES)
          throw new AppError("CONFLICT", "the destination changed concurrently; try again", undefined, { cause: err });
        this.logger.debug({ attempt, code: (err as { code?: string }).code }, "concurrent change, retrying");
        // Exponential backoff with full jitter: many writers creating the same new folders on
        // PostgreSQL keep conflicting while the machine is busy unless they spread out.
        await new Promise((r) => setTimeout(r, Math.random() * Math.min(250, 5 * 2 ** attempt)));
      }
    }
  }
}
