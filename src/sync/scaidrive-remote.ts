/**
 * The ScaiDrive side of a connector, seen through the same {@link Remote} shape as the remote
 * system: the subtree at `target_path` of one share, accessed through core's node service with
 * the connector's actor. Relative paths map to share paths under the root; fingerprints are
 * current version ids (a new version is created only when the content hash changes), ids are
 * node ids, and `hashes.sha256` is always known.
 *
 * Writes commit only after the whole stream arrived (core's writeFile stores and hashes the blob
 * before the transaction), so nothing half-written is ever visible. Owner and version author are
 * the connector's service identity unless the source entry's `owner` maps to a ScaiDrive principal
 * through `resolvePrincipal`.
 */
import { Transform, type Readable, type TransformCallback } from "node:stream";
import type { NodeService } from "../core/node-service.js";
import type { Node } from "../core/node-types.js";
import type { Actor } from "../core/actor.js";
import { isAppError } from "../core/errors.js";
import { RemoteError, type RemoteErrorKind } from "./remote-errors.js";
import type {
  AclEntry,
  ByteRange,
  KnownContent,
  MkdirOptions,
  Remote,
  RemoteAcl,
  RemoteCapabilities,
  RemoteEntry,
  RemoteVersion,
  WriteOptions,
} from "./remote.js";

export type ScaidriveNodes = Pick<
  NodeService,
  | "stat"
  | "walk"
  | "writeFile"
  | "mkdirp"
  | "move"
  | "delete"
  | "openContent"
  | "listVersions"
  | "getMetadata"
  | "patchMetadata"
  | "getAcl"
  | "setAcl"
  | "setOwner"
  | "addVersion"
  | "setModifiedAt"
>;

export interface ScaidriveRemoteOptions {
  nodes: ScaidriveNodes;
  shareId: string;
  /** Share path of the connector's root (`target_path`), e.g. "/From Fileserver". */
  rootPath: string;
  /** Acts for the connector (core's SYSTEM_ACTOR for the engine). */
  actor: Actor;
  /** Owner and version author when no mapping applies (the connector's service identity); null = none. */
  serviceUserId: string | null;
  /** Maps a remote principal (the source entry's `owner`) to a ScaiDrive user id, or undefined. */
  resolvePrincipal?: (remotePrincipal: string) => string | undefined;
}

const CAPABILITIES: RemoteCapabilities = {
  delta: false,
  versions: true,
  acl: true,
  metadata: true,
  caseInsensitive: false,
  hashes: ["sha256"],
  checkouts: false,
  notify: false,
  preservesMtime: true,
};

function toRemoteError(err: unknown, path: string, context?: { createOnly?: boolean }): unknown {
  if (err instanceof RemoteError) return err;
  if (!isAppError(err)) return err;
  const map: Record<string, RemoteErrorKind> = {
    NOT_FOUND: "not_found",
    FORBIDDEN: "access_denied",
    INVALID_NAME: "invalid_name",
    PRECONDITION_FAILED: context?.createOnly ? "exists" : "precondition_failed",
    CONFLICT: "exists",
    ALREADY_EXISTS: "exists",
  };
  return new RemoteError(map[err.code] ?? "other", err.message, { path, cause: err });
}

/** Counts bytes passing through and fails the stream (before its end reaches the consumer) on a size mismatch. */
class SizeGuard extends Transform {
  private seen = 0;
  constructor(
    private readonly expected: number,
    private readonly path: string,
  ) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.expected) {
      cb(
        new RemoteError("changed_during_transfer", `${this.path}: source delivered more than ${this.expected} bytes`, {
          path: this.path,
        }),
      );
      return;
    }
    cb(null, chunk);
  }
  override _flush(cb: TransformCallback): void {
    if (this.seen !== this.expected) {
      cb(
        new RemoteError(
          "changed_during_transfer",
          `${this.path}: source delivered ${this.seen} of ${this.expected} bytes`,
          { path: this.path },
        ),
      );
      return;
    }
    cb();
  }
}

export class ScaidriveRemote implements Remote {
  readonly capabilities = CAPABILITIES;
  private readonly root: string;

  constructor(private readonly o: ScaidriveRemoteOptions) {
    const r = o.rootPath.replace(/\/+$/, "");
    this.root = r === "" ? "/" : r.startsWith("/") ? r : `/${r}`;
  }

  /** The share and share path (`/` or `/a/b`) this side is rooted at. */
  get location(): { shareId: string; root: string } {
    return { shareId: this.o.shareId, root: this.root };
  }

  /** Creates the root folder (`target_path`) if it is missing. */
  async ensureRoot(): Promise<void> {
    if (this.root === "/") return;
    try {
      await this.o.nodes.mkdirp(this.o.shareId, this.root, {
        actor: this.o.actor,
        ownerId: this.o.serviceUserId ?? undefined,
      });
    } catch (err) {
      throw toRemoteError(err, "");
    }
  }

  private abs(path: string): string {
    if (path === "") return this.root;
    return this.root === "/" ? `/${path}` : `${this.root}/${path}`;
  }

  private rel(sharePath: string): string {
    if (sharePath === this.root) return "";
    return this.root === "/" ? sharePath.slice(1) : sharePath.slice(this.root.length + 1);
  }

  private entry(n: Node): RemoteEntry {
    return {
      path: this.rel(n.path),
      kind: n.type,
      size: n.type === "file" ? n.size : 0,
      mtimeMs: Date.parse(n.modified_at),
      id: n.id,
      fingerprint: n.type === "file" ? (n.current_version_id ?? "") : "",
      hashes: n.sha256 ? { sha256: n.sha256 } : undefined,
      hidden: false,
      system: false,
    };
  }

  private owner(hint: string | undefined): string | undefined {
    const mapped = hint ? this.o.resolvePrincipal?.(hint) : undefined;
    return mapped ?? this.o.serviceUserId ?? undefined;
  }

  async *walk(root = ""): AsyncIterable<RemoteEntry> {
    let it: AsyncGenerator<Node>;
    try {
      it = this.o.nodes.walk(this.o.shareId, this.abs(root), this.o.actor);
      for (;;) {
        const next = await it.next();
        if (next.done) return;
        yield this.entry(next.value);
      }
    } catch (err) {
      const mapped = toRemoteError(err, root);
      // A missing connector root is an empty side (the safety check decides what that means).
      if (root === "" && mapped instanceof RemoteError && mapped.kind === "not_found") return;
      throw mapped;
    }
  }

  async stat(path: string): Promise<RemoteEntry> {
    try {
      return this.entry(await this.o.nodes.stat(this.o.shareId, this.abs(path), this.o.actor));
    } catch (err) {
      throw toRemoteError(err, path);
    }
  }

  async read(path: string, range?: ByteRange): Promise<Readable> {
    const e = await this.stat(path);
    if (e.kind !== "file") throw new RemoteError("not_found", `${path} is a folder`, { path });
    if (range && range.start >= e.size && e.size > 0)
      throw new RemoteError("other", `${path}: range starts after the end`, { path });
    try {
      const r = range ? { start: range.start, end: Math.min(range.end ?? e.size - 1, e.size - 1) } : undefined;
      const stream = await this.o.nodes.openContent(e.fingerprint, r && e.size > 0 ? r : undefined);
      // The fingerprint names one version, whose bytes never change and hash to the entry's SHA-256.
      const sha256 = e.hashes?.sha256;
      return r || sha256 === undefined
        ? stream
        : Object.assign(stream, { contentSha256: sha256 } satisfies KnownContent);
    } catch (err) {
      throw toRemoteError(err, path);
    }
  }

  async write(path: string, source: Readable, options: WriteOptions): Promise<RemoteEntry> {
    const guard = new SizeGuard(options.size, path);
    // The consumer (core's blob store) sees the error through its read; this listener only keeps
    // a late error from surfacing as an uncaught exception once the consumer has given up.
    guard.on("error", () => {});
    // pipe() plus error forwarding rather than pipeline(): pipeline costs an AbortController and
    // a DOMException per call, noticeable per small file. The caller owns `source` and destroys it.
    source.on("error", (err) => guard.destroy(err));
    source.once("close", () => {
      if (!source.readableEnded && !guard.destroyed)
        guard.destroy(new RemoteError("other", `${path}: the source closed before its end`, { path }));
    });
    source.pipe(guard);
    const createOnly = options.ifMatchFingerprint === null;
    const owner = this.owner(options.owner);
    try {
      const { node } = await this.o.nodes.writeFile(this.o.shareId, this.abs(path), guard, {
        actor: this.o.actor,
        mtime: new Date(options.mtimeMs),
        ownerId: owner,
        authorId: owner ?? null,
        ifMatchVersionId: typeof options.ifMatchFingerprint === "string" ? options.ifMatchFingerprint : undefined,
        ifNoneMatch: createOnly || undefined,
        // The guard passes the source's chunk objects on unchanged.
        recycleChunk: options.recycleChunk,
      });
      return this.entry(node);
    } catch (err) {
      throw toRemoteError(err, path, { createOnly });
    } finally {
      if (!guard.destroyed) guard.destroy();
    }
  }

  async mkdir(path: string, options?: MkdirOptions): Promise<RemoteEntry> {
    try {
      const { node } = await this.o.nodes.mkdirp(this.o.shareId, this.abs(path), {
        actor: this.o.actor,
        ownerId: this.owner(options?.owner),
        mtime: options?.mtimeMs !== undefined ? new Date(options.mtimeMs) : undefined,
      });
      return this.entry(node);
    } catch (err) {
      throw toRemoteError(err, path);
    }
  }

  async delete(path: string): Promise<void> {
    let e: RemoteEntry;
    try {
      e = await this.stat(path);
    } catch (err) {
      if (err instanceof RemoteError && err.kind === "not_found") return;
      throw err;
    }
    if (e.kind === "folder") {
      for await (const child of this.walk(path)) {
        void child;
        throw new RemoteError("precondition_failed", `${path} is not empty`, { path });
      }
    }
    try {
      await this.o.nodes.delete(this.o.shareId, this.abs(path), this.o.actor);
    } catch (err) {
      const mapped = toRemoteError(err, path);
      if (mapped instanceof RemoteError && mapped.kind === "not_found") return;
      throw mapped;
    }
  }

  async move(from: string, to: string): Promise<RemoteEntry> {
    try {
      return this.entry(await this.o.nodes.move(this.o.shareId, this.abs(from), this.abs(to), { actor: this.o.actor }));
    } catch (err) {
      throw toRemoteError(err, from);
    }
  }

  async acl(path: string): Promise<RemoteAcl> {
    try {
      const view = await this.o.nodes.getAcl(this.o.shareId, this.abs(path), this.o.actor);
      const entries: AclEntry[] = [
        ...view.aces.map((a) => ({ principal: a.principal_id, permissions: [...a.permissions], inherited: false })),
        ...view.inherited_aces.map((a) => ({
          principal: a.principal_id,
          permissions: [...a.permissions],
          inherited: true,
        })),
      ];
      return { entries, inherit: view.inherit };
    } catch (err) {
      throw toRemoteError(err, path);
    }
  }

  async versions(path: string): Promise<RemoteVersion[]> {
    const e = await this.stat(path);
    if (e.kind !== "file") throw new RemoteError("not_found", `${path} is a folder`, { path });
    const out: RemoteVersion[] = [];
    try {
      let cursor: string | undefined;
      do {
        const page = await this.o.nodes.listVersions(e.id!, { limit: 1000, cursor }, this.o.actor);
        for (const v of page.items) {
          if (v.id !== e.fingerprint)
            out.push({ id: v.id, size: v.size, mtimeMs: Date.parse(v.created_at), author: v.author_id ?? undefined });
        }
        cursor = page.next_cursor ?? undefined;
      } while (cursor);
    } catch (err) {
      throw toRemoteError(err, path);
    }
    return out;
  }

  async readVersion(path: string, versionId: string): Promise<Readable> {
    const known = await this.versions(path);
    if (!known.some((v) => v.id === versionId))
      throw new RemoteError("not_found", `${path} has no version ${versionId}`, { path });
    return this.o.nodes.openContent(versionId);
  }

  async fields(path: string): Promise<Record<string, unknown>> {
    const e = await this.stat(path);
    try {
      return await this.o.nodes.getMetadata(e.id!, this.o.actor);
    } catch (err) {
      throw toRemoteError(err, path);
    }
  }

  // ---- ScaiDrive-only operations used by connector hooks (ACLs, owners, metadata, versions) ----

  /** Replaces the item's own ACEs (ScaiDrive principal ids) and its inheritance flag. */
  async setAcl(
    path: string,
    aces: Array<{ principal_id: string; permissions: string[] }>,
    inherit: boolean,
  ): Promise<void> {
    try {
      await this.o.nodes.setAcl(this.o.shareId, this.abs(path), { aces: aces as never, inherit }, this.o.actor);
    } catch (err) {
      throw toRemoteError(err, path);
    }
  }

  async setOwner(path: string, principalId: string): Promise<void> {
    const e = await this.stat(path);
    try {
      await this.o.nodes.setOwner(e.id!, principalId, this.o.actor);
    } catch (err) {
      throw toRemoteError(err, path);
    }
  }

  /** Merges `patch` into the file's metadata (null removes a key). */
  async patchMetadata(path: string, patch: Record<string, unknown>): Promise<Record<string, unknown>> {
    const e = await this.stat(path);
    try {
      return await this.o.nodes.patchMetadata(e.id!, patch, this.o.actor);
    } catch (err) {
      throw toRemoteError(err, path);
    }
  }

  /** Imports a historical version (becomes current only if newer than the current one). */
  async importVersion(
    path: string,
    source: Readable,
    options: { createdAtMs: number; author?: string },
  ): Promise<string> {
    const e = await this.stat(path);
    try {
      const v = await this.o.nodes.addVersion(e.id!, source, {
        authorId: this.owner(options.author) ?? null,
        createdAt: new Date(options.createdAtMs),
      });
      return v.id;
    } catch (err) {
      throw toRemoteError(err, path);
    }
  }

  async close(): Promise<void> {}
}
