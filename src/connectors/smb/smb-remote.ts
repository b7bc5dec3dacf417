/**
 * The SMB Remote adapter: one SMB share (optionally a sub-folder of it, `basePath`) seen through
 * the engine's {@link Remote} interface, over the pure-TypeScript client in `protocols/smb`.
 *
 * - Connection: opened lazily on first use (or by {@link SmbRemote.connect}); a dropped
 *   connection fails the calls in flight with `unreachable` and the client reconnects on the
 *   next call. `close()` logs off; calls after it fail with `unreachable`.
 * - Paths: remote paths are relative to `basePath`; a missing base path makes every call fail
 *   with `not_found` (`stat("")` included). Names from listings are returned NFC-normalised.
 * - Network policy: the server name is resolved through {@link SmbRemoteConfig.network}; a refused
 *   address fails with `destination_denied` (never retried) and no packet reaches it.
 * - Errors: always {@link RemoteError}, translated in `smb-error-mapping.ts` — except that
 *   `write` rethrows the source stream's own error when the source is what failed.
 * - Names: a name Windows cannot hold as spelled (reserved device names, a trailing dot or space,
 *   `\ : * ? " < > |`, control characters) is refused with `invalid_name` before anything is
 *   written, made or moved to it (`smb-name-rules.ts`).
 * - Writes are atomic: the bytes go to a hidden temporary `scaidrive-upload-<owner key>-<random>`
 *   in the target's folder (another spelling when the share vetoes it), which is then renamed
 *   over the target; readers see the old or the new file, never a mix. A target another client
 *   holds open denying write or delete is `locked`, never replaced (`smb-atomic-write.ts`). Walks
 *   skip temp names ({@link isSmbTempName}) and delete the ones left behind by this owner
 *   ({@link SmbRemoteConfig.tempOwner}) or stale ones of others.
 */
import { once } from "node:events";
import type { Readable } from "node:stream";
import type { Logger } from "pino";
import {
  NtStatus,
  SmbClient,
  SmbError,
  type SmbTree,
  type SmbWatcher,
  type WatchOptions,
} from "../../protocols/smb/index.js";
import { closeSidResolver, getResolvedSecurityDescriptor } from "../../protocols/smb/security-api.js";
import { RemoteError } from "../../sync/remote-errors.js";
import type { NetworkPolicy } from "../network-policy.js";
import {
  baseName,
  normalizeRelPath,
  parentPath,
  type ByteRange,
  type MkdirOptions,
  type Remote,
  type RemoteAcl,
  type RemoteCapabilities,
  type RemoteEntry,
  type WriteOptions,
} from "../../sync/remote.js";
import { translateSecurityDescriptor } from "./smb-acl-translation.js";
import { toRemoteEntry } from "./smb-entry.js";
import { atomicWrite } from "./smb-atomic-write.js";
import { mapSmbErrors, toRemoteError } from "./smb-error-mapping.js";
import { PathSpelling } from "./smb-path-spelling.js";
import { normalizeBasePath, shareRelative } from "./smb-paths.js";
import { walkSmbTree } from "./smb-walk.js";
import { smbTempKeyFor } from "./smb-temp-name.js";
import { forbiddenCharacter, vetoMessage, windowsNameProblem } from "./smb-name-rules.js";

export { isSmbTempName } from "./smb-temp-name.js";

export interface SmbRemoteConfig {
  host: string;
  /** Default 445. */
  port?: number;
  /** NT domain or workgroup of the service account ("" for none). */
  domain: string;
  username: string;
  /** Never logged. */
  password: string;
  shareName: string;
  /** Folder inside the share that acts as the remote root ("" or absent: the share root). */
  basePath?: string;
  /**
   * Where connections may go: `host` is resolved through it on every (re)connect and a refused
   * address fails with RemoteError `destination_denied` before any socket is opened.
   */
  network: NetworkPolicy;
  logger?: Logger;
  /** Per-request timeout of the SMB client (default 30 s). */
  timeoutMs?: number;
  /** Directories listed concurrently during a walk (default 4). */
  walkConcurrency?: number;
  /**
   * Stable name of whoever writes through this remote, e.g. `connector:<id>` for one connector's
   * sync runs. Only for an owner that never runs two remotes at once: its temp upload names carry
   * a key derived from it, and its walks delete temp files with that key as leftovers of an
   * interrupted earlier run. Without it the key is random and walks only remove stale temp files.
   */
  tempOwner?: string;
}

export interface SmbRemote extends Remote {
  /**
   * Connects and tree-connects now instead of on first use. @throws RemoteError auth / unreachable / not_found (share).
   */
  connect(): Promise<void>;
  /**
   * CHANGE_NOTIFY on a folder (capabilities.notify). Names in the events are relative to that
   * folder, backslash-separated, as the server sends them. Close the watcher when done.
   */
  watch(path?: string, options?: WatchOptions): Promise<SmbWatcher>;
}

const CAPABILITIES: RemoteCapabilities = Object.freeze({
  delta: false,
  versions: false,
  acl: true,
  metadata: false,
  caseInsensitive: true,
  hashes: [],
  checkouts: false,
  notify: true,
  preservesMtime: true,
  reusesIds: true,
}) as RemoteCapabilities;

export function createSmbRemote(config: SmbRemoteConfig): SmbRemote {
  return new SmbShareRemote(config);
}

class SmbShareRemote implements SmbRemote {
  readonly capabilities = CAPABILITIES;
  private readonly base: string;
  private readonly log: Logger | undefined;
  private client: SmbClient | undefined;
  private connecting: Promise<SmbClient> | undefined;
  private closed = false;
  private readonly watchers = new Set<SmbWatcher>();
  private readonly spelling = new PathSpelling();
  private readonly tempKey: string;

  constructor(private readonly config: SmbRemoteConfig) {
    this.base = normalizeBasePath(config.basePath);
    this.tempKey = smbTempKeyFor(config.tempOwner);
    this.log = config.logger?.child({ component: "smb-remote", host: config.host, share: config.shareName });
  }

  async connect(): Promise<void> {
    await mapSmbErrors(undefined, () => this.tree());
  }

  private async getClient(): Promise<SmbClient> {
    if (this.closed) throw new RemoteError("unreachable", "SMB remote is closed", { retryable: false });
    if (this.client) return this.client;
    this.connecting ??= SmbClient.connect({
      host: this.config.host,
      port: this.config.port ?? 445,
      lookup: this.config.network.lookup,
      domain: this.config.domain,
      username: this.config.username,
      password: this.config.password,
      timeoutMs: this.config.timeoutMs,
    }).then(
      (c) => {
        this.connecting = undefined;
        if (this.closed) {
          void c.close().catch(() => undefined);
          throw new RemoteError("unreachable", "SMB remote is closed", { retryable: false });
        }
        this.client = c;
        this.log?.debug({ dialect: c.dialect }, "SMB connected");
        return c;
      },
      (e: unknown) => {
        this.connecting = undefined;
        throw e;
      },
    );
    return this.connecting;
  }

  private async tree(): Promise<SmbTree> {
    return (await this.getClient()).tree(this.config.shareName);
  }

  /** Share path of a remote path, in the server's spelling. */
  private full(rel: string): string {
    return shareRelative(this.base, this.spelling.onServer(rel));
  }

  private rel(path: string): string {
    let rel: string;
    try {
      rel = normalizeRelPath(path);
    } catch (e) {
      throw new RemoteError("invalid_name", (e as Error).message, { path });
    }
    // "\" is SMB's path separator and the others are refused by Windows servers (":" names a
    // stream): refuse them here with a message that names the character, instead of letting
    // "a\b.txt" land in a sub-folder "a" or fail as an opaque STATUS_OBJECT_NAME_INVALID.
    // Checked as sent: a real name known under an alias (Samba's mangled names) goes as the alias.
    const bad = forbiddenCharacter(this.spelling.onServer(rel).replaceAll("/", ""));
    if (bad) throw new RemoteError("invalid_name", `"${rel}" cannot be stored on SMB: contains ${bad}`, { path });
    return rel;
  }

  /**
   * Refuses a name about to be created (written, made a folder, moved to) that a Windows server
   * cannot hold as spelled — reserved device names, a trailing dot or space (`smb-name-rules.ts`).
   * Samba would store it and list it under a mangled 8.3 alias afterwards. Existing items are
   * still read, listed and deleted under whatever name the server shows — and one a walk found
   * under an alias (an earlier build or a Unix user made it) is updated through that alias: its
   * name is not created, it exists.
   */
  private checkNewName(rel: string): void {
    if (this.spelling.onServer(rel) !== rel) return;
    const problem = windowsNameProblem(baseName(rel));
    if (problem) throw new RemoteError("invalid_name", `"${rel}" cannot be stored on SMB: ${problem}`, { path: rel });
  }

  async stat(path: string): Promise<RemoteEntry> {
    const rel = this.rel(path);
    return mapSmbErrors(rel, async () => toRemoteEntry(rel, await (await this.tree()).stat(this.full(rel))));
  }

  async *walk(root = ""): AsyncIterable<RemoteEntry> {
    const start = this.rel(root);
    const tree = await mapSmbErrors(start, () => this.tree());
    const concurrency = Math.max(1, this.config.walkConcurrency ?? 4);
    const describeRoot = () => this.describeRoot();
    // Without a stable owner nothing is "ours" from an earlier instance: only stale temps go.
    const ownTempKey = this.config.tempOwner === undefined ? undefined : this.tempKey;
    yield* walkSmbTree(
      {
        tree,
        full: (rel) => this.full(rel),
        spelling: this.spelling,
        concurrency,
        log: this.log,
        describeRoot,
        ownTempKey,
      },
      start,
    );
  }

  /** What a missing remote root is: `base path '2026' does not exist on \\host\Share`. */
  private describeRoot(): string {
    const unc = `\\\\${this.config.host}\\${this.config.shareName}`;
    return this.base === ""
      ? `the root of share ${unc} cannot be opened`
      : `base path '${this.base}' does not exist on ${unc}`;
  }

  /**
   * Opens the file (one CREATE, which also tells a folder apart: FILE_IS_A_DIRECTORY) and waits
   * until its first chunk is there, so a missing file or a folder rejects the call with
   * `not_found` rather than failing the stream later — without a separate stat round trip per
   * file. The SMB read stream itself is returned (no re-buffering, no copies); its errors are
   * RemoteErrors because every way a Readable fails goes through its `destroy`.
   */
  async read(path: string, range?: ByteRange): Promise<Readable> {
    const rel = this.rel(path);
    const tree = await mapSmbErrors(rel, () => this.tree());
    const source = tree.createReadStream(this.full(rel), range ? { start: range.start, end: range.end } : {});
    const mapped = (e: Error) =>
      e instanceof SmbError && e.status === NtStatus.FILE_IS_A_DIRECTORY
        ? new RemoteError("not_found", `"${rel}" is a folder, not a file`, { path: rel })
        : toRemoteError(e, rel);
    const destroy = source.destroy.bind(source);
    source.destroy = (err?: Error) => destroy(err ? mapped(err) : err);
    try {
      await once(source, "readable");
    } catch (e) {
      source.destroy();
      throw mapped(e as Error);
    }
    return source;
  }

  /**
   * One compound CREATE (asking for the on-disk file id) + READ + CLOSE. The entry is what the
   * CREATE reported, so it is absent when the server did not return the file id (the fingerprint
   * would not match the listing's; the caller re-stats instead).
   */
  async readWhole(path: string, maxBytes: number): Promise<{ entry?: RemoteEntry; data: Buffer | null }> {
    const rel = this.rel(path);
    const tree = await mapSmbErrors(rel, () => this.tree());
    try {
      const { info, data } = await tree.readSmall(this.full(rel), maxBytes);
      return { entry: info.fileId === 0n ? undefined : toRemoteEntry(rel, info), data };
    } catch (e) {
      if (e instanceof SmbError && e.status === NtStatus.FILE_IS_A_DIRECTORY)
        throw new RemoteError("not_found", `"${rel}" is a folder, not a file`, { path: rel });
      throw toRemoteError(e, rel);
    }
  }

  async write(path: string, source: Readable, options: WriteOptions): Promise<RemoteEntry> {
    const rel = this.rel(path);
    if (rel === "") throw new RemoteError("exists", "cannot write over the remote root", { path: rel });
    this.checkNewName(rel);
    const tree = await mapSmbErrors(rel, () => this.tree());
    return atomicWrite(tree, this.full(rel), rel, source, options, this.tempKey, this.log);
  }

  async mkdir(path: string, options: MkdirOptions = {}): Promise<RemoteEntry> {
    const rel = this.rel(path);
    if (rel !== "") this.checkNewName(rel);
    return mapSmbErrors(rel, async () => {
      const tree = await this.tree();
      await this.mkdirp(tree, rel);
      if (options.mtimeMs !== undefined && rel !== "")
        await tree.setInfo(this.full(rel), { lastWriteTime: new Date(options.mtimeMs) });
      return toRemoteEntry(rel, await tree.stat(this.full(rel)));
    });
  }

  private async mkdirp(tree: SmbTree, rel: string): Promise<void> {
    if (rel === "") {
      const root = await tree.stat(this.full(""));
      if (!root.isDirectory) throw new RemoteError("not_found", "the base path is not a folder", { path: "" });
      return;
    }
    try {
      await tree.mkdir(this.full(rel));
      return;
    } catch (e) {
      if (!(e instanceof SmbError)) throw e;
      if (e.kind === "exists") {
        const info = await tree.stat(this.full(rel));
        if (!info.isDirectory)
          throw new RemoteError("exists", `a file is in the way of folder "${rel}"`, { path: rel });
        return;
      }
      if (e.kind !== "not_found") throw e;
    }
    const parent = parentPath(rel);
    if (parent !== "") this.checkNewName(parent);
    await this.mkdirp(tree, parent);
    try {
      await tree.mkdir(this.full(rel));
    } catch (e) {
      // The parent exists now, so a missing name means the server refused this one (Samba's veto files).
      if (e instanceof SmbError && e.status === NtStatus.OBJECT_NAME_NOT_FOUND) {
        throw new RemoteError("invalid_name", vetoMessage(`folder name '${baseName(rel)}'`), { path: rel, cause: e });
      }
      // Another writer may have created it between our two attempts.
      if (!(e instanceof SmbError && e.kind === "exists") || !(await tree.stat(this.full(rel))).isDirectory) throw e;
    }
  }

  async delete(path: string): Promise<void> {
    const rel = this.rel(path);
    if (rel === "") throw new RemoteError("precondition_failed", "refusing to delete the remote root", { path: rel });
    await mapSmbErrors(rel, async () => {
      const tree = await this.tree();
      await this.deleteOne(tree, this.full(rel));
      this.spelling.forget(rel);
    });
  }

  /** Unlinks a file or removes an empty folder at share path `full`; a missing item is success. */
  private async deleteOne(tree: SmbTree, full: string): Promise<void> {
    try {
      // Files are the common case: try unlink first and fall back to rmdir for a folder.
      await tree.unlink(full);
    } catch (e) {
      if (!(e instanceof SmbError)) throw e;
      if (e.kind === "not_found") return;
      if (e.status === NtStatus.FILE_IS_A_DIRECTORY) {
        await tree.rmdir(full).catch((err: unknown) => {
          if (!(err instanceof SmbError && err.kind === "not_found")) throw err;
        });
        return;
      }
      if (e.kind !== "access_denied") throw e;
      // SMB refuses to delete a read-only file: clear the flag and try once more.
      const info = await tree.stat(full);
      if (!info.attributes.readOnly) throw e;
      await tree.setInfo(full, { attributes: { readOnly: false } });
      await tree.unlink(full);
    }
  }

  async move(from: string, to: string): Promise<RemoteEntry> {
    const src = this.rel(from);
    const dst = this.rel(to);
    if (src === "" || dst === "") throw new RemoteError("invalid_name", "cannot move the remote root", { path: src });
    this.checkNewName(dst);
    return mapSmbErrors(src, async () => {
      const tree = await this.tree();
      try {
        await tree.rename(this.full(src), this.full(dst), { replace: false });
      } catch (e) {
        // The source is there, so a missing name means the server refused the new one (Samba's veto files).
        if (
          e instanceof SmbError &&
          e.status === NtStatus.OBJECT_NAME_NOT_FOUND &&
          (await tree.exists(this.full(src)).catch(() => false))
        ) {
          throw new RemoteError("invalid_name", vetoMessage(`name '${baseName(dst)}'`), { path: dst, cause: e });
        }
        throw e;
      }
      this.spelling.forget(src);
      return toRemoteEntry(dst, await tree.stat(this.full(dst)));
    });
  }

  async acl(path: string): Promise<RemoteAcl> {
    const rel = this.rel(path);
    return mapSmbErrors(rel, async () => {
      const client = await this.getClient();
      const tree = await client.tree(this.config.shareName);
      const { descriptor, accounts } = await getResolvedSecurityDescriptor(client, tree, this.full(rel));
      return translateSecurityDescriptor(descriptor, accounts);
    });
  }

  async watch(path = "", options: WatchOptions = {}): Promise<SmbWatcher> {
    const rel = this.rel(path);
    const tree = await mapSmbErrors(rel, () => this.tree());
    const w = tree.watch(this.full(rel), options);
    this.watchers.add(w);
    w.ready.then(
      () => undefined,
      () => this.watchers.delete(w),
    );
    return w;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const client = this.client ?? (await this.connecting?.catch(() => undefined));
    this.client = undefined;
    for (const w of this.watchers) await w.close().catch(() => undefined);
    this.watchers.clear();
    if (!client) return;
    await closeSidResolver(client);
    await client.close().catch((e: unknown) => this.log?.debug({ err: (e as Error).message }, "SMB logoff failed"));
  }
}
