/**
 * The one way the HTTP layer reaches files and folders: {@link NodeService} with remote mounts
 * dispatched in front of it, so no route can forget a mount.
 *
 * - By path: at or under a mount point the operation goes to the mount service (README "Remote
 *   mounts": listing, stat, download, upload, mkdir, move and delete pass to the remote); elsewhere
 *   to NodeService. ACLs below a mount point are refused (the mount point's ACL applies to
 *   everything under it, see `MountService.refuseAclInside`); the mount point's own ACL is an
 *   ordinary folder's.
 * - By id: mounted items' ids are not stored, so they are unknown here (404), and so is a ScaiDrive
 *   node that lies below a mount point (written there by a sync, hidden behind the mount): what
 *   the mount covers is the remote's, by path and by id alike.
 */
import type { Readable } from "node:stream";
import { AppError } from "./errors.js";
import { notFound } from "./acl-service.js";
import type { Actor } from "./actor.js";
import type { Page } from "./pagination.js";
import type { Node, Version } from "./node-types.js";
import type { AclEntry, AclView, NodeService, WriteFileOptions } from "./node-service.js";
import type { MountDownload, MountService } from "./mounts/mount-service.js";
import { planArchive, type ArchivePlan } from "./archive-plan.js";

export interface UploadRequest {
  actor: Actor;
  /** The body's announced length (Content-Length); uploads into a mount need it. */
  size: number | undefined;
  mtime?: Date;
  /** An If-Match header value: `*`, or an ETag from a download of the file. */
  ifMatch?: string;
  /** If-None-Match: `any` for `*` (only create), else the entity-tags whose match refuses the upload. */
  ifNoneMatch: { any: boolean; tags?: string[] };
}

/** A download: a mounted file (`mount`) or a ScaiDrive version. */
export type Download = { kind: "mount"; mount: MountDownload } | { kind: "version"; node: Node; version: Version };

/**
 * The SHA-256 an If-Match header names: `"<sha256>"` (an ETag from a download) or nothing for `*`.
 * @throws PRECONDITION_FAILED for anything else.
 */
function ifMatchSha(header: string | undefined): string | undefined {
  const sha = ifMatchShaOrNull(header);
  if (sha === null) throw new AppError("PRECONDITION_FAILED", "If-Match must be an ETag returned by a download");
  return sha;
}

/** As {@link ifMatchSha}, with null for a header that names no ScaiDrive ETag (it may name a mounted file's). */
function ifMatchShaOrNull(header: string | undefined): string | undefined | null {
  if (!header || header.trim() === "*") return undefined;
  return /^\s*(?:W\/)?"([0-9a-f]{64})"\s*$/.exec(header)?.[1] ?? null;
}

/** SHA-256 values named by ETags of ScaiDrive content (`"<sha256>"`); other tags can match no file. */
function shaTags(tags: string[]): string[] {
  return tags.map((t) => /^"([0-9a-f]{64})"$/.exec(t)?.[1]).filter((sha): sha is string => sha !== undefined);
}

export class NodeFacade {
  constructor(
    private readonly nodes: NodeService,
    private readonly mounts: MountService,
  ) {}

  // ---- by path ---------------------------------------------------------------------------------

  async list(
    shareId: string,
    path: string,
    opts: { limit?: number; cursor?: string },
    actor: Actor,
  ): Promise<Page<Node>> {
    return (await this.mounts.divertList(shareId, path, opts, actor)) ?? this.nodes.list(shareId, path, opts, actor);
  }

  async stat(shareId: string, path: string, actor: Actor): Promise<Node> {
    return (await this.mounts.divertStat(shareId, path, actor)) ?? this.nodes.stat(shareId, path, actor);
  }

  /**
   * Where the actor's access to a share starts (see NodeService.entryPoints). A mount point may be
   * one; nothing below a mount carries ACEs of its own.
   */
  async entryPoints(shareId: string, actor: Actor): Promise<Node[]> {
    return this.nodes.entryPoints(shareId, actor);
  }

  /**
   * Names containing `query` below the folder at `path` (see NodeService.search). Search stays in
   * ScaiDrive: it does not descend into remote mounts (a mount point itself can be found).
   * @throws VALIDATION_FAILED (`details.reason: "inside_mount"`) at or below a mount point.
   */
  async search(
    shareId: string,
    path: string,
    query: string,
    opts: { limit?: number; cursor?: string },
    actor: Actor,
  ): Promise<Page<Node>> {
    const skipBelow = await this.mounts.localScope(
      shareId,
      [path],
      actor,
      "search does not descend into remote mounts",
    );
    return this.nodes.search(shareId, path, query, { ...opts, skipBelow }, actor);
  }

  /**
   * The entries of a ZIP download of `paths` (see planArchive). Archives hold ScaiDrive's own
   * content: remote mounts inside a selected folder are left out.
   * @throws VALIDATION_FAILED (`details.reason: "inside_mount"`) for a path at or below a mount point.
   */
  async planArchive(shareId: string, paths: readonly string[], actor: Actor): Promise<ArchivePlan> {
    const skipBelow = await this.mounts.localScope(shareId, paths, actor, "ZIP downloads do not include remote mounts");
    return planArchive(this.nodes, shareId, paths, actor, { skipBelow });
  }

  /** Stored content by SHA-256 as a stream (content of a version the caller was allowed to read). */
  openBlobStream(sha256: string): Promise<Readable> {
    return this.nodes.openBlobStream(sha256);
  }

  /** mkdir -p; `created` is false when the folder existed. */
  async mkdirp(shareId: string, path: string, actor: Actor): Promise<{ node: Node; created: boolean }> {
    return (await this.mounts.divertMkdir(shareId, path, actor)) ?? this.nodes.mkdirp(shareId, path, { actor });
  }

  async move(shareId: string, from: string, to: string, opts: { actor: Actor; replace?: boolean }): Promise<Node> {
    return (await this.mounts.divertMove(shareId, from, to, opts.actor)) ?? this.nodes.move(shareId, from, to, opts);
  }

  async delete(shareId: string, path: string, actor: Actor): Promise<void> {
    if (!(await this.mounts.divertDelete(shareId, path, actor))) await this.nodes.delete(shareId, path, actor);
  }

  /**
   * Stores `source` at `path`: a new version in ScaiDrive, or a write to the remote under a mount.
   * `mounted` tells which (a ScaiDrive file's ETag is its SHA-256). @throws PRECONDITION_FAILED for
   * an If-Match that is no ScaiDrive ETag (outside mounts) or a failed condition.
   */
  async upload(
    shareId: string,
    path: string,
    source: Readable,
    o: UploadRequest,
  ): Promise<{ node: Node; created: boolean; mounted: boolean }> {
    const local = (ifMatchSha256: string | undefined): WriteFileOptions => ({
      actor: o.actor,
      mtime: o.mtime,
      ifMatchSha256,
      ifNoneMatch: o.ifNoneMatch.any,
      ifNoneMatchSha256: o.ifNoneMatch.tags ? shaTags(o.ifNoneMatch.tags) : undefined,
    });
    // Outside mounts an upload needs no lookup of them (see writeFileUnlessMounted).
    const sha = ifMatchShaOrNull(o.ifMatch);
    if (sha !== null) {
      const written = await this.nodes.writeFileUnlessMounted(shareId, path, source, local(sha));
      if (written) return { ...written, mounted: false };
    }
    const mounted = await this.mounts.divertUpload(shareId, path, source, {
      actor: o.actor,
      mtime: o.mtime,
      size: o.size,
      ifNoneMatch: o.ifNoneMatch.any,
      ifNoneMatchEtags: o.ifNoneMatch.tags?.join(", "),
      ifMatch: o.ifMatch?.trim() === "*" ? undefined : o.ifMatch,
    });
    if (mounted) return { ...mounted, mounted: true };
    return { ...(await this.nodes.writeFile(shareId, path, source, local(ifMatchSha(o.ifMatch)))), mounted: false };
  }

  /** The current content at `path`: a mounted file's download handle or the ScaiDrive version. */
  async download(shareId: string, path: string, actor: Actor): Promise<Download> {
    const local = await this.nodes.currentVersionUnlessMounted(shareId, path, actor);
    if (local) return { kind: "version", ...local };
    const mount = await this.mounts.divertDownload(shareId, path, actor);
    if (mount) return { kind: "mount", mount };
    const { node, version } = await this.nodes.currentVersion(shareId, path, actor);
    return { kind: "version", node, version };
  }

  /** @throws VALIDATION_FAILED (`details.reason: "inside_mount"`) below a mount point. */
  async getAcl(shareId: string, path: string, actor: Actor): Promise<AclView> {
    await this.mounts.refuseAclInside(shareId, path, actor);
    return this.nodes.getAcl(shareId, path, actor);
  }

  /** @throws VALIDATION_FAILED (`details.reason: "inside_mount"`) below a mount point. */
  async setAcl(
    shareId: string,
    path: string,
    input: { aces: AclEntry[]; inherit: boolean },
    actor: Actor,
  ): Promise<AclView> {
    await this.mounts.refuseAclInside(shareId, path, actor);
    return this.nodes.setAcl(shareId, path, input, actor);
  }

  // ---- by id -----------------------------------------------------------------------------------

  async statById(id: string, actor: Actor): Promise<Node> {
    const node = await this.nodes.statById(id, actor);
    await this.refuseInsideMount(id, node);
    return node;
  }

  async listVersions(id: string, opts: { limit?: number; cursor?: string }, actor: Actor): Promise<Page<Version>> {
    await this.statById(id, actor);
    return this.nodes.listVersions(id, opts, actor);
  }

  async getVersion(id: string, versionId: string, actor: Actor): Promise<{ node: Node; version: Version }> {
    await this.statById(id, actor);
    return this.nodes.getVersion(id, versionId, actor);
  }

  async restoreVersion(id: string, versionId: string, actor: Actor): Promise<Node> {
    await this.statById(id, actor);
    return this.nodes.restoreVersion(id, versionId, actor);
  }

  async getMetadata(id: string, actor: Actor): Promise<Record<string, unknown>> {
    await this.statById(id, actor);
    return this.nodes.getMetadata(id, actor);
  }

  async patchMetadata(id: string, patch: Record<string, unknown>, actor: Actor): Promise<Record<string, unknown>> {
    await this.statById(id, actor);
    return this.nodes.patchMetadata(id, patch, actor);
  }

  // ---- content of a version already read ---------------------------------------------------------

  /** Bytes of stored content by its SHA-256 (a version the caller was allowed to read). */
  openBlobContent(sha256: string, range?: { start: number; end: number }): ReturnType<NodeService["openBlobContent"]> {
    return this.nodes.openBlobContent(sha256, range);
  }

  /** The newest versions of a file the caller can read (for If-Range decisions on it). */
  recentVersions(id: string, limit: number, actor: Actor): Promise<Page<Version>> {
    return this.nodes.listVersions(id, { limit }, actor);
  }

  /** A node below a mount point is the remote's: unknown by id, as mounted items are. @throws NOT_FOUND */
  private async refuseInsideMount(id: string, node: Node): Promise<void> {
    const hit = await this.mounts.resolve(node.share_id, node.path);
    if (hit && hit.rel !== "") throw notFound(id);
  }
}
