/**
 * Atomic create-or-replace of one file on an SMB share: nothing is visible at the target until
 * every byte arrived, and a file another client holds open denying write or delete (an Office
 * document being edited) is never replaced. Steps:
 *
 * 1. create a temp file in the target's folder (`smb-temp-name.ts`; create-only, with the hidden
 *    attribute set by the CREATE itself) and stream the source into it. A temp name the server
 *    refuses (STATUS_OBJECT_NAME_NOT_FOUND in an existing folder: Samba's `veto files`) is
 *    retried under the next spelling, before the source is read;
 * 2. fail with `changed_during_transfer` if the source delivers a byte count other than `size`
 *    (checked as bytes pass, before the end reaches SMB) or the server acknowledged another count;
 * 3. set LastWriteTime = `mtimeMs` on the temp file, clear its hidden flag, check its size on
 *    the server;
 * 4. unless create-only, open the target with DELETE (and, when the file is writable, WRITE_DATA)
 *    access, sharing everything: a sharing violation means another open does not share delete or
 *    write → `locked`, nothing changed, the next run retries. The open also tells a folder
 *    (`exists`) and the target's current fingerprint, checked against `ifMatchFingerprint`
 *    (`precondition_failed`); the old file's hidden/system flags are carried over;
 * 5. rename the temp file over the target (without replace for create-only writes: a taken name
 *    → `exists`), in the same compound request that closes the handle of step 4.
 *
 * Why step 4 holds the target until step 5: while our handle with DELETE access is open, no
 * other client can open the file denying delete or write, so the lock seen at step 4 is the lock
 * at the rename. Samba checks share modes at open time only and lets a rename replace a file that
 * another client's process holds open (measured on 4.17), so this check is the only protection
 * there; it refuses a rename over a file our own session holds open, hence the CLOSE in the same
 * compound, which the server processes right before the rename without a network round trip in
 * between. Windows servers refuse to replace an open file by themselves.
 *
 * On any failure the temp file is deleted (if the connection is gone it stays behind: walks skip
 * temp names, and the owner's next walk deletes it, see `smb-walk.ts`). The source's own error is
 * rethrown as is; every other failure is a RemoteError. The result carries the new file's id: a
 * rename-over gives the target the temp file's id.
 *
 * When the server refuses every temp spelling, the file is written in place as a last resort
 * (logged as a warning): the open for writing shares only reading, so a client holding the file
 * open for writing, or denying writes, still makes it `locked` before anything is truncated, and
 * the size and precondition are checked as above. What is lost is atomicity: other clients may
 * read a partly written file meanwhile, and a failed upload of an existing file leaves it
 * incomplete on the share (a new file is deleted again); the error says so. A target name the
 * server refuses as well fails with `invalid_name` naming every refused name.
 */
import { Transform, type Readable, type TransformCallback } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Logger } from "pino";
import {
  FileAccess,
  FileShare,
  NtStatus,
  SmbError,
  type SmbFileInfo,
  type SmbOpenFile,
  type SmbTree,
  type SmbWriteStream,
} from "../../protocols/smb/index.js";
import { RemoteError } from "../../sync/remote-errors.js";
import { baseName, joinPath, parentPath, type RemoteEntry, type WriteOptions } from "../../sync/remote.js";
import { toRemoteEntry } from "./smb-entry.js";
import { toRemoteError } from "./smb-error-mapping.js";
import { vetoMessage } from "./smb-name-rules.js";
import { newSmbTempNames } from "./smb-temp-name.js";

/** MS-FSCC 2.6 file attributes the write sets on the final file. */
const ATTR_HIDDEN = 0x02;
const ATTR_SYSTEM = 0x04;
const ATTR_ARCHIVE = 0x20;

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
    return new RemoteError("changed_during_transfer", `source delivered ${got} bytes, expected ${this.expected}`, {
      path: this.path,
    });
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
 * A CREATE in an existing folder that fails with STATUS_OBJECT_NAME_NOT_FOUND was refused for its
 * name: Samba answers so for a name its `veto files` matches (a missing folder is
 * STATUS_OBJECT_PATH_NOT_FOUND).
 */
function refusesName(e: unknown): e is SmbError {
  return e instanceof SmbError && e.status === NtStatus.OBJECT_NAME_NOT_FOUND;
}

function vetoText(names: string[]): string {
  const quoted = names.map((n) => `'${n}'`);
  const list = quoted.length === 1 ? quoted[0] : `${quoted.slice(0, -1).join(", ")} and ${quoted.at(-1)}`;
  return vetoMessage(`name${names.length === 1 ? "" : "s"} ${list}`, names.length);
}

function lockedError(rel: string, cause: unknown): RemoteError {
  return new RemoteError(
    "locked",
    `"${rel}" is open in another program that does not let others ` +
      `change or delete it (STATUS_SHARING_VIOLATION); it was left unchanged and is retried on the next run`,
    { path: rel, cause },
  );
}

function checkPrecondition(rel: string, existing: SmbFileInfo | undefined, options: WriteOptions): void {
  if (existing?.isDirectory) throw new RemoteError("exists", `"${rel}" is a folder`, { path: rel });
  if (typeof options.ifMatchFingerprint !== "string") return;
  const current = existing ? toRemoteEntry(rel, existing).fingerprint : undefined;
  if (current !== options.ifMatchFingerprint) {
    const why = existing
      ? `"${rel}" changed since fingerprint ${options.ifMatchFingerprint}`
      : `"${rel}" no longer exists`;
    throw new RemoteError("precondition_failed", why, { path: rel });
  }
}

/**
 * Opens the target so that no other client can lock it until the rename (see the module
 * comment). Returns no handle when the target does not exist, or when the account may not open it
 * for DELETE at all (the rename then answers for itself, as it did before this check existed).
 */
async function holdTarget(
  tree: SmbTree,
  target: string,
  rel: string,
): Promise<{ guard?: SmbOpenFile; existing?: SmbFileInfo }> {
  const base = FileAccess.DELETE | FileAccess.READ_ATTRIBUTES | FileAccess.SYNCHRONIZE;
  // WRITE_DATA too, so that an open sharing delete but not write also counts as a lock; a
  // read-only file refuses it (access denied), and then DELETE alone is asked.
  for (const access of [base | FileAccess.WRITE_DATA, base]) {
    let guard: SmbOpenFile;
    try {
      guard = await tree.open(target, { access, share: FileShare.ALL, directory: false });
    } catch (e) {
      if (!(e instanceof SmbError)) throw e;
      if (e.kind === "not_found") return {};
      if (e.status === NtStatus.FILE_IS_A_DIRECTORY)
        throw new RemoteError("exists", `"${rel}" is a folder`, { path: rel, cause: e });
      if (e.kind === "sharing_violation") throw lockedError(rel, e);
      if (e.kind === "access_denied" && access !== base) continue;
      if (e.kind === "access_denied") return { existing: await statIfExists(tree, target) };
      throw e;
    }
    try {
      // The fingerprint needs the file id; a server that did not answer QFid is asked again.
      return { guard, existing: guard.info.fileId !== 0n ? guard.info : await tree.stat(target) };
    } catch (e) {
      await guard.close().catch(() => undefined);
      throw e;
    }
  }
  return {};
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
  let sourceError: unknown;
  source.once("error", (e) => (sourceError ??= e));
  const refused: string[] = [];
  let temp: string | undefined;
  let ws: SmbWriteStream | undefined;
  try {
    for (const name of newSmbTempNames(tempKey)) {
      const path = joinPath(parentPath(target), name);
      try {
        ws = await tree.openWriteStream(path, {
          disposition: "create",
          hidden: true,
          onChunkFree: options.recycleChunk,
        });
        temp = path;
        break;
      } catch (e) {
        if (!refusesName(e)) throw e;
        refused.push(name);
        log?.warn(
          { path: rel, temp: name, status: e.statusName },
          "the server refused a temporary upload name; trying another",
        );
      }
    }
  } catch (e) {
    // Nothing was read from the source: it stays its caller's (an HTTP upload can still be answered).
    throw toRemoteError(e, rel);
  }
  if (!ws || !temp) return writeInPlace(tree, target, rel, source, options, refused, log);

  let created = true;
  let guard: SmbOpenFile | undefined;
  try {
    const counter = new ByteCounter(options.size, rel);
    await pipeline(source, counter, ws);
    if (counter.count !== options.size || ws.bytesWrittenToServer !== options.size) {
      throw new RemoteError(
        "changed_during_transfer",
        `server acknowledged ${ws.bytesWrittenToServer} bytes, expected ${options.size}`,
        { path: rel },
      );
    }
    await tree.setInfo(temp, { lastWriteTime: new Date(options.mtimeMs), attributes: ATTR_ARCHIVE });
    const written = await tree.stat(temp);
    if (written.size !== options.size) {
      throw new RemoteError("changed_during_transfer", `server holds ${written.size} bytes, expected ${options.size}`, {
        path: rel,
      });
    }

    const createOnly = options.ifMatchFingerprint === null;
    if (!createOnly) {
      const held = await holdTarget(tree, target, rel);
      guard = held.guard;
      checkPrecondition(rel, held.existing, options);
      const carry =
        (held.existing?.attributes.hidden ? ATTR_HIDDEN : 0) | (held.existing?.attributes.system ? ATTR_SYSTEM : 0);
      if (carry) {
        await tree.setInfo(temp, { attributes: ATTR_ARCHIVE | carry });
        written.attributes = {
          ...written.attributes,
          hidden: (carry & ATTR_HIDDEN) !== 0,
          system: (carry & ATTR_SYSTEM) !== 0,
        };
      }
    }
    try {
      await tree.rename(temp, target, { replace: !createOnly, closeFirst: guard });
    } catch (e) {
      if (createOnly && e instanceof SmbError && e.kind === "exists")
        throw new RemoteError("exists", `"${rel}" already exists`, { path: rel, cause: e });
      if (refusesName(e) && (await statIfExists(tree, temp).catch(() => undefined))) {
        throw new RemoteError("invalid_name", vetoText([baseName(rel)]), { path: rel, cause: e });
      }
      throw e;
    }
    created = false;
    return toRemoteEntry(rel, { ...written, name: baseName(rel) });
  } catch (e) {
    await guard?.close().catch(() => undefined);
    // pipeline() rejects before the write stream has closed its handle; an unlink while the handle
    // is open only marks the temp file delete-pending, so it would linger until that close.
    if (!ws.closed) await new Promise((resolve) => ws!.once("close", resolve));
    if (created) {
      await tree
        .unlink(temp)
        .catch((err: unknown) =>
          log?.warn(
            { path: rel, temp: baseName(temp!), err: (err as Error).message },
            "could not remove temporary upload",
          ),
        );
    }
    if (sourceError !== undefined && !(sourceError instanceof SmbError) && !(e instanceof RemoteError))
      throw sourceError;
    throw toRemoteError(e, rel);
  }
}

/**
 * The last resort when the share refuses every temp name: the bytes go straight into the target
 * (see the module comment for what that gives up).
 */
async function writeInPlace(
  tree: SmbTree,
  target: string,
  rel: string,
  source: Readable,
  options: WriteOptions,
  refused: string[],
  log?: Logger,
): Promise<RemoteEntry> {
  const why = vetoText(refused);
  log?.warn(
    { path: rel, refused },
    `${why}; writing the file in place, without the atomic temp ` +
      `file + rename: other clients may read it half written, and a failed upload leaves it incomplete`,
  );
  let sourceError: unknown;
  source.once("error", (e) => (sourceError ??= e));
  const createOnly = options.ifMatchFingerprint === null;
  let ws: SmbWriteStream;
  let existed: boolean;
  try {
    const existing = createOnly ? undefined : await statIfExists(tree, target);
    checkPrecondition(rel, existing, options);
    existed = existing !== undefined;
    // Sharing only reading: an open of another client that writes, or denies writing, fails this
    // open (sharing violation) before the file is truncated.
    ws = await tree.openWriteStream(target, {
      disposition: createOnly ? "create" : existed ? "overwrite" : "overwriteIf",
      onChunkFree: options.recycleChunk,
    });
  } catch (e) {
    if (e instanceof SmbError && e.kind === "sharing_violation") throw lockedError(rel, e);
    if (createOnly && e instanceof SmbError && e.kind === "exists")
      throw new RemoteError("exists", `"${rel}" already exists`, { path: rel, cause: e });
    if (refusesName(e))
      throw new RemoteError("invalid_name", vetoText([...refused, baseName(rel)]), { path: rel, cause: e });
    throw toRemoteError(e, rel);
  }
  try {
    const counter = new ByteCounter(options.size, rel);
    await pipeline(source, counter, ws);
    if (counter.count !== options.size || ws.bytesWrittenToServer !== options.size) {
      throw new RemoteError(
        "changed_during_transfer",
        `server acknowledged ${ws.bytesWrittenToServer} bytes, expected ${options.size}`,
        { path: rel },
      );
    }
    await tree.setInfo(target, { lastWriteTime: new Date(options.mtimeMs) });
    const written = await tree.stat(target);
    if (written.size !== options.size) {
      throw new RemoteError("changed_during_transfer", `server holds ${written.size} bytes, expected ${options.size}`, {
        path: rel,
      });
    }
    return toRemoteEntry(rel, { ...written, name: baseName(rel) });
  } catch (e) {
    if (!ws.closed) await new Promise((resolve) => ws.once("close", resolve));
    const lost = existed
      ? `"${rel}" was being written in place (${why}), so it may now be incomplete on the share`
      : `"${rel}" was being written in place (${why}) and was removed again`;
    if (!existed) await tree.unlink(target).catch(() => undefined);
    log?.error({ path: rel, err: (e as Error).message }, lost);
    if (sourceError !== undefined && !(sourceError instanceof SmbError) && !(e instanceof RemoteError))
      throw sourceError;
    const err = toRemoteError(e, rel);
    throw new RemoteError(err.kind, `${err.message}; ${lost}`, {
      path: rel,
      retryable: err.retryable,
      cause: err.cause ?? e,
    });
  }
}
