import { randomBytes } from "node:crypto";
import { close, closeSync, fstatSync, fsync, open as openFd, openSync } from "node:fs";
import { link, mkdir, opendir, rename, stat, unlink } from "node:fs/promises";
import { promisify } from "node:util";
import { join } from "node:path";
import { finished as onFinished, Readable, type Writable } from "node:stream";
import { finished } from "node:stream/promises";
import { AppError } from "../../core/errors.js";
import { blobPath, isSha256Hex, legacyBlobPath, tempDir } from "./blob-paths.js";
import { BlobPins } from "./blob-pins.js";
import type { BlobLeases } from "./blob-lease-store.js";
import { BlobReadStream } from "./blob-read-stream.js";
import { fileBlobReader, type BlobReader } from "./blob-reader.js";
import { BlobSink } from "./blob-sink.js";
import { startFileHash } from "./file-hasher.js";
import { TempFile } from "./temp-file.js";
import { resolveRange } from "./byte-range.js";
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from "../data-dir.js";

/** Chunk size for reads and the write buffer: big chunks keep syscalls and hash calls few. */
const IO_CHUNK = 1024 * 1024;
/**
 * Bytes a put buffers while a write is in flight: they go out together in the next writev. Large
 * enough that the writer rides out an fdatasync or a slow write without stopping its source (a
 * 1 GiB copy from SMB ran 20–30% faster with 8 MiB than with 1 MiB), small enough per upload.
 */
const SINK_BUFFER = 8 * IO_CHUNK;
const openAsync = promisify(openFd);
/** A temp file this old belongs to no live put (a crash left it); GC may remove it. */
const STALE_TEMP_MS = 60 * 60 * 1000;
/**
 * A blob a collection moved aside (`tmp/<sha256>.*.gc`) this long ago belongs to a collection that
 * died before deciding: the next collection decides for it. A live one decides in milliseconds.
 */
const STALE_HIDDEN_MS = 10 * 60 * 1000;
const HIDDEN_SUFFIX = ".gc";

export interface FsBlobStoreOptions {
  /**
   * Leases shared with every other process using this blob directory (several nodes on one
   * PostgreSQL). Without them the store assumes it is the only process collecting or writing.
   */
  leases?: BlobLeases;
  /** Test hook: runs after a shared collection moved an unreferenced blob aside, before it re-checks. */
  afterHide?: (sha256: string) => Promise<void>;
  /** When a blob left aside counts as abandoned by its collection (default STALE_HIDDEN_MS; tests). */
  staleHiddenMs?: number;
}

/** A put's hold on its content: the in-process pin and, shared, the database lease. */
interface Pinned {
  sha256: string;
  leaseId: string | undefined;
}

export interface StoredBlob {
  sha256: string;
  size: number;
  /** Unpins the blob. Idempotent. */
  release(): void;
}

export interface PutOptions {
  /** Upper bound on the content length; exceeding it fails with PAYLOAD_TOO_LARGE (nothing kept). */
  maxBytes?: number;
  /** Aborting fails the put with the signal's AbortError and removes the temp file. */
  signal?: AbortSignal;
  /**
   * Called once for each chunk of `source` (the object as received) after its bytes were hashed
   * and written to the temp file, when the store will never read it again, so its producer may
   * reuse the memory. Chunks of a failed put may never be handed back.
   */
  recycleChunk?: (chunk: Buffer) => void;
}

export interface BlobStore {
  /** Streams source to a temp file in the blob dir while hashing (SHA-256) and counting; renames into place as
   * blobs/ab/<sha256>. Identical content stored once. On any stream error or abort the temp file is removed and the
   * error rethrown. maxBytes exceeded -> AppError PAYLOAD_TOO_LARGE. The returned blob is pinned against garbage
   * collection until release() is called (call it after the DB row referencing it is committed, or on failure).
   *
   * On failure a caller's Node stream is unpiped but never destroyed (an HTTP layer can still
   * answer 413 on it); a premature close of the source counts as an error. */
  put(source: NodeJS.ReadableStream | AsyncIterable<Uint8Array>, opts?: PutOptions): Promise<StoredBlob>;
  /**
   * Moves a finished file into the store instead of copying it: hashes it once (SHA-256, one read
   * on the hashing worker), makes it durable and renames it into place, or removes it when the
   * store holds the content already. `path` must be on the store's filesystem — in
   * {@link uploadsDir} — and nothing may write to it any more. Pinned like {@link put}'s blobs. The
   * file is gone afterwards, also on failure (where it is removed).
   * @throws AppError VALIDATION_FAILED when the file's size is not `size`.
   */
  adopt(path: string, size: number): Promise<StoredBlob>;
  /** Read stream of the blob, optional inclusive byte range. Throws AppError NOT_FOUND if missing.
   *
   * An `end` past the content is clamped to the last byte; a start beyond it, a negative
   * start or end < start throws RANGE_NOT_SATISFIABLE. The stream holds the file open, so it
   * reads to the end even if the blob is collected meanwhile; it lends its chunks (see
   * BlobReadStream.releaseChunk). */
  open(sha256: string, range?: { start: number; end: number }): BlobReadStream;
  /**
   * The same bytes as {@link open}, read into the caller's buffers (see BlobReader); same errors. Close it when done.
   */
  openReader(sha256: string, range?: { start: number; end: number }): BlobReader;
  has(sha256: string): Promise<boolean>;
  /** Deletes blobs for which isReferenced() is false (skipping pinned ones and temp files younger than an hour). */
  collectGarbage(isReferenced: (sha256: string) => Promise<boolean>): Promise<{ removed: number; bytes: number }>;
  /** Size in bytes of a stored blob. Throws AppError NOT_FOUND if missing. */
  size(sha256: string): Promise<number>;
}

/**
 * Content-addressed blob store on a local filesystem.
 *
 * Layout: blobs at `<dir>/ab/<sha256>` (older data dirs also hold `<dir>/ab/cd/<sha256>`, which
 * is read and collected but never written), in-flight uploads at `<dir>/tmp/*.part` (same
 * filesystem, so the final rename is atomic and a reader never sees a partial blob). A put
 * fsyncs the temp file before the rename and the fanout directory after it, so a blob whose
 * put resolved survives a crash; fanout directories are created on first use and never removed.
 * Large puts also start background fdatasyncs while receiving (see BlobSink), which only moves
 * disk writeback earlier; the final fdatasync before the rename is still the durability point.
 *
 * Within one process, pins (counted, in memory) keep a collection away from a blob between its
 * put and the commit of the version that references it, and the `deleting` map hands a blob over
 * between a collection and a put of the same content.
 *
 * Several processes (nodes sharing one PostgreSQL and this directory on shared storage) pass
 * `leases`, and then a put and a collection on different nodes meet through the database and an
 * atomic rename, never through a file's age or a cached lookup:
 *
 * - A put takes a lease on the content (a committed `blob_leases` row) once it knows the hash and
 *   before it touches the blob's name, then always renames its own copy into place (even when the
 *   content is stored already), and drops the lease after the referencing version committed.
 * - A collection skips a blob that is referenced or leased; otherwise it first renames it aside
 *   (`tmp/<sha>.*.gc`), then asks again — lease first, then reference — and puts it back if either
 *   now holds, else unlinks it.
 *
 * Why no committed or in-flight blob is lost: take a put P of content X and a collection C that
 * moves X aside at time h and re-checks at r > h. If P's lease committed before r, C sees the
 * lease, or — when P already released it — the version P committed before releasing it (the
 * lease is asked first, so one of the two is seen), and puts X back; if P's own rename came
 * after h, its copy is in place anyway and the put-back finds the name taken, which is fine
 * (same bytes). If P's lease committed after r, P's rename came later still, so the name holds
 * P's fresh copy, which C never touched (C only unlinks the inode it moved aside). A dedup that
 * only checked that the name exists (instead of renaming over it) would not be safe: on shared
 * storage a lookup may be answered from a client cache after another node moved the file.
 * File ages (mtime grace periods) are not used: a rename keeps the temp file's mtime, a dedup
 * touches no file, and clocks and attribute caches differ between nodes.
 *
 * A lease expires after BLOB_LEASE_TTL_MS (a node that died mid-put) and a collection deletes
 * expired ones; a collection that died with a blob moved aside is finished by the next one
 * after STALE_HIDDEN_MS (put back if referenced or leased, else removed). A reader that opens a
 * blob in the milliseconds a racing collection holds it aside before putting it back gets
 * NOT_FOUND; that takes content that was unreferenced and is uploaded again at that instant.
 */
export function createFsBlobStore(dir: string, options: FsBlobStoreOptions = {}): BlobStore {
  const { leases } = options;
  const pins = new BlobPins();
  /** Deletions in flight, so a put of the same content waits before renaming into place. */
  const deleting = new Map<string, Promise<void>>();
  /** Renames not yet made durable, so a put deduplicated onto one waits for it before resolving. */
  const landing = new Map<string, Promise<void>>();
  /**
   * Fanout directories (ab, indexed by the first two hex digits) known to exist: they are never
   * removed, so a put into a known one renames straight away, and one into a new one creates it
   * first instead of paying a failed rename.
   */
  const knownLeaves = new Uint8Array(0x100);
  const creatingLeaf = new Map<number, Promise<void>>();
  let tempReady: Promise<unknown> | undefined;
  /**
   * Temp names: unique per store object (random prefix, counter); "wx+" still refuses a clash (read access is for the
   * hashing worker).
   */
  const tempPrefix = randomBytes(6).toString("hex");
  let tempSeq = 0;

  function ensureTempDir(): Promise<unknown> {
    tempReady ??= mkdir(tempDir(dir), { recursive: true, mode: PRIVATE_DIR_MODE }).catch((err: unknown) => {
      tempReady = undefined;
      throw err;
    });
    return tempReady;
  }

  /** Creates and opens a fresh temp file; the temp dir is made on first use (and again if removed). */
  async function newTempFile(): Promise<TempFile> {
    for (let attempt = 0; ; attempt++) {
      await ensureTempDir();
      const tmp = join(tempDir(dir), `${Date.now()}-${tempPrefix}-${++tempSeq}.part`);
      try {
        return new TempFile(tmp, await openAsync(tmp, "wx+", PRIVATE_FILE_MODE));
      } catch (err) {
        if (!isErrno(err, "ENOENT") || attempt > 0) throw err;
        tempReady = undefined;
      }
    }
  }

  async function put(
    source: NodeJS.ReadableStream | AsyncIterable<Uint8Array>,
    opts: PutOptions = {},
  ): Promise<StoredBlob> {
    const { maxBytes, signal } = opts;
    if (maxBytes !== undefined && (!Number.isSafeInteger(maxBytes) || maxBytes < 0)) {
      throw new AppError("VALIDATION_FAILED", "maxBytes must be a non-negative integer", { maxBytes });
    }
    signal?.throwIfAborted();
    const temp = await newTempFile();
    // The sink writes to the plain descriptor but does not own it: the descriptor outlives the
    // stream for the fsync that makes the rename crash-safe.
    const sink = new BlobSink(temp.fd, maxBytes, SINK_BUFFER, opts.recycleChunk);
    let pinned: Pinned | undefined;
    try {
      await receive(source, sink, signal);
      const size = sink.size;
      const sha256 = await sink.digest();
      pinned = await pin(sha256);
      await land(sha256, temp);
      return pinnedBlob(pinned, size);
    } catch (err) {
      if (pinned !== undefined) unpin(pinned);
      // The hashing worker reads the descriptor until the job is over: a closed descriptor number
      // could be reused by another file meanwhile.
      await sink.abandon();
      await temp.discard();
      throw err;
    }
  }

  async function adopt(path: string, size: number): Promise<StoredBlob> {
    const temp = new TempFile(path, await openAsync(path, "r+"));
    let pinned: Pinned | undefined;
    try {
      const actual = fstatSync(temp.fd).size;
      if (actual !== size)
        throw new AppError("VALIDATION_FAILED", `the file holds ${actual} bytes, ${size} were expected`, { size });
      const hash = startFileHash(temp.fd);
      let sha256: string;
      try {
        sha256 = await hash.finish(size);
      } catch (err) {
        await hash.abort().catch(() => undefined);
        throw err;
      }
      pinned = await pin(sha256);
      await land(sha256, temp);
      return pinnedBlob(pinned, size);
    } catch (err) {
      if (pinned !== undefined) unpin(pinned);
      await temp.discard();
      throw err;
    }
  }

  async function receive(
    source: NodeJS.ReadableStream | AsyncIterable<Uint8Array>,
    sink: BlobSink,
    signal?: AbortSignal,
  ): Promise<void> {
    const feed = feedInto(source, sink);
    try {
      await finished(sink, signal ? { signal } : {});
    } finally {
      feed.stop();
    }
    await sink.settle();
  }

  /** Pins the content in this process and, shared, leases it for every node (before its name is touched). */
  async function pin(sha256: string): Promise<Pinned> {
    pins.pin(sha256);
    try {
      return { sha256, leaseId: leases ? await leases.acquire(sha256) : undefined };
    } catch (err) {
      pins.unpin(sha256);
      throw err;
    }
  }

  function unpin(pinned: Pinned): void {
    pins.unpin(pinned.sha256);
    if (pinned.leaseId !== undefined) leases!.release(pinned.leaseId);
  }

  /** Puts the temp file's content in place: renamed in, or dropped when this process knows it is stored. */
  async function land(sha256: string, temp: TempFile): Promise<void> {
    await deleting.get(sha256)?.catch(() => undefined);
    // Shared: always renamed over (see the protocol above), a lookup could be stale.
    if (!leases && (await exists(blobPath(dir, sha256)))) await dropDuplicate(sha256, temp);
    else await landNew(sha256, temp);
  }

  /** The content is stored already: this copy goes. */
  async function dropDuplicate(sha256: string, temp: TempFile): Promise<void> {
    // The copy may have been renamed by a put whose directory fsync is still running.
    await landing.get(sha256)?.catch(() => undefined);
    await temp.remove();
  }

  /** Renames the temp file into place and waits until a crash can no longer lose it. */
  async function landNew(sha256: string, temp: TempFile): Promise<void> {
    await temp.syncAndClose();
    const tmp = temp.handOver();
    const leafIndex = Number.parseInt(sha256.slice(0, 2), 16);
    // A put that is creating this leaf has not synced its parent yet; landing beside it
    // before that would let this put resolve with a blob a crash could still lose.
    await creatingLeaf.get(leafIndex)?.catch(() => undefined);
    const leafKnown = knownLeaves[leafIndex] === 1;
    const landed = landDurably(dir, tmp, blobPath(dir, sha256), leafKnown).then(() => {
      knownLeaves[leafIndex] = 1;
    });
    if (!leafKnown) {
      creatingLeaf.set(leafIndex, landed);
      void landed
        .catch(() => undefined)
        .finally(() => {
          if (creatingLeaf.get(leafIndex) === landed) creatingLeaf.delete(leafIndex);
        });
    }
    landing.set(sha256, landed);
    try {
      await landed;
    } finally {
      if (landing.get(sha256) === landed) landing.delete(sha256);
    }
  }

  function pinnedBlob(pinned: Pinned, size: number): StoredBlob {
    let released = false;
    return {
      sha256: pinned.sha256,
      size,
      release() {
        if (released) return;
        released = true;
        unpin(pinned);
      },
    };
  }

  /** Opens the blob's file and resolves the range; the caller owns the descriptor. */
  function openRange(
    sha256: string,
    range?: { start: number; end: number },
  ): { fd: number; start: number; end: number } {
    if (!isSha256Hex(sha256)) throw notFound(sha256);
    let fd: number;
    try {
      fd = openSync(blobPath(dir, sha256), "r");
    } catch (err) {
      if (!isErrno(err, "ENOENT")) throw err;
      try {
        fd = openSync(legacyBlobPath(dir, sha256), "r");
      } catch (legacyErr) {
        if (isErrno(legacyErr, "ENOENT")) throw notFound(sha256);
        throw legacyErr;
      }
    }
    // The open descriptor keeps the inode alive even if GC unlinks the blob while it is read.
    try {
      return { fd, ...resolveRange(fstatSync(fd).size, range) };
    } catch (err) {
      closeSync(fd);
      throw err;
    }
  }

  function openReader(sha256: string, range?: { start: number; end: number }): BlobReader {
    const { fd, start, end } = openRange(sha256, range);
    return fileBlobReader(fd, start, end);
  }

  async function has(sha256: string): Promise<boolean> {
    return (
      isSha256Hex(sha256) && ((await exists(blobPath(dir, sha256))) || (await exists(legacyBlobPath(dir, sha256))))
    );
  }

  async function size(sha256: string): Promise<number> {
    if (!isSha256Hex(sha256)) throw notFound(sha256);
    for (const path of [blobPath(dir, sha256), legacyBlobPath(dir, sha256)]) {
      try {
        return (await stat(path)).size;
      } catch (err) {
        if (!isErrno(err, "ENOENT")) throw err;
      }
    }
    throw notFound(sha256);
  }

  /**
   * Walks every blob; one that is neither pinned nor referenced is unlinked. isReferenced is
   * asked once per blob; if it throws, the collection stops and rethrows (never delete on doubt).
   * The pin check is repeated after isReferenced resolves, and the deletion is registered in the
   * same tick, so a put that lands the same content meanwhile either is seen as pinned or waits
   * for the unlink and then renames its own copy into place.
   */
  async function collectGarbage(
    isReferenced: (sha256: string) => Promise<boolean>,
  ): Promise<{ removed: number; bytes: number }> {
    let removed = 0;
    let bytes = 0;
    /** Visits the blobs of one directory; `prefix` is what their names must start with. */
    const collectIn = async (leaf: string, prefix: string, legacyLeaves?: string[]) => {
      for await (const entry of await opendir(leaf)) {
        const sha256 = entry.name;
        if (legacyLeaves && entry.isDirectory() && /^[0-9a-f]{2}$/.test(sha256)) legacyLeaves.push(sha256);
        if (!entry.isFile() || !isSha256Hex(sha256) || !sha256.startsWith(prefix)) continue;
        if (pins.isPinned(sha256)) continue;
        if (await isReferenced(sha256)) continue;
        if (pins.isPinned(sha256) || deleting.has(sha256)) continue;
        if (leases && (await leases.isLeased(sha256))) continue;
        const path = join(leaf, sha256);
        const removal = leases
          ? removeShared(sha256, path, isReferenced).then((size) => {
              if (size === undefined) return;
              removed += 1;
              bytes += size;
            })
          : (async () => {
              const st = await stat(path);
              await unlink(path);
              removed += 1;
              bytes += st.size;
            })();
        deleting.set(sha256, removal);
        try {
          await removal;
        } catch (err) {
          if (!isErrno(err, "ENOENT")) throw err;
        } finally {
          deleting.delete(sha256);
        }
      }
    };
    if (leases) await leases.sweep();
    for (const l1 of await hexDirs(dir)) {
      const legacyLeaves: string[] = [];
      await collectIn(join(dir, l1), l1, legacyLeaves);
      for (const l2 of legacyLeaves.sort()) await collectIn(join(dir, l1, l2), l1 + l2);
    }
    await removeStaleTemps(isReferenced);
    return { removed, bytes };
  }

  /**
   * Shared collection of one unreferenced, unleased blob: moved aside, asked about again (lease
   * first, then reference, then this process's pins), then removed or put back. Resolves with the
   * bytes removed, undefined when kept (or gone already).
   */
  async function removeShared(
    sha256: string,
    path: string,
    isReferenced: (sha256: string) => Promise<boolean>,
  ): Promise<number | undefined> {
    await ensureTempDir();
    const hidden = join(tempDir(dir), `${sha256}.${tempPrefix}-${++tempSeq}${HIDDEN_SUFFIX}`);
    try {
      await rename(path, hidden);
    } catch (err) {
      if (isErrno(err, "ENOENT")) return undefined;
      throw err;
    }
    let keep = true;
    try {
      await options.afterHide?.(sha256);
      keep = (await leases!.isLeased(sha256)) || (await isReferenced(sha256)) || pins.isPinned(sha256);
    } finally {
      // On doubt (a failed query) the blob goes back.
      if (keep) await putBack(hidden, path);
    }
    if (keep) return undefined;
    const { size } = await stat(hidden);
    await unlink(hidden);
    return size;
  }

  /** Puts a blob moved aside back under its name (durably); a copy landed there meanwhile wins. */
  async function putBack(hidden: string, path: string): Promise<void> {
    try {
      await link(hidden, path);
      await fsyncDir(join(path, ".."));
    } catch (err) {
      if (!isErrno(err, "EEXIST")) throw err;
    }
    await unlink(hidden);
  }

  /**
   * Removes temp files a crash left (older than STALE_TEMP_MS) and finishes what a dead shared
   * collection left aside (older than STALE_HIDDEN_MS): put back when referenced or leased.
   */
  async function removeStaleTemps(isReferenced: (sha256: string) => Promise<boolean>): Promise<void> {
    let handle;
    try {
      handle = await opendir(tempDir(dir));
    } catch (err) {
      if (isErrno(err, "ENOENT")) return;
      throw err;
    }
    const now = Date.now();
    for await (const entry of handle) {
      if (!entry.isFile()) continue;
      const path = join(tempDir(dir), entry.name);
      const sha256 = entry.name.slice(0, 64);
      const hidden = entry.name.endsWith(HIDDEN_SUFFIX) && isSha256Hex(sha256);
      try {
        const st = await stat(path);
        if (hidden) {
          // The rename aside set ctime. Deciding for a live collection would be safe too (any
          // decision made after the move is, see above); the wait only avoids doing it twice.
          if (now - Math.max(st.mtimeMs, st.ctimeMs) < (options.staleHiddenMs ?? STALE_HIDDEN_MS)) continue;
          const keep = ((await leases?.isLeased(sha256)) ?? false) || (await isReferenced(sha256));
          if (keep) await putBack(path, blobPath(dir, sha256));
          else await unlink(path);
        } else if (now - st.mtimeMs > STALE_TEMP_MS) {
          await unlink(path);
        }
      } catch (err) {
        if (!isErrno(err, "ENOENT")) throw err;
      }
    }
  }

  return {
    put,
    adopt,
    open: (sha256, range) => new BlobReadStream(openReader(sha256, range)),
    openReader,
    has,
    collectGarbage,
    size,
  };
}

/**
 * Renames a synced temp file into place and fsyncs the directories whose entries changed, so
 * the blob survives a crash once this resolves. The temp file is removed if the rename fails.
 */
async function landDurably(dir: string, tmp: string, target: string, leafKnown: boolean): Promise<void> {
  const leaf = join(target, "..");
  try {
    let created: string | undefined;
    if (!leafKnown) created = await mkdir(leaf, { recursive: true, mode: PRIVATE_DIR_MODE });
    try {
      await rename(tmp, target);
    } catch (err) {
      // A known leaf removed behind our back: recreate it.
      if (!leafKnown || !isErrno(err, "ENOENT")) throw err;
      created = await mkdir(leaf, { recursive: true, mode: PRIVATE_DIR_MODE });
      await rename(tmp, target);
    }
    // Only directories that gained an entry need a sync: the fanout directory (the blob), and
    // the parent of each directory mkdir created. They are independent, so they are synced
    // concurrently.
    const dirs = [leaf];
    if (created !== undefined) {
      dirs.push(dir);
      if (created !== leaf) dirs.push(join(dir, ".."));
    }
    await Promise.all(dirs.map(fsyncDir));
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}

async function hexDirs(path: string): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const entry of await opendir(path)) {
      if (entry.isDirectory() && /^[0-9a-f]{2}$/.test(entry.name)) names.push(entry.name);
    }
  } catch (err) {
    if (isErrno(err, "ENOENT")) return names;
    throw err;
  }
  return names.sort();
}

/** open + fsync + close with the callback API: no FileHandle, one promise (it runs once or more per put). */
function fsyncDir(path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    openFd(path, "r", (openErr, fd) => {
      if (openErr) return reject(openErr);
      fsync(fd, (syncErr) => {
        close(fd, (closeErr) => {
          const err = syncErr ?? closeErr;
          if (err) reject(err);
          else resolve();
        });
      });
    });
  });
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (err) {
    if (isErrno(err, "ENOENT")) return false;
    throw err;
  }
}

/**
 * Pipes source into sink, turning a source error or premature close into a sink error. A
 * caller's stream is only unpiped on failure, never destroyed: on PAYLOAD_TOO_LARGE an HTTP
 * request must stay alive so its response (413) can still be sent. Streams made here from an
 * async iterable or an old-style stream are ours and are destroyed on stop() if unfinished.
 */
function feedInto(source: NodeJS.ReadableStream | AsyncIterable<Uint8Array>, sink: Writable): { stop(): void } {
  const owned = !(source instanceof Readable);
  const input =
    source instanceof Readable
      ? source
      : typeof (source as NodeJS.ReadableStream).pipe === "function"
        ? new Readable({ highWaterMark: IO_CHUNK }).wrap(source as NodeJS.ReadableStream)
        : Readable.from(source as AsyncIterable<Uint8Array>, { objectMode: false });
  const stopWatching = onFinished(input, { writable: false }, (err) => {
    if (err) sink.destroy(err);
  });
  input.pipe(sink);
  return {
    stop() {
      stopWatching();
      input.unpipe(sink);
      if (owned && !input.readableEnded) input.destroy();
    },
  };
}

function notFound(sha256: string): AppError {
  return new AppError("NOT_FOUND", "blob not found", { sha256 });
}

function isErrno(err: unknown, code: string): boolean {
  return (err as NodeJS.ErrnoException | null)?.code === code;
}
