import { createReadStream, createWriteStream, mkdtempSync, rmSync } from "node:fs";
import { rename, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import type { Readable } from "node:stream";
import { HashingPassThrough, quickXorHashOf } from "./quick-xor-hash.js";
import { newOpaqueToken } from "./graph-ids.js";

/** Immutable file content on disk: every version of every file is one blob. */
export interface Blob {
  path: string;
  size: number;
  quickXorHash: string;
}

/**
 * Content of the emulated libraries, one file per blob in a temp dir removed by {@link close}.
 * Writes stream to a temporary name and are renamed into place once complete, so a failed or
 * aborted upload never leaves a half blob behind.
 */
export class BlobStore {
  readonly dir = mkdtempSync(join(tmpdir(), "graph-emulator-"));

  async fromStream(source: Readable, limit?: number): Promise<Blob> {
    const id = newOpaqueToken();
    const partial = join(this.dir, `${id}.part`);
    const hasher = new HashingPassThrough(limit);
    try {
      await pipeline(source, hasher, createWriteStream(partial));
    } catch (err) {
      await unlink(partial).catch(() => undefined);
      throw err;
    }
    const path = join(this.dir, id);
    await rename(partial, path);
    return { path, size: hasher.size, quickXorHash: hasher.hash.digestBase64() };
  }

  async fromBuffer(data: Uint8Array): Promise<Blob> {
    const path = join(this.dir, newOpaqueToken());
    await writeFile(path, data);
    return { path, size: data.length, quickXorHash: quickXorHashOf(data) };
  }

  /** A path under the store's dir for an upload session's growing file. */
  scratchPath(): string {
    return join(this.dir, `${newOpaqueToken()}.session`);
  }

  read(blob: Blob, range?: { start: number; end: number }): Readable {
    return createReadStream(blob.path, range);
  }

  close(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
