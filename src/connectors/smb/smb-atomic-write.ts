/**
 * Atomic create-or-replace of one file on an SMB share: nothing is visible at the target until
 * every byte arrived. Steps:
 *
 * 1. stream the source into `.~scaidrive-<owner key>-<hex>.tmp` (`smb-temp-name.ts`) in the
 *    target's folder (create-only; uploads
 *    of {@link HIDE_TEMP_FROM} bytes or more create the temp file hidden first, since it is
 *    visible for a while — Samba's default `hide dot files` hides it anyway, Windows does not);
 * 2. fail with `changed_during_transfer` if the source delivers a byte count other than `size`
 *    (checked as bytes pass, before the end reaches SMB) or the server acknowledged another count;
 * 3. set LastWriteTime = `mtimeMs` on the temp file, clear its hidden flag, check its size on
 *    the server;
 * 4. right before the rename, look at the target: a folder → `exists`; a fingerprint
 *    precondition that no longer holds (or a vanished target) → `precondition_failed`; the old
 *    file's hidden/system flags are carried over;
 * 5. rename over the target (without replace for create-only writes: a taken name → `exists`).
 *
 * On any failure the temp file is deleted (if the connection is gone it stays behind: walks skip
 * temp names, and the owner's next walk deletes it, see `smb-walk.ts`). The source's own error is rethrown as is; every other failure is
 * a RemoteError. The result carries the new file's id: a rename-over gives the target the temp
 * file's id.
 */
import { Transform, type Readable, type TransformCallback } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Logger } from "pino";
import { SmbError, type SmbFileInfo, type SmbTree, type SmbWriteStream } from "../../protocols/smb/index.js";
import { RemoteError } from "../../sync/remote-errors.js";
import { baseName, joinPath, parentPath, type RemoteEntry, type WriteOptions } from "../../sync/remote.js";
import { toRemoteEntry } from "./smb-entry.js";
import { toRemoteError } from "./smb-error-mapping.js";
import { newSmbTempName } from "./smb-temp-name.js";

/** Uploads of at least this many bytes create their temp file hidden before streaming (two extra round trips). */
export const HIDE_TEMP_FROM = 4 * 1024 * 1024;

/** Fails a stream that delivers more or fewer bytes than promised, before its end reaches SMB. */
class ByteCounter extends Transform {
  count = 0;
  constructor(
    private readonly expected: number,
    private readonly path: string,
  ) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.count += chunk.length;
    if (this.count > this.expected) return cb(this.mismatch());
    cb(null, chunk);
  }
  override _flush(cb: TransformCallback): void {
    cb(this.count === this.expected ? null : this.mismatch());
  }
  private mismatch(): RemoteError {
    const got = this.count > this.expected ? `more than ${this.expected}` : String(this.count);
    return new RemoteError("changed_during_transfer", `source delivered ${got} bytes, expected ${this.expected}`, { path: this.path });
  }
}

async function statIfExists(tree: SmbTree, path: string): Promise<SmbFileInfo | undefined> {
  try {
    return await tree.stat(path);
  } catch (e) {
    if (e instanceof SmbError && e.kind === "not_found") return undefined;
    throw e;
  }
}

/**
 * Writes `source` atomically to share path `target`; `rel` is the remote path reported in the
 * entry and errors. See the module comment for the steps and errors.
 */
export async function atomicWrite(
  tree: SmbTree,
  target: string,
  rel: string,
  source: Readable,
  options: WriteOptions,
  tempKey: string,
  log?: Logger,
): Promise<RemoteEntry> {
  const temp = joinPath(parentPath(target), newSmbTempName(tempKey));
  let created = false;
  let sourceError: unknown;
  source.once("error", (e) => (sourceError ??= e));
  let ws: SmbWriteStream | undefined;
  try {
    const counter = new ByteCounter(options.size, rel);
    if (options.size >= HIDE_TEMP_FROM) {
      await tree.writeFile(temp, Buffer.alloc(0), { disposition: "create" });
      created = true;
      await tree.setInfo(temp, { attributes: { hidden: true } });
      ws = tree.createWriteStream(temp, { disposition: "open", onChunkFree: options.recycleChunk });
    } else {
      ws = tree.createWriteStream(temp, { disposition: "create", onChunkFree: options.recycleChunk });
      created = true;
    }
    await pipeline(source, counter, ws);
    if (counter.count !== options.size || ws.bytesWrittenToServer !== options.size) {
      throw new RemoteError("changed_during_transfer", `server acknowledged ${ws.bytesWrittenToServer} bytes, expected ${options.size}`, { path: rel });
    }

    // The target is looked at concurrently with finishing the temp file (requests pipelined on
    // one connection), so the precondition is checked right before the rename.
    const createOnly = options.ifMatchFingerprint === null;
    const lookAtTarget = createOnly ? Promise.resolve(undefined) : statIfExists(tree, target);
    lookAtTarget.catch(() => undefined);
    await tree.setInfo(temp, { lastWriteTime: new Date(options.mtimeMs), attributes: { hidden: false } });
    const written = await tree.stat(temp);
    if (written.size !== options.size) {
      throw new RemoteError("changed_during_transfer", `server holds ${written.size} bytes, expected ${options.size}`, { path: rel });
    }
    if (!createOnly) {
      const existing = await lookAtTarget;
      if (existing?.isDirectory) throw new RemoteError("exists", `"${rel}" is a folder`, { path: rel });
      if (typeof options.ifMatchFingerprint === "string") {
        const current = existing ? toRemoteEntry(rel, existing).fingerprint : undefined;
        if (current !== options.ifMatchFingerprint) {
          const why = existing ? `"${rel}" changed since fingerprint ${options.ifMatchFingerprint}` : `"${rel}" no longer exists`;
          throw new RemoteError("precondition_failed", why, { path: rel });
        }
      }
      const carry = { hidden: existing?.attributes.hidden === true, system: existing?.attributes.system === true };
      if (carry.hidden || carry.system) {
        await tree.setInfo(temp, { attributes: carry });
        written.attributes = { ...written.attributes, ...carry };
      }
    }
    try {
      await tree.rename(temp, target, { replace: !createOnly });
    } catch (e) {
      if (createOnly && e instanceof SmbError && e.kind === "exists") throw new RemoteError("exists", `"${rel}" already exists`, { path: rel, cause: e });
      throw e;
    }
    created = false;
    return toRemoteEntry(rel, { ...written, name: baseName(rel) });
  } catch (e) {
    // pipeline() rejects before the write stream has closed its handle; an unlink while the handle
    // is open only marks the temp file delete-pending, so it would linger until that close.
    if (ws && !ws.closed) await new Promise((resolve) => ws!.once("close", resolve));
    if (created) {
      await tree.unlink(temp).catch((err: unknown) => log?.warn({ path: rel, temp: baseName(temp), err: (err as Error).message }, "could not remove temporary upload"));
    }
    if (sourceError !== undefined && !(sourceError instanceof SmbError) && !(e instanceof RemoteError)) throw sourceError;
    throw toRemoteError(e, rel);
  }
}
