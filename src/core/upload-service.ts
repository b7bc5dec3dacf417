/**
 * Resumable uploads (the tus protocol's resources, without HTTP): an upload is created for one
 * destination file, receives its bytes in any number of appends, and on its last byte becomes a
 * version of that file, exactly as a PUT of the whole body would.
 *
 * Rules:
 * - Only the user who created an upload sees it: for anyone else it does not exist (NOT_FOUND),
 *   administrators included.
 * - Creation checks what a PUT checks before its body (name rules, share, WRITE, a folder in the
 *   way, If-Match) plus the size limit, so a refused upload never transfers a byte.
 * - Completion hashes the file once and renames it into the blob store (no copy), then commits
 *   the version with the same checks again; a failed check (e.g. If-Match no longer holds)
 *   discards the upload. A completed upload stays answerable (HEAD says complete; a repeated
 *   final append gives the same result) until it expires.
 * - Uploads expire `expiryMs` after creation, complete or not, and are removed then.
 */
import type { Readable } from "node:stream";
import type { Logger } from "pino";
import { AppError } from "./errors.js";
import { newId } from "./ids.js";
import type { Actor } from "./actor.js";
import { parsePath } from "./name-rules.js";
import type { NodeService } from "./node-service.js";
import type { MountService } from "./mounts/mount-service.js";
import type { BlobStore } from "../store/blobs/fs-blob-store.js";
import type { UploadArea, UploadRecord } from "../store/blobs/upload-area.js";

export type { UploadRecord } from "../store/blobs/upload-area.js";

/** An upload as its owner sees it. */
export interface UploadState {
  record: UploadRecord;
  /** Bytes received (the size once complete). */
  offset: number;
  /** When it is removed. */
  expiresAt: Date;
}

export interface UploadServiceOptions {
  nodes: NodeService;
  mounts: MountService;
  blobs: BlobStore;
  area: UploadArea;
  maxUploadBytes: number;
  expiryMs: number;
  logger: Logger;
}

/** Metadata keys ScaiDrive reads (Upload-Metadata); others are kept and ignored. */
const REQUIRED = ["share_id", "path"] as const;

export class UploadService {
  /** Completions in flight by upload id: a second final append waits for the first. */
  private readonly finishing = new Map<string, Promise<UploadRecord>>();
  private sweeper: NodeJS.Timeout | undefined;

  constructor(private readonly o: UploadServiceOptions) {}

  get expiryMs(): number {
    return this.o.expiryMs;
  }

  /**
   * Creates an upload of `size` bytes to `metadata.path` in `metadata.share_id` (with `id`, a new
   * `upl_` id, when the protocol layer named it already).
   * @throws VALIDATION_FAILED (missing metadata, `if_match` that is no ETag, a path inside a remote
   *   mount), INVALID_NAME, PAYLOAD_TOO_LARGE, NOT_FOUND (share, or a folder the caller cannot
   *   read), FORBIDDEN (no WRITE), CONFLICT (a folder at the path, a file in the way),
   *   PRECONDITION_FAILED (if_match does not hold now).
   */
  async create(
    actor: Actor,
    input: { id?: string; size: number; metadata: Record<string, string | null> },
  ): Promise<UploadState> {
    const { size, metadata } = input;
    for (const key of REQUIRED) {
      if (!metadata[key])
        throw new AppError("VALIDATION_FAILED", `Upload-Metadata must carry ${key}`, { field: `metadata.${key}` });
    }
    if (!Number.isSafeInteger(size) || size < 0)
      throw new AppError("VALIDATION_FAILED", "Upload-Length must be a byte count", { field: "upload-length" });
    if (size > this.o.maxUploadBytes)
      throw new AppError("PAYLOAD_TOO_LARGE", `uploads are limited to ${this.o.maxUploadBytes} bytes`, {
        max_bytes: this.o.maxUploadBytes,
      });
    const shareId = metadata.share_id!;
    const { path } = parsePath(metadata.path!);
    const ifMatch = ifMatchSha(metadata.if_match ?? undefined);
    await this.o.mounts.localScope(
      shareId,
      [path],
      actor,
      "resumable uploads cannot go into a remote mount (upload with PUT .../content instead)",
    );
    await this.o.nodes.checkWrite(shareId, path, { actor, ifMatchSha256: ifMatch });
    const record: UploadRecord = {
      id: input.id ?? newId("upl"),
      user_id: actor.userId,
      share_id: shareId,
      path,
      ...(ifMatch ? { if_match_sha256: ifMatch } : {}),
      size,
      metadata,
      created_at: new Date().toISOString(),
    };
    await this.o.area.create(record);
    return this.state(record, 0);
  }

  /** @throws NOT_FOUND for an unknown or expired upload, or one another user created. */
  async get(actor: Actor, id: string): Promise<UploadState> {
    const found = await this.o.area.get(id);
    if (!found || found.record.user_id !== actor.userId) throw notFound(id);
    const state = this.state(found.record, found.offset);
    if (state.expiresAt.getTime() <= Date.now()) {
      await this.o.area.remove(id);
      throw notFound(id);
    }
    return state;
  }

  /**
   * Appends bytes at `offset` (the caller checked it against the upload's); returns the new offset.
   * @throws NOT_FOUND as {@link get}; CONFLICT when the upload is complete and bytes keep coming;
   *   PAYLOAD_TOO_LARGE past the declared size.
   */
  async append(actor: Actor, id: string, offset: number, source: Readable): Promise<number> {
    const { record } = await this.get(actor, id);
    if (record.completed) {
      for await (const chunk of source)
        if ((chunk as Buffer).length > 0) throw new AppError("CONFLICT", `upload ${id} is complete`);
      return record.size;
    }
    return this.o.area.append(id, offset, source, record.size - offset);
  }

  /**
   * Makes the complete upload a version of its file; the same result again for an upload finished
   * before. On a refusal (PRECONDITION_FAILED when if_match no longer holds, FORBIDDEN, NOT_FOUND,
   * CONFLICT, ...) or any other failure the upload is discarded and the error rethrown.
   */
  async finish(actor: Actor, id: string): Promise<UploadRecord> {
    const running = this.finishing.get(id);
    if (running) return running;
    const work = this.complete(actor, id).finally(() => this.finishing.delete(id));
    this.finishing.set(id, work);
    return work;
  }

  private async complete(actor: Actor, id: string): Promise<UploadRecord> {
    const { record, offset } = await this.get(actor, id);
    if (record.completed) return record;
    if (offset !== record.size)
      throw new AppError("CONFLICT", `upload ${id} has ${offset} of ${record.size} bytes`, { offset });
    try {
      const blob = await this.o.blobs.adopt(this.o.area.dataPath(id), record.size);
      const { node } = await this.o.nodes.writeStoredBlob(record.share_id, record.path, blob, {
        actor,
        ifMatchSha256: record.if_match_sha256,
      });
      return await this.o.area.complete(record, {
        node_id: node.id,
        version_id: node.current_version_id,
        sha256: blob.sha256,
      });
    } catch (err) {
      this.o.logger.info({ upload_id: id, err: (err as Error).message }, "resumable upload discarded at completion");
      await this.o.area.remove(id).catch(() => undefined);
      throw err;
    }
  }

  /** Removes the upload (tus termination). @throws NOT_FOUND as {@link get}. */
  async terminate(actor: Actor, id: string): Promise<void> {
    await this.get(actor, id);
    await this.o.area.remove(id);
  }

  /** Removes every upload older than the expiry (and stray files a crash left); returns how many. */
  async removeExpired(now = Date.now()): Promise<number> {
    let removed = 0;
    for await (const { id, record, modifiedMs } of this.o.area.entries()) {
      const born = record ? Date.parse(record.created_at) : modifiedMs;
      if (born + this.o.expiryMs > now || this.finishing.has(id)) continue;
      await this.o.area.remove(id);
      removed++;
    }
    if (removed > 0) this.o.logger.info({ removed }, "expired resumable uploads removed");
    return removed;
  }

  /** Runs {@link removeExpired} now and then every `everyMs` (default: a quarter of the expiry, at most hourly). */
  startSweeping(everyMs = Math.max(1000, Math.min(3_600_000, Math.floor(this.o.expiryMs / 4)))): void {
    if (this.sweeper) return;
    const sweep = () =>
      void this.removeExpired().catch((err: unknown) =>
        this.o.logger.warn({ err }, "could not remove expired resumable uploads"),
      );
    sweep();
    this.sweeper = setInterval(sweep, everyMs);
    this.sweeper.unref();
  }

  stopSweeping(): void {
    clearInterval(this.sweeper);
    this.sweeper = undefined;
  }

  private state(record: UploadRecord, offset: number): UploadState {
    return { record, offset, expiresAt: new Date(Date.parse(record.created_at) + this.o.expiryMs) };
  }
}

function notFound(id: string): AppError {
  return new AppError("NOT_FOUND", `upload ${id} not found`);
}

/**
 * The SHA-256 an `if_match` metadata value names: `"<sha256>"` or `W/"<sha256>"` (an ETag as a
 * download gave it) or the bare digest. @throws VALIDATION_FAILED for anything else.
 */
function ifMatchSha(value: string | undefined): string | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  const m = /^\s*(?:W\/)?"?([0-9a-f]{64})"?\s*$/.exec(value);
  if (!m)
    throw new AppError("VALIDATION_FAILED", "if_match must be the ETag (SHA-256) of the file's current content", {
      field: "metadata.if_match",
    });
  return m[1];
}
