/**
 * The Remote interface: the one shape the sync engine sees for every system it keeps in step —
 * an SMB share, a SharePoint library, and the ScaiDrive share subtree itself. The planner,
 * executor, conflict rules, filters, job accounting and resumability are written once against
 * it; an adapter translates its system into it and declares what it can do in
 * {@link RemoteCapabilities}. Optional abilities are tested by capability, never by adapter name.
 *
 * Paths are relative to the remote's root, "/"-separated, NFC-normalised, without a leading or
 * trailing slash; the root itself is "". Every method throws {@link RemoteError} (never a bare
 * Error for a condition listed here) so the engine can classify failures.
 */
import type { Readable } from "node:stream";

export interface RemoteCapabilities {
  /** `changes(cursor)` is implemented (Graph delta). */
  delta: boolean;
  /** `versions` / `readVersion` are implemented. */
  versions: boolean;
  /** `acl(path)` is implemented. */
  acl: boolean;
  /** `fields(path)` is implemented (SharePoint list columns, ScaiDrive metadata). */
  metadata: boolean;
  /** Names that differ only in case are the same name (SMB, SharePoint). */
  caseInsensitive: boolean;
  /**
   * Hash algorithms the remote reports in {@link RemoteEntry.hashes} without reading content, e.g. `sha256`,
   * `quickXorHash`.
   */
  hashes: string[];
  /** Entries may carry `checkoutOwner`; checked-out files are not written. */
  checkouts: boolean;
  /** The remote can push change notifications (not used by the engine yet). */
  notify: boolean;
  /** `write(..., {mtime})` stores the given modification time (so `stat` returns it). */
  preservesMtime: boolean;
  /**
   * The remote may hand a deleted item's id to a new item (SMB: the FileId is the inode number,
   * which the file system reuses at once). The planner then takes a file at a new path with a
   * base file's id for a rename only while its fingerprint is unchanged, as a rename leaves it.
   */
  reusesIds?: boolean;
  /**
   * Most requests the remote should see at once from one run, when it limits them (SharePoint
   * Online throttles an app that runs many requests in parallel); the engine then runs at most
   * this many items in flight. Absent: the engine's own limit.
   */
  maxInFlight?: number;
}

export type EntryKind = "file" | "folder";

export interface RemoteEntry {
  path: string;
  kind: EntryKind;
  /** Bytes; 0 for folders. */
  size: number;
  /** Last modification, milliseconds since the epoch. */
  mtimeMs: number;
  /** Stable identity across renames (SMB file id, Graph item id, ScaiDrive node id), when the remote has one. */
  id?: string;
  /**
   * Opaque token that changes whenever the content changes (SMB: size + last-write + file id;
   * SharePoint: quickXorHash + size; ScaiDrive: current version id). Equal fingerprints mean unchanged content;
   * different fingerprints may still hold identical bytes. Folders may use "".
   */
  fingerprint: string;
  /** Content hashes the remote knows without reading, keyed by algorithm (see capabilities.hashes). */
  hashes?: Record<string, string>;
  hidden?: boolean;
  system?: boolean;
  /**
   * Symlink, junction or other reparse point — or a folder the walk found to loop back to one of
   * its ancestors: reported, never followed, never synced. A link's target is synced where it lives.
   */
  reparsePoint?: boolean;
  /** For a flagged `reparsePoint`: what it is, for the job log's skipped entry (absent: a link). */
  reparseReason?: string;
  /**
   * The item's own name when the listing shows it under a server-made alias in `path` (Samba
   * lists a name Windows clients cannot hold, such as `aux.txt`, as a mangled 8.3 name such as
   * `AHY9U3~9.TXT`; both names reach the item). The planner matches such an entry to an item it
   * already knows by the real name (base or other side), never taking one name for a rename of
   * the other; otherwise the item keeps the alias.
   */
  realName?: string;
  /** Who holds the file checked out, when the remote has check-outs. */
  checkoutOwner?: string;
  /** Owner principal as the remote names it, when the walk gets it cheaply (used to map owners). */
  owner?: string;
  /**
   * A package the remote treats as one opaque item (OneNote notebook); synced as a file-like blob only if the adapter
   * can read it.
   */
  opaquePackage?: boolean;
  /** Adapter extras kept in file-states (eTag, cTag, quickXorHash...). Must be JSON-serialisable. */
  extra?: Record<string, unknown>;
  /**
   * Set on a folder whose content the adapter could not list (access denied to the service
   * account, vanished mid-walk...): the reason, for the job log. The walk yields no children for
   * it, and the engine must not read that silence as deletions: everything synced below it is
   * left as it is on both sides (nothing deleted, nothing pushed into it) until a run can list
   * it again. Absent on every listable folder and on files.
   */
  childrenUnknown?: string;
}

/** One page of a delta query. Apply `upserts` and `deletions`, then `cursor` resumes after this page. */
export interface ChangePage {
  /** New or changed entries, with their current path (a rename is an upsert of the same id at a new path). */
  upserts: RemoteEntry[];
  /** Removed items by stable id; a removed folder implies its descendants. */
  deletions: Array<{ id: string; path?: string }>;
  cursor: string;
}

export interface ByteRange {
  /** First byte, inclusive. */
  start: number;
  /** Last byte, inclusive; absent means to the end. */
  end?: number;
}

export interface WriteOptions {
  /** Exact byte count the source will deliver; a stream that ends short or long must not be committed. */
  size: number;
  /** Modification time to store (when capabilities.preservesMtime). */
  mtimeMs: number;
  /**
   * Precondition on the destination: a fingerprint means "only if the current entry still has
   * it", `null` means "only if nothing exists at the path", absent means unconditional.
   * Violations throw `precondition_failed` (or `exists` for null) and leave the destination as it was.
   */
  ifMatchFingerprint?: string | null;
  /** The source's owner principal (as the source names it); adapters that can set owners map it, others ignore it. */
  owner?: string;
  /**
   * Given when the source stream can reuse the memory of chunks it emitted (see
   * {@link ChunkRecycling}). The destination may call it for a chunk of `source`, exactly as
   * received, once it will never read that chunk (or any view of it) again; the memory is then
   * overwritten by later data. Calling it is optional: a chunk never handed back is simply
   * garbage-collected.
   */
  recycleChunk?: (chunk: Buffer) => void;
}

/**
 * A source stream whose chunks view buffers it would rather reuse than have collected (the SMB
 * read stream's receive frames: fresh 1 MiB ArrayBuffers per chunk cost a busy server full GCs).
 * The same contract as {@link WriteOptions.recycleChunk}: only a chunk nothing reads any more.
 */
export interface ChunkRecycling {
  releaseChunk(chunk: Buffer): void;
}

export function recyclesChunks(stream: unknown): stream is ChunkRecycling {
  return typeof (stream as Partial<ChunkRecycling> | null)?.releaseChunk === "function";
}

/**
 * A source stream that delivers exactly the bytes whose SHA-256 is `contentSha256` (a read of
 * content-addressed storage by its hash, as ScaiDrive's versions are), so a copy need not hash
 * them again.
 */
export interface KnownContent {
  readonly contentSha256: string;
}

export function knowsContent(stream: unknown): stream is KnownContent {
  return typeof (stream as Partial<KnownContent> | null)?.contentSha256 === "string";
}

export interface MkdirOptions {
  mtimeMs?: number;
  owner?: string;
}

export interface AclEntry {
  /** The remote's principal name (`CORP\\alice`, a SID, an Entra object id...). */
  principal: string;
  principalType?: "user" | "group" | "unknown";
  /** Abstract rights: READ, WRITE, DELETE, MANAGE_PERMISSIONS. */
  permissions: string[];
  deny?: boolean;
  inherited?: boolean;
}

export interface RemoteAcl {
  owner?: string;
  entries: AclEntry[];
  /** False when the item breaks inheritance from its parent. */
  inherit: boolean;
}

export interface RemoteVersion {
  id: string;
  size: number;
  mtimeMs: number;
  author?: string;
}

/** Incremental hash of streamed bytes, as the remote spells it in {@link RemoteEntry.hashes}. */
export interface ContentHasher {
  update(chunk: Uint8Array): void;
  /** The digest in the remote's own encoding (compared case-insensitively with the listed value). */
  digest(): string;
}

export interface Remote {
  readonly capabilities: RemoteCapabilities;

  /**
   * Every entry under `root` ("" = everything), parents before children, the root itself
   * excluded. Reparse points are yielded (flagged) but not descended into. A missing root throws
   * `not_found`; an unreadable sub-folder throws `access_denied` for that folder only if the
   * adapter cannot skip it — adapters should rather yield it flagged
   * {@link RemoteEntry.childrenUnknown} and skip its content (an unflagged folder with no children
   * means "empty", and the engine propagates that as deletions).
   */
  walk(root?: string): AsyncIterable<RemoteEntry>;

  /**
   * Delta query (capabilities.delta). `null` starts from nothing and enumerates everything.
   * Pages are yielded in order; the cursor of the last page is the one to store. Throws
   * `cursor_expired` when the remote no longer accepts `cursor` (the engine then walks).
   */
  changes?(cursor: string | null): AsyncIterable<ChangePage>;

  /** The entry at `path`, or throws `not_found`. `stat("")` describes the root folder. */
  stat(path: string): Promise<RemoteEntry>;

  /**
   * Streams the file's bytes (optionally a range). Throws `not_found` if there is no file there
   * (folders included), `locked` / `access_denied` as the remote says. Errors after the stream
   * started are emitted on the stream as RemoteError.
   */
  read(path: string, range?: ByteRange): Promise<Readable>;

  /**
   * Reads a whole file of at most `maxBytes` in one request where the remote can (SMB: one
   * compound CREATE + READ + CLOSE instead of an open, reads, a close and a stat). `data` is null
   * when the file is larger than `maxBytes` (stream it with `read`). `entry` describes the file as
   * the request found it when it opened it, before the bytes were read; it is absent when the
   * remote cannot say (the caller then re-stats). Same errors as `read`. Optional: remotes without
   * it are always streamed.
   */
  readWhole?(path: string, maxBytes: number): Promise<{ entry?: RemoteEntry; data: Buffer | null }>;

  /**
   * Atomically creates or replaces the file at `path` with exactly `options.size` bytes from
   * `source` and returns the new entry. Nothing is
   * visible at `path` until the whole stream arrived: adapters write a temporary name and rename
   * over, or commit an upload session at the end. Adapters may create missing parents or throw
   * `not_found`; the engine always creates parents first. If `source` errors or delivers a different
   * byte count, the write is abandoned, nothing is committed, and the source's error (or
   * `changed_during_transfer`) is thrown. Writing over a folder throws `exists`.
   */
  write(path: string, source: Readable, options: WriteOptions): Promise<RemoteEntry>;

  /**
   * Creates the folder and any missing parents; succeeds if it already exists. Throws `exists` if a file is in the way.
   */
  mkdir(path: string, options?: MkdirOptions): Promise<RemoteEntry>;

  /**
   * Removes a file or an empty folder. Missing paths succeed (idempotent). A non-empty folder throws
   * `precondition_failed`.
   */
  delete(path: string): Promise<void>;

  /**
   * Renames/moves `from` to `to`, keeping the item's id and (content being unchanged) its fingerprint. Parents of `to`
   * must exist. Throws
   * `not_found` if `from` is missing and `exists` if `to` is taken (never overwrites).
   */
  move(from: string, to: string): Promise<RemoteEntry>;

  /** The item's permissions (capabilities.acl). */
  acl?(path: string): Promise<RemoteAcl>;
  /** Older versions of a file, newest first, the current one excluded (capabilities.versions). */
  versions?(path: string): Promise<RemoteVersion[]>;
  readVersion?(path: string, versionId: string): Promise<Readable>;
  /** Extra metadata columns of the item (capabilities.metadata). */
  fields?(path: string): Promise<Record<string, unknown>>;

  /**
   * A fresh hasher for one of `capabilities.hashes`, or undefined if the adapter cannot compute it
   * while streaming. When the entry being read lists that hash, the engine verifies the bytes it
   * copied against the listed value instead of re-stat'ing the source after the transfer (a
   * mismatch = changed during transfer), which saves one request per file on remote APIs.
   */
  contentHasher?(algorithm: string): ContentHasher | undefined;

  /** Releases connections. Idempotent. */
  close(): Promise<void>;
}

/** Parent path of a relative path ("" for top-level items). */
export function parentPath(path: string): string {
  const i = path.lastIndexOf("/");
  return i < 0 ? "" : path.slice(0, i);
}

/** Last segment of a relative path. */
export function baseName(path: string): string {
  const i = path.lastIndexOf("/");
  return i < 0 ? path : path.slice(i + 1);
}

export function joinPath(parent: string, name: string): string {
  return parent === "" ? name : `${parent}/${name}`;
}

/**
 * Normalises a caller-supplied relative path: NFC, no leading/trailing or doubled slashes, no "."
 * / ".." segments. Only "/" separates segments: a backslash is an ordinary name character
 * (ScaiDrive names may hold one); adapters whose systems refuse it throw `invalid_name`.
 */
export function normalizeRelPath(path: string): string {
  const parts = path
    .normalize("NFC")
    .split("/")
    .filter((p) => p !== "" && p !== ".");
  if (parts.includes("..")) throw new Error(`path escapes its root: ${path}`);
  return parts.join("/");
}

export function isUnder(path: string, folder: string): boolean {
  return folder === "" ? path !== "" : path.startsWith(`${folder}/`);
}
