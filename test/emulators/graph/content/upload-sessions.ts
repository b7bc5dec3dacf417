import { createWriteStream } from "node:fs";
import { rename, rm } from "node:fs/promises";
import { pipeline } from "node:stream/promises";
import { Transform, type Readable } from "node:stream";
import { GraphError } from "../graph/graph-error.js";
import type { Blob, BlobStore } from "./blob-store.js";
import type { ConflictBehavior, FileSystemInfo } from "./content-store.js";
import type { Actor } from "./drive-model.js";
import { newOpaqueToken } from "./graph-ids.js";
import { QuickXorHash } from "./quick-xor-hash.js";

/** Graph requires every fragment but the last to be a multiple of 320 KiB. */
export const FRAGMENT_MULTIPLE = 320 * 1024;
/** Graph refuses fragments above 60 MiB. */
export const MAX_FRAGMENT = 60 * 1024 * 1024;

export interface UploadSession {
  id: string;
  driveId: string;
  parentId: string;
  name: string;
  conflict: ConflictBehavior;
  fileSystemInfo?: FileSystemInfo;
  ifMatch?: string;
  actor: Actor;
  expires: Date;
  /** Declared by the first fragment's Content-Range; fixed afterwards. */
  total?: number;
  received: number;
  /** A fragment is being received; a concurrent one is refused rather than interleaved. */
  busy: boolean;
  scratch: string;
  hash: QuickXorHash;
}

/**
 * Resumable upload sessions. Fragments are appended to a scratch file in order (Graph accepts
 * them only at the next expected offset) and hashed as they stream, so a 250 MB upload never
 * sits in memory. {@link putFragment} resolves to the finished blob once the last byte arrived.
 */
export class UploadSessions {
  private readonly sessions = new Map<string, UploadSession>();

  constructor(
    private readonly blobs: BlobStore,
    private readonly ttlSec = 3600,
  ) {}

  create(input: Omit<UploadSession, "id" | "expires" | "received" | "busy" | "scratch" | "hash">): UploadSession {
    const session: UploadSession = {
      ...input,
      id: newOpaqueToken(),
      expires: new Date(Date.now() + this.ttlSec * 1000),
      received: 0,
      busy: false,
      scratch: this.blobs.scratchPath(),
      hash: new QuickXorHash(),
    };
    this.sessions.set(session.id, session);
    return session;
  }

  /** A live session; 404 `itemNotFound` for unknown, cancelled, finished or expired ones. */
  get(id: string): UploadSession {
    const s = this.sessions.get(id);
    if (!s || s.expires.getTime() < Date.now()) {
      if (s) void this.cancel(id);
      throw new GraphError(404, "itemNotFound", "The upload session was not found or has expired.");
    }
    return s;
  }

  async cancel(id: string): Promise<void> {
    const s = this.sessions.get(id);
    this.sessions.delete(id);
    if (s) await rm(s.scratch, { force: true });
  }

  /** Makes every open session expire now (control API). */
  expireAll(): number {
    for (const s of this.sessions.values()) s.expires = new Date(0);
    return this.sessions.size;
  }

  nextExpectedRanges(s: UploadSession): string[] {
    return [s.total === undefined ? `${s.received}-` : `${s.received}-${s.total - 1}`];
  }

  /**
   * Appends one fragment. Errors: 400 `invalidRequest` for a missing/malformed Content-Range or
   * a fragment size that is not a multiple of 320 KiB (except the last) or above 60 MiB; 416
   * `invalidRange` for a fragment not starting at the next expected byte or a changed total.
   */
  async putFragment(
    s: UploadSession,
    contentRange: string | undefined,
    contentLength: number | undefined,
    body: Readable,
  ): Promise<Blob | undefined> {
    const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(contentRange ?? "");
    if (!m) throw new GraphError(400, "invalidRequest", "The Content-Range header is missing or malformed.");
    const start = Number(m[1]);
    const end = Number(m[2]);
    const total = m[3] === "*" ? undefined : Number(m[3]);
    const length = end - start + 1;
    if (end < start || (total !== undefined && end >= total))
      throw new GraphError(400, "invalidRequest", "The Content-Range header is invalid.");
    if (contentLength !== undefined && contentLength !== length) {
      throw new GraphError(
        400,
        "invalidRequest",
        "The Content-Range header length does not match the provided number of bytes.",
      );
    }
    if (s.total !== undefined && total !== undefined && total !== s.total) {
      throw new GraphError(416, "invalidRange", "The total size of the upload cannot change.");
    }
    if (start !== s.received) {
      throw new GraphError(
        416,
        "invalidRange",
        `The uploaded fragment overlaps or is not contiguous. Expected ranges: ${this.nextExpectedRanges(s).join(",")}`,
      );
    }
    const isLast = total !== undefined && end === total - 1;
    if (length > MAX_FRAGMENT) throw new GraphError(400, "invalidRequest", "Fragments are limited to 60 MiB.");
    if (!isLast && length % FRAGMENT_MULTIPLE !== 0) {
      throw new GraphError(
        400,
        "invalidRequest",
        "Fragment sizes must be a multiple of 320 KiB (327,680 bytes), except for the last fragment.",
      );
    }
    if (s.busy) throw new GraphError(416, "invalidRange", "Another fragment of this session is still being uploaded.");
    if (total !== undefined) s.total = total;
    s.busy = true;
    try {
      return await this.receive(s, body, s.received, length, end, isLast);
    } finally {
      s.busy = false;
    }
  }

  private async receive(
    s: UploadSession,
    body: Readable,
    before: number,
    length: number,
    end: number,
    isLast: boolean,
  ): Promise<Blob | undefined> {
    let got = 0;
    const hash = new QuickXorHash();
    const counter = new Transform({
      transform(chunk: Buffer, _e, cb) {
        got += chunk.length;
        if (got > length)
          return cb(new GraphError(400, "invalidRequest", "More bytes were sent than the Content-Range declares."));
        hash.update(chunk);
        cb(null, chunk);
      },
    });
    await pipeline(body, counter, createWriteStream(s.scratch, { flags: before === 0 ? "w" : "r+", start: before }));
    if (got !== length) {
      throw new GraphError(400, "invalidRequest", "Fewer bytes were received than the Content-Range declares.");
    }
    // Fold the fragment into the running hash only once it is complete, so a failed fragment can be resent.
    mergeInto(s.hash, hash, before);
    s.received = end + 1;
    s.expires = new Date(Date.now() + this.ttlSec * 1000);
    if (!isLast) return undefined;
    const path = s.scratch.replace(/\.session$/, "");
    await rename(s.scratch, path);
    this.sessions.delete(s.id);
    return { path, size: s.received, quickXorHash: s.hash.digestBase64() };
  }
}

/** Appends a fragment's hash state (computed from offset 0) to the running one at `offset`. */
function mergeInto(running: QuickXorHash, fragment: QuickXorHash, offset: number): void {
  running.absorb(fragment, offset);
}
