/**
 * Remote mounts: a share folder that is a live window on a connector's remote folder. Every
 * operation at or under the mount point goes to the remote at once; nothing is copied into the
 * blob store. The node facade (`core/node-facade.ts`), which every file route goes through, asks
 * this service first (each `divert*` method answers `undefined` when the path is not under a mount,
 * and the facade carries on with NodeService).
 *
 * Rules:
 * - ACLs: the effective ScaiDrive permissions of the mount point apply to everything under it
 *   (READ to list/stat/download, WRITE to upload/mkdir/move, DELETE to delete). What the remote
 *   itself refuses maps through {@link mountError}.
 * - The mount point itself stays a ScaiDrive folder: `stat` of it is the local node, listing it
 *   lists the remote folder. Deleting it is refused (409) while mounted; moving it moves the mount.
 * - Moves between a mount and anything else (a normal folder or another mount) are refused with
 *   400 VALIDATION_FAILED: download and upload instead. Within one mount they are remote renames.
 * - Deleting a remote folder deletes its content first (ScaiDrive deletes are recursive).
 * - Listing uses `Remote.walk` and stops at the first entry below the folder's children: both
 *   adapters walk breadth-first, so the children all come first.
 * - Uploads need the exact size up front (`Remote.write` contract): the HTTP layer passes
 *   Content-Length; a body without one is refused with 400. If-Match takes a mount download's
 *   ETag and is enforced again on the remote through the entry's fingerprint.
 */
import type { Readable } from "node:stream";
import type { Kysely } from "kysely";
import type { Logger } from "pino";
import { AppError } from "../errors.js";
import { notFound } from "../acl-service.js";
import { newUlid } from "../ids.js";
import { SYSTEM_ACTOR, actorUserId, type Actor } from "../actor.js";
import type { Permission } from "../permissions.js";
import { parsePath } from "../name-rules.js";
import { clampLimit, decodeCursor, encodeCursor, type Page } from "../pagination.js";
import type { NodeService } from "../node-service.js";
import type { Node } from "../node-types.js";
import type { Database } from "../../store/db/schema.js";
import { mountStore, type MountWithPath } from "../../store/core/mount-store.js";
import { isUniqueViolation } from "../../store/core/db-executor.js";
import {
  joinPath,
  normalizeRelPath,
  parentPath,
  type ByteRange,
  type Remote,
  type RemoteEntry,
} from "../../sync/remote.js";
import { dropsConnection, mountError } from "./mount-errors.js";
import { mountEtag, mountNode } from "./mount-node.js";
import type { MountRemotes } from "./mount-remotes.js";

/** A mount as the API shows it. */
export interface MountView {
  id: string;
  share_id: string;
  path: string;
  node_id: string;
  connector_id: string;
  remote_path: string;
  created_by: string;
  created_at: string;
}

/** A share path at or under a mount point. `rel` is relative to the mount point ("" = the point itself). */
export interface MountHit {
  mount: MountWithPath;
  /** Canonical share path ("/m/a"). */
  path: string;
  rel: string;
}

export interface MountDownload {
  node: Node;
  etag: string;
  size: number;
  /** Opens the bytes (a range when asked); call only after deciding the answer needs a body. */
  open(range?: ByteRange): Promise<Readable>;
}

export interface MountServiceOptions {
  db: Kysely<Database>;
  nodes: NodeService;
  remotes: MountRemotes;
  /**
   * Whether the actor may put this connector's remote behind a mount: the connector exists and the
   * actor could manage it (admin, or MANAGE_PERMISSIONS on its target share). A mount hands the
   * remote to everyone who can read the mount point, so holding a share alone is not enough.
   */
  mayUseConnector(actor: Actor, connectorId: string): Promise<boolean>;
  logger: Logger;
}

const view = (m: MountWithPath): MountView => ({
  id: m.id,
  share_id: m.share_id,
  path: m.path,
  node_id: m.node_id,
  connector_id: m.connector_id,
  remote_path: m.remote_path,
  created_by: m.created_by,
  created_at: m.created_at,
});

export class MountService {
  constructor(private readonly o: MountServiceOptions) {}

  // ---- mount resources -------------------------------------------------------------------------

  /**
   * Mounts `remote_path` of the connector on the folder at `path` (created if missing; an existing
   * folder must be empty). Checks that the remote folder exists (so a wrong path or a dead remote
   * is reported now). @throws FORBIDDEN without MANAGE_PERMISSIONS on the share (checked at its
   * root), NOT_FOUND (share; a connector unknown or not manageable by the actor; remote folder),
   * CONFLICT (not empty, a file, inside another mount, already mounted),
   * CONNECTOR_UNREACHABLE / CONNECTOR_AUTH_FAILED.
   */
  async create(
    actor: Actor,
    input: { share_id: string; path: string; connector_id: string; remote_path?: string },
  ): Promise<MountView> {
    const { path } = parsePath(input.path);
    let remotePath: string;
    try {
      remotePath = normalizeRelPath(input.remote_path ?? "");
    } catch {
      throw new AppError("VALIDATION_FAILED", "remote_path must not contain '..'", { field: "remote_path" });
    }
    await this.o.nodes.locate(actor, input.share_id, "/", "MANAGE_PERMISSIONS");
    if (path === "/")
      throw new AppError("VALIDATION_FAILED", "the share root cannot be a mount point; mount on a folder", {
        field: "path",
      });
    if (await this.resolve(input.share_id, path, true))
      throw new AppError("CONFLICT", `${path} is inside another mount or contains one`, { field: "path" });
    if (!(await this.o.mayUseConnector(actor, input.connector_id)))
      throw new AppError("NOT_FOUND", `connector ${input.connector_id} not found`, { field: "connector_id" });
    const existing = await this.o.nodes.tryStat(input.share_id, path, SYSTEM_ACTOR);
    if (existing) {
      if (existing.type !== "folder")
        throw new AppError("CONFLICT", `${path} is a file; a mount point must be a folder`, { field: "path" });
      const page = await this.o.nodes.list(input.share_id, path, { limit: 1 }, SYSTEM_ACTOR);
      if (page.items.length > 0)
        throw new AppError("CONFLICT", `${path} is not empty; a mount point must be an empty folder`, {
          field: "path",
        });
    }
    const remote = await this.o.remotes.get(input.connector_id);
    let root: RemoteEntry;
    try {
      root = await remote.stat(remotePath);
    } catch (err) {
      throw this.fail(input.connector_id, err, remotePath === "" ? "/" : remotePath);
    }
    if (root.kind !== "folder")
      throw new AppError("VALIDATION_FAILED", `remote_path ${remotePath} is a file, not a folder`, {
        field: "remote_path",
      });
    const { node } = await this.o.nodes.mkdirp(input.share_id, path, {
      actor: SYSTEM_ACTOR,
      ownerId: actorUserId(actor) ?? undefined,
    });
    const id = `mnt_${newUlid()}`;
    try {
      await mountStore.insert(this.o.db, {
        id,
        share_id: input.share_id,
        node_id: node.id,
        connector_id: input.connector_id,
        remote_path: remotePath,
        created_by: actor.userId,
        created_at: new Date().toISOString(),
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new AppError("CONFLICT", `${path} is already a mount point`, { field: "path" });
      throw err;
    }
    this.o.logger.info({ mountId: id, shareId: input.share_id, connectorId: input.connector_id }, "mount created");
    return view((await mountStore.get(this.o.db, id))!);
  }

  /** @throws NOT_FOUND for an unknown mount or one on a share the actor cannot read at its point. */
  async get(actor: Actor, id: string): Promise<MountView> {
    const m = await mountStore.get(this.o.db, id);
    if (!m) throw new AppError("NOT_FOUND", `mount ${id} not found`);
    await this.o.nodes.locate(actor, m.share_id, m.path, "READ");
    return view(m);
  }

  /** Mounts whose point the actor can read, ordered by id. */
  async list(
    actor: Actor,
    opts: { limit?: number; cursor?: string },
  ): Promise<{ items: MountView[]; next_cursor: string | null }> {
    const limit = clampLimit(opts.limit);
    let after = decodeCursor(opts.cursor, ["id"])?.id;
    const items: MountView[] = [];
    for (;;) {
      const rows = await mountStore.list(this.o.db, after, limit + 1);
      for (const m of rows) {
        const visible = await this.o.nodes.locate(actor, m.share_id, m.path, "READ").then(
          () => true,
          () => false,
        );
        if (visible) items.push(view(m));
        if (items.length > limit) {
          const page = items.slice(0, limit);
          return { items: page, next_cursor: encodeCursor({ id: page[page.length - 1]!.id }) };
        }
      }
      if (rows.length <= limit) return { items, next_cursor: null };
      after = rows[rows.length - 1]!.id;
    }
  }

  /** Unmounts: the ScaiDrive folder stays (empty), the remote is untouched. Needs MANAGE_PERMISSIONS. */
  async remove(actor: Actor, id: string): Promise<void> {
    const m = await mountStore.get(this.o.db, id);
    if (!m) throw new AppError("NOT_FOUND", `mount ${id} not found`);
    await this.o.nodes.locate(actor, m.share_id, m.path, "MANAGE_PERMISSIONS");
    await mountStore.delete(this.o.db, id);
    if (!(await this.connectorInUse(m.connector_id))) await this.o.remotes.invalidate(m.connector_id);
  }

  // ---- path resolution -------------------------------------------------------------------------

  /**
   * The mount `path` is at or under, or undefined. With `either`, a mount below `path` counts too
   * (used to refuse nested mounts). @throws INVALID_NAME for a bad path.
   */
  async resolve(shareId: string, rawPath: string, either = false): Promise<MountHit | undefined> {
    const { path } = parsePath(rawPath);
    const mounts = await mountStore.forShare(this.o.db, shareId);
    for (const mount of mounts) {
      if (path === mount.path) return { mount, path, rel: "" };
      if (path.startsWith(`${mount.path}/`)) return { mount, path, rel: path.slice(mount.path.length + 1) };
      if (either && (path === "/" || mount.path.startsWith(`${path}/`))) return { mount, path, rel: "" };
    }
    return undefined;
  }

  // ---- diversions (undefined: not under a mount, the caller goes on with NodeService) -----------

  async divertList(
    shareId: string,
    rawPath: string,
    opts: { limit?: number; cursor?: string },
    actor: Actor,
  ): Promise<Page<Node> | undefined> {
    const hit = await this.resolve(shareId, rawPath);
    if (!hit) return undefined;
    await this.check(actor, hit, "READ");
    const limit = clampLimit(opts.limit);
    const after = decodeCursor(opts.cursor, ["name"])?.name;
    const folder = this.remotePath(hit);
    const children = await this.call(hit, async (remote) => {
      const top = await remote.stat(folder);
      if (top.kind !== "folder")
        throw new AppError("VALIDATION_FAILED", `${hit.path} is a file, not a folder`, { field: "path" });
      const out: RemoteEntry[] = [];
      const depth = folder === "" ? 1 : folder.split("/").length + 1;
      for await (const e of remote.walk(folder)) {
        const d = e.path.split("/").length;
        if (d > depth) break;
        if (d === depth && !e.reparsePoint) out.push(e);
      }
      return out;
    });
    const nameOf = (e: RemoteEntry) => e.path.slice(e.path.lastIndexOf("/") + 1);
    const sorted = children
      .sort((a, b) => (nameOf(a) < nameOf(b) ? -1 : nameOf(a) > nameOf(b) ? 1 : 0))
      .filter((e) => after === undefined || nameOf(e) > after);
    const page = sorted.slice(0, limit).map((e) => this.node(hit, e, joinShare(hit.path, nameOf(e))));
    return {
      items: page,
      next_cursor: sorted.length > limit ? encodeCursor({ name: page[page.length - 1]!.name }) : null,
    };
  }

  /** The mount point itself is answered by NodeService (it is a ScaiDrive folder). */
  async divertStat(shareId: string, rawPath: string, actor: Actor): Promise<Node | undefined> {
    const hit = await this.resolve(shareId, rawPath);
    if (!hit || hit.rel === "") return undefined;
    await this.check(actor, hit, "READ");
    const entry = await this.call(hit, (remote) => remote.stat(this.remotePath(hit)));
    return this.node(hit, entry, hit.path);
  }

  /** mkdir -p on the remote; `created` is false when the folder existed. */
  async divertMkdir(
    shareId: string,
    rawPath: string,
    actor: Actor,
  ): Promise<{ node: Node; created: boolean } | undefined> {
    const hit = await this.resolve(shareId, rawPath);
    if (!hit || hit.rel === "") return undefined;
    await this.check(actor, hit, "WRITE");
    const target = this.remotePath(hit);
    return this.call(hit, async (remote) => {
      const before = await this.statOrUndefined(remote, target, hit.path);
      if (before && before.kind === "file") throw new AppError("CONFLICT", `${hit.path} is a file`, { path: hit.path });
      const entry = before ?? (await remote.mkdir(target));
      return { node: this.node(hit, entry, hit.path), created: !before };
    });
  }

  /**
   * Uploads `size` bytes to the remote (atomic on the remote side: the adapter writes a temporary
   * name and renames). `created` tells a new file from a replaced one.
   */
  async divertUpload(
    shareId: string,
    rawPath: string,
    source: Readable,
    opts: {
      size: number | undefined;
      mtime?: Date;
      ifNoneMatch?: boolean;
      /** An If-Match header other than `*`: the ETag of a download from this mount. */ ifMatch?: string;
      /** An If-None-Match list of entity-tags: refuse (412) when the current file's ETag is among them. */
      ifNoneMatchEtags?: string;
      actor: Actor;
    },
  ): Promise<{ node: Node; created: boolean } | undefined> {
    const hit = await this.resolve(shareId, rawPath);
    if (!hit) return undefined;
    if (hit.rel === "") throw new AppError("CONFLICT", `${hit.path} is a folder (a mount point)`, { path: hit.path });
    await this.check(opts.actor, hit, "WRITE");
    if (opts.size === undefined || !Number.isSafeInteger(opts.size) || opts.size < 0) {
      throw new AppError("VALIDATION_FAILED", "uploads into a remote mount need a Content-Length header", {
        field: "content-length",
      });
    }
    const size = opts.size;
    const target = this.remotePath(hit);
    return this.call(hit, async (remote) => {
      const before = await this.statOrUndefined(remote, target, hit.path);
      if (before?.kind === "folder") throw new AppError("CONFLICT", `${hit.path} is a folder`, { path: hit.path });
      if (before && opts.ifNoneMatch)
        throw new AppError("PRECONDITION_FAILED", `${hit.path} exists (If-None-Match: *)`, { path: hit.path });
      if (before && opts.ifNoneMatchEtags !== undefined && etagListMatches(opts.ifNoneMatchEtags, mountEtag(before))) {
        throw new AppError("PRECONDITION_FAILED", `${hit.path} already has this content (If-None-Match)`, {
          path: hit.path,
        });
      }
      if (opts.ifMatch !== undefined && (!before || !etagListMatches(opts.ifMatch, mountEtag(before)))) {
        throw new AppError("PRECONDITION_FAILED", `${hit.path} changed (If-Match)`, { path: hit.path });
      }
      const parent = parentPath(target);
      if (parent !== "" && parent !== this.mountRoot(hit)) await remote.mkdir(parent);
      const entry = await remote.write(target, source, {
        size,
        mtimeMs: (opts.mtime ?? new Date()).getTime(),
        ifMatchFingerprint: opts.ifNoneMatch ? null : opts.ifMatch !== undefined ? before?.fingerprint : undefined,
      });
      return { node: this.node(hit, entry, hit.path), created: !before };
    });
  }

  /** A download handle for the file; the caller decides on 304/206/200 from `etag` and `size`. */
  async divertDownload(shareId: string, rawPath: string, actor: Actor): Promise<MountDownload | undefined> {
    const hit = await this.resolve(shareId, rawPath);
    if (!hit) return undefined;
    if (hit.rel === "") throw new AppError("VALIDATION_FAILED", `${hit.path} is a folder`, { field: "path" });
    await this.check(actor, hit, "READ");
    const target = this.remotePath(hit);
    const entry = await this.call(hit, (remote) => remote.stat(target));
    if (entry.kind !== "file") throw new AppError("VALIDATION_FAILED", `${hit.path} is a folder`, { field: "path" });
    return {
      node: this.node(hit, entry, hit.path),
      etag: mountEtag(entry),
      size: entry.size,
      open: (range) => this.call(hit, (remote) => remote.read(target, range)),
    };
  }

  /**
   * Deletes a remote file or folder (recursively). The mount point itself: 409 (unmount first).
   * @returns false when the path is not under a mount.
   */
  async divertDelete(shareId: string, rawPath: string, actor: Actor): Promise<boolean> {
    const hit = await this.resolve(shareId, rawPath);
    if (!hit) {
      return false;
    }
    if (hit.rel === "")
      throw new AppError(
        "CONFLICT",
        `${hit.path} is a mount point; delete the mount (DELETE /api/v1/mounts/${hit.mount.id}) first`,
        { mount_id: hit.mount.id },
      );
    await this.check(actor, hit, "DELETE");
    const target = this.remotePath(hit);
    await this.call(hit, async (remote) => {
      const entry = await remote.stat(target);
      if (entry.kind === "folder") {
        const inside: RemoteEntry[] = [];
        for await (const e of remote.walk(target)) inside.push(e);
        // Deepest first, so every folder is empty when its turn comes.
        inside.sort((a, b) => b.path.split("/").length - a.path.split("/").length);
        for (const e of inside) await remote.delete(e.path);
      }
      await remote.delete(target);
    });
    return true;
  }

  /**
   * A rename/move inside one mount. Undefined when neither side is under a mount (or only the
   * mount point itself moves to a normal place: that moves the mount with its folder).
   * @throws VALIDATION_FAILED for a move across a mount boundary; ALREADY_EXISTS if `to` is taken.
   */
  async divertMove(shareId: string, rawFrom: string, rawTo: string, actor: Actor): Promise<Node | undefined> {
    const from = await this.resolve(shareId, rawFrom);
    const to = await this.resolve(shareId, rawTo);
    if (!from && !to) return undefined;
    if (from && from.rel === "" && !to) return undefined;
    if (!from || !to || from.mount.id !== to.mount.id || to.rel === "" || from.rel === "") {
      throw new AppError(
        "VALIDATION_FAILED",
        "moves across a remote mount's boundary are not supported: " +
          "download and upload instead (moves inside one mount work)",
        { field: "to", reason: "mount_boundary" },
      );
    }
    await this.check(actor, from, "WRITE");
    await this.check(actor, from, "DELETE");
    const src = this.remotePath(from);
    const dst = this.remotePath(to);
    return this.call(from, async (remote) => {
      const parent = parentPath(dst);
      if (parent !== "" && parent !== this.mountRoot(from)) await remote.mkdir(parent);
      const entry = await remote.move(src, dst);
      return this.node(to, entry, to.path);
    });
  }

  /**
   * ACLs below a mount point: the mount point's ACL applies to everything under it and remote
   * items carry no ScaiDrive ACL, so reading or replacing one there is refused — 400
   * VALIDATION_FAILED with `details.reason: "inside_mount"` and `details.mount_path` — once the
   * caller may see the path (READ on the mount point, else the 404 of a missing path). A path not
   * below a mount (the mount point itself included: it is a ScaiDrive folder) passes.
   */
  async refuseAclInside(shareId: string, rawPath: string, actor: Actor): Promise<void> {
    const hit = await this.resolve(shareId, rawPath);
    if (!hit || hit.rel === "") return;
    await this.check(actor, hit, "READ");
    throw new AppError(
      "VALIDATION_FAILED",
      `${hit.path} is inside ` +
        `the remote mount at ${hit.mount.path}, whose ACL applies to everything ` +
        `under it: read or change the ACL of ${hit.mount.path}`,
      { field: "path", reason: "inside_mount", mount_path: hit.mount.path },
    );
  }

  /**
   * For operations on ScaiDrive's own tree only (search, ZIP downloads, resumable uploads): the share's mount
   * points, below which they must not look (the remote's content is not ScaiDrive's, and nodes a
   * sync left there are hidden). `what` ends the refusal's message ("search does not ...").
   * @throws VALIDATION_FAILED (`reason: "inside_mount"`) when one of `rawPaths` is at or below a mount
   *   point the actor can read (NOT_FOUND when it cannot).
   */
  async localScope(shareId: string, rawPaths: readonly string[], actor: Actor, what: string): Promise<string[]> {
    const mounts = await mountStore.forShare(this.o.db, shareId);
    for (const raw of rawPaths) {
      const { path } = parsePath(raw);
      const mount = mounts.find((m) => path === m.path || path.startsWith(`${m.path}/`));
      if (!mount) continue;
      await this.check(actor, { mount, path, rel: path.slice(mount.path.length + 1) }, "READ");
      throw new AppError("VALIDATION_FAILED", `${path} is in the remote mount at ${mount.path}; ${what}`, {
        field: "path",
        reason: "inside_mount",
        mount_path: mount.path,
      });
    }
    return mounts.map((m) => m.path);
  }

  /** Starts closing cached connections of deleted/changed connectors in the background. */
  startSweeping(everyMs?: number): void {
    this.o.remotes.startSweeping(everyMs);
  }

  async close(): Promise<void> {
    await this.o.remotes.closeAll();
  }

  // ---- helpers ---------------------------------------------------------------------------------

  /** @throws NOT_FOUND naming the requested path (never the mount point), FORBIDDEN. */
  private async check(actor: Actor, hit: MountHit, perm: Permission): Promise<void> {
    try {
      await this.o.nodes.locate(actor, hit.mount.share_id, hit.mount.path, perm);
    } catch (err) {
      if (err instanceof AppError && err.code === "NOT_FOUND") throw notFound(hit.path);
      throw err;
    }
  }

  private async statOrUndefined(remote: Remote, target: string, sharePath: string): Promise<RemoteEntry | undefined> {
    try {
      return await remote.stat(target);
    } catch (err) {
      if (mountError(err, sharePath).code === "NOT_FOUND") return undefined;
      throw err;
    }
  }

  private mountRoot(hit: MountHit): string {
    return hit.mount.remote_path;
  }

  private remotePath(hit: MountHit): string {
    return hit.rel === "" ? hit.mount.remote_path : joinPath(hit.mount.remote_path, hit.rel);
  }

  private node(hit: MountHit, entry: RemoteEntry, sharePath: string): Node {
    return mountNode(hit.mount.share_id, hit.mount.connector_id, sharePath, entry);
  }

  /** Runs `fn` on the mount's remote, mapping failures to AppErrors and dropping a dead connection. */
  private async call<T>(hit: MountHit, fn: (remote: Remote) => Promise<T>): Promise<T> {
    const remote = await this.o.remotes.get(hit.mount.connector_id);
    try {
      return await fn(remote);
    } catch (err) {
      throw this.fail(hit.mount.connector_id, err, hit.path);
    }
  }

  private fail(connectorId: string, err: unknown, path: string): AppError {
    const e = mountError(err, path);
    if (dropsConnection(e)) void this.o.remotes.invalidate(connectorId);
    if (e.code === "INTERNAL")
      this.o.logger.warn({ connectorId, path, err: (err as Error)?.message }, "remote mount operation failed");
    return e;
  }

  private async connectorInUse(connectorId: string): Promise<boolean> {
    const row = await this.o.db
      .selectFrom("mounts")
      .select("id")
      .where("connector_id", "=", connectorId)
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }
}

function etagListMatches(header: string, etag: string): boolean {
  return header.split(",").some((t) => t.trim().replace(/^W\//, "") === etag);
}

function joinShare(folder: string, name: string): string {
  return folder === "/" ? `/${name}` : `${folder}/${name}`;
}
