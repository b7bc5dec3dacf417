/**
 * One share of an {@link SmbClient}. Paths are share-relative, "/" or "\" separated ("" or "/"
 * is the share root). Each call binds to the client's current session (reconnecting after a
 * dropped connection) and re-connects the tree when the session changed.
 *
 * Errors: every method rejects with an SmbError — `not_found` for a missing path or share,
 * `exists` (create-only write, mkdir of an existing name, rename without replace),
 * `not_empty` (rmdir), `access_denied`, `sharing_violation`, `invalid_name`, `unreachable`.
 */
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { BoundTree, type SmbHandle } from "./file-handle.js";
import type { SmbConnection } from "./connection.js";
import type { SmbSession } from "./session.js";
import { Command } from "./messages/header.js";
import {
  ShareFlags,
  ShareType,
  decodeTreeConnectResponse,
  encodeTreeConnectRequest,
  encodeTreeDisconnectRequest,
} from "./messages/tree-connect.js";
import { Access, CreateOptions, Disposition, FileAttribute, ShareAccess } from "./messages/create.js";
import {
  FileInfoClass,
  InfoType,
  SecurityInformation,
  decodeFileAllInformation,
  type FileAllInformation,
  decodeSetInfoResponse,
  encodeFileBasicInformation,
  encodeFileDispositionInformation,
  encodeFileRenameInformation,
  encodeQueryInfoRequest,
  encodeSetInfoRequest,
} from "./messages/info.js";
import { decodeOutputBufferResponse } from "./messages/query-directory.js";
import { NtStatus, SmbError } from "./errors.js";
import { baseName, dateToFiletime, makeFileInfo, toSmbPath, type SmbFileInfo } from "./file-info.js";
import { listDirectoryPages, type ReaddirOptions } from "./directory-listing.js";
import { SmbReadStream, type ReadStreamOptions } from "./read-stream.js";
import { SmbWriteStream, type WriteStreamOptions } from "./write-stream.js";
import { SmbWatcher, type WatchOptions } from "./change-watcher.js";
import { SmbNamedPipe, type SmbPipe, type SmbPipeOptions } from "./pipe.js";
import { validateNegotiate } from "./validate-negotiate.js";
import { NO_FILE_ID } from "./messages/notify-ioctl.js";
import { decodeReadResponse, encodeReadRequest } from "./messages/read-write.js";
import { SmbOpenFile, type OpenOptions } from "./open-file.js";

/** What the tree needs from its client: the live session, and a way to learn it was replaced. */
export interface SessionSource {
  current(): Promise<{ conn: SmbConnection; session: SmbSession; generation: number }>;
  readonly host: string;
  readonly timeoutMs: number;
}

export type WriteDisposition = "overwriteIf" | "create" | "openIf" | "overwrite" | "open";
const DISPOSITIONS: Record<WriteDisposition, number> = {
  overwriteIf: Disposition.OVERWRITE_IF,
  create: Disposition.CREATE,
  openIf: Disposition.OPEN_IF,
  overwrite: Disposition.OVERWRITE,
  open: Disposition.OPEN,
};

export interface WriteStreamOpenOptions extends WriteStreamOptions {
  /** Default "overwriteIf" (create or truncate). */
  disposition?: WriteDisposition;
  /**
   * Create the file with FILE_ATTRIBUTE_HIDDEN (MS-FSCC 2.6) in the CREATE itself, so it is
   * hidden from the moment it exists, at no extra round trip. Only applies when the CREATE
   * creates the file; an existing file keeps its attributes.
   */
  hidden?: boolean;
}

export interface RenameOptions {
  /** Replace an existing `to` (FileRenameInformation ReplaceIfExists); default false: `exists`. */
  replace?: boolean;
  /**
   * A handle of this tree to close in the same compound request, right before the rename
   * (MS-SMB2 3.2.4.1.4): the server closes it and renames without a network round trip in
   * between. A caller holding the target open (with DELETE access, so no other client can open it
   * denying delete or write meanwhile) lets go of it exactly when the rename needs it gone —
   * servers refuse to rename over a file the renaming session itself holds open. The handle is
   * closed whatever the rename answers.
   */
  closeFirst?: SmbOpenFile;
}

export interface SetInfoOptions {
  creationTime?: Date | bigint;
  lastAccessTime?: Date | bigint;
  lastWriteTime?: Date | bigint;
  changeTime?: Date | bigint;
  /** Flags to set (true) or clear (false); absent flags stay as they are. A number replaces the raw bits. */
  attributes?: number | { readOnly?: boolean; hidden?: boolean; system?: boolean; archive?: boolean };
}

export interface SecurityParts {
  owner?: boolean;
  group?: boolean;
  dacl?: boolean;
}

function ft(v: Date | bigint | undefined): bigint | undefined {
  return v === undefined ? undefined : typeof v === "bigint" ? v : dateToFiletime(v);
}

export class SmbTree {
  private bound: BoundTree | undefined;
  private boundGeneration = -1;
  private binding: Promise<BoundTree> | undefined;

  constructor(
    private readonly source: SessionSource,
    readonly share: string,
  ) {}

  /** The tree on the current session; tree-connects (again) when needed. */
  bind(): Promise<BoundTree> {
    return (this.binding ??= this.doBind().finally(() => (this.binding = undefined)));
  }

  private async doBind(): Promise<BoundTree> {
    const { conn, session, generation } = await this.source.current();
    if (this.bound && this.boundGeneration === generation && !conn.isClosed) return this.bound;
    const unc = `\\\\${this.source.host}\\${this.share}`;
    const encryptSession = session.encryptAll;
    const res = await conn
      .request({
        command: Command.TREE_CONNECT,
        body: encodeTreeConnectRequest(unc),
        sessionId: session.sessionId,
        // Signed whatever the policy (MS-SMB2 3.2.4.1.1 for 3.1.1): the server's answer, signed
        // too, vouches for the share flags (e.g. ENCRYPT_DATA) this tree acts on.
        sign: session.canSign && !encryptSession,
        encrypt: encryptSession,
        timeoutMs: this.source.timeoutMs,
      })
      .catch((e: unknown) => {
        if (e instanceof SmbError && e.status === NtStatus.BAD_NETWORK_NAME) {
          throw new SmbError(
            e.status,
            "not_found",
            `share "${this.share}" does not exist on ${this.source.host} (STATUS_BAD_NETWORK_NAME)`,
          );
        }
        throw e;
      });
    const info = decodeTreeConnectResponse(res.message);
    const shareEncrypts = (info.shareFlags & ShareFlags.ENCRYPT_DATA) !== 0;
    if (shareEncrypts && !session.canEncrypt) {
      throw new SmbError(
        NtStatus.ACCESS_DENIED,
        "access_denied",
        `share "${this.share}" requires encryption, which this session cannot do`,
      );
    }
    if (info.shareType !== ShareType.DISK && info.shareType !== ShareType.PIPE) {
      throw new SmbError(NtStatus.NOT_SUPPORTED, "other", `share "${this.share}" is not a disk share`);
    }
    const bound = new BoundTree(
      conn,
      session,
      res.header.treeId,
      encryptSession || shareEncrypts,
      this.source.timeoutMs,
    );
    await validateNegotiate(bound);
    this.bound = bound;
    this.boundGeneration = generation;
    return bound;
  }

  /** CREATE + `middle` + CLOSE in one compound round trip. */
  private async onPath(
    path: string,
    req: { access: number; options?: number; disposition?: number; attributes?: number },
    middle: Parameters<BoundTree["onPath"]>[1],
    opts?: Parameters<BoundTree["onPath"]>[2],
  ): ReturnType<BoundTree["onPath"]> {
    const t = await this.bind();
    return t.onPath(
      {
        name: toSmbPath(path),
        desiredAccess: req.access,
        fileAttributes: req.attributes ?? 0,
        shareAccess: ShareAccess.ALL,
        disposition: req.disposition ?? Disposition.OPEN,
        options: req.options ?? 0,
      },
      middle,
      opts,
    );
  }

  private async withHandle<T>(
    path: string,
    req: { access: number; options?: number; disposition?: number; attributes?: number },
    fn: (h: SmbHandle) => Promise<T>,
  ): Promise<T> {
    const t = await this.bind();
    const h = await t.open({
      name: toSmbPath(path),
      desiredAccess: req.access,
      fileAttributes: req.attributes ?? 0,
      shareAccess: ShareAccess.ALL,
      disposition: req.disposition ?? Disposition.OPEN,
      options: req.options ?? 0,
    });
    try {
      return await fn(h);
    } finally {
      await h.close().catch(() => undefined);
    }
  }

  /** Pages of directory entries (each page one QUERY_DIRECTORY round trip). */
  readdirPages(path: string, opts?: ReaddirOptions): AsyncGenerator<SmbFileInfo[]> {
    return listDirectoryPages(() => this.bind(), toSmbPath(path), opts);
  }

  /** Directory entries one by one, "." and ".." excluded. */
  async *readdir(path: string, opts?: ReaddirOptions): AsyncGenerator<SmbFileInfo> {
    for await (const page of this.readdirPages(path, opts)) yield* page;
  }

  /** All entries of a directory in one array. */
  async list(path: string, opts?: ReaddirOptions): Promise<SmbFileInfo[]> {
    const out: SmbFileInfo[] = [];
    for await (const page of this.readdirPages(path, opts)) out.push(...page);
    return out;
  }

  /** Metadata of a file or directory (FileAllInformation). The root's name is "". */
  async stat(path: string): Promise<SmbFileInfo> {
    const p = toSmbPath(path);
    const all = await this.queryAll(p);
    return makeFileInfo({ ...all, name: baseName(p) });
  }

  /**
   * The item's path from the share root as the server stores it (FileAllInformation's FileName,
   * backslash-separated, no leading separator), whatever spelling `path` used. Its names differ
   * from those of `path` where `path` used an alias: Samba lists a name Windows clients cannot
   * hold (`aux.txt`, `a:b.txt`, `dir.`) under a mangled 8.3 name (`AHY9U3~9.TXT`) and answers
   * with the real name here. A Unix name holding a backslash cannot be told apart from a
   * separator in this answer. undefined when the answer holds no (whole) name.
   * @throws SmbError like stat.
   */
  async storedPath(path: string): Promise<string | undefined> {
    const name = (await this.queryAll(toSmbPath(path))).name;
    return name === undefined ? undefined : name.replace(/^\\+/, "");
  }

  private async queryAll(p: string): Promise<FileAllInformation> {
    const { results } = await this.onPath(p, { access: Access.FILE_READ_ATTRIBUTES | Access.SYNCHRONIZE }, [
      {
        command: Command.QUERY_INFO,
        body: encodeQueryInfoRequest(NO_FILE_ID, InfoType.FILE, FileInfoClass.ALL, 4096),
        extra: { ok: [NtStatus.BUFFER_OVERFLOW] },
      },
    ]);
    return decodeFileAllInformation(decodeOutputBufferResponse(results[0].message, "QUERY_INFO response"));
  }

  /**
   * A small file's metadata and content in one round trip: CREATE (asking for the on-disk file
   * id) + READ(maxBytes at offset 0) + CLOSE as one related compound. `info` is what CREATE
   * reported (the SmbFileInfo stat gives); `data` is the whole content when the file's size is at
   * most `maxBytes`, else null (stream it with createReadStream). Should the file change between
   * the open and the READ, `data` is what the READ saw.
   *
   * Concurrency: calls overlap on one connection within its 128-credit in-flight window; a READ
   * costs one credit per 64 KiB of `maxBytes`, so 16 concurrent calls with maxBytes <= 64 KiB
   * are all in flight at once, with 1 MiB about 7 are.
   * @throws SmbError like stat / createReadStream: not_found, sharing_violation, access_denied,
   *   other (STATUS_FILE_IS_A_DIRECTORY for a directory).
   */
  async readSmall(path: string, maxBytes: number): Promise<{ info: SmbFileInfo; data: Buffer | null }> {
    const p = toSmbPath(path);
    const t = await this.bind();
    const conn = t.conn;
    // A READ cannot exceed MaxReadSize; at least 1 byte so the request is well formed.
    const readLen = Math.max(1, Math.min(Math.floor(maxBytes), conn.maxReadSize));
    const { create, results } = await t.onPath(
      {
        name: p,
        desiredAccess: Access.FILE_READ_DATA | Access.FILE_READ_ATTRIBUTES | Access.SYNCHRONIZE,
        fileAttributes: 0,
        shareAccess: ShareAccess.ALL,
        disposition: Disposition.OPEN,
        options: CreateOptions.NON_DIRECTORY_FILE,
        queryOnDiskId: true,
      },
      [
        {
          command: Command.READ,
          body: encodeReadRequest(NO_FILE_ID, 0n, readLen),
          // An empty file answers STATUS_END_OF_FILE.
          extra: { creditCharge: conn.creditChargeFor(readLen), ok: [NtStatus.END_OF_FILE] },
        },
      ],
    );
    const info = makeFileInfo({ ...create, name: baseName(p), fileId: create.diskFileId ?? 0n });
    if (info.size > maxBytes) return { info, data: null };
    if (info.size > readLen) {
      // maxBytes above MaxReadSize: the compound READ could not hold it all.
      return { info, data: await this.readFile(p) };
    }
    const res = results[0];
    if (res.header.status === NtStatus.END_OF_FILE) return { info, data: Buffer.alloc(0) };
    // A copy: the view would pin the whole receive frame.
    return { info, data: Buffer.from(decodeReadResponse(res.message)) };
  }

  /** Whether `path` exists (false only for not_found; other errors are thrown). */
  async exists(path: string): Promise<boolean> {
    try {
      await this.stat(path);
      return true;
    } catch (e) {
      if (e instanceof SmbError && e.kind === "not_found") return false;
      throw e;
    }
  }

  /**
   * Streams a file's bytes; `start`/`end` (inclusive) select a range. The handle opens when the
   * stream starts; an error (not_found, ...) arrives as the stream's 'error' event.
   */
  createReadStream(path: string, opts: ReadStreamOptions = {}): SmbReadStream {
    const p = toSmbPath(path);
    return new SmbReadStream(async () => {
      const t = await this.bind();
      return t.open({
        name: p,
        desiredAccess: Access.FILE_READ_DATA | Access.FILE_READ_ATTRIBUTES | Access.SYNCHRONIZE,
        fileAttributes: 0,
        // A reader never blocks writers, renames or deletes by others (they see a consistent error instead).
        shareAccess: ShareAccess.ALL,
        disposition: Disposition.OPEN,
        options: CreateOptions.NON_DIRECTORY_FILE | CreateOptions.SEQUENTIAL_ONLY,
      });
    }, opts);
  }

  /**
   * Opens `path` with the access rights and share modes given (MS-SMB2 2.2.13 DesiredAccess,
   * ShareAccess; disposition OPEN) and keeps the handle until the caller closes it. `info` comes
   * from the CREATE response with the on-disk file id (QFid; 0n when the server does not answer
   * it). While held, other opens are checked against its share mode, and it against theirs.
   * @throws SmbError not_found, sharing_violation (an open of another client does not share what
   *   is asked, or asks what `share` refuses), access_denied, other (STATUS_FILE_IS_A_DIRECTORY /
   *   STATUS_NOT_A_DIRECTORY against `directory`).
   */
  async open(path: string, opts: OpenOptions): Promise<SmbOpenFile> {
    const p = toSmbPath(path);
    const t = await this.bind();
    const h = await t.open({
      name: p,
      desiredAccess: opts.access,
      fileAttributes: 0,
      shareAccess: opts.share,
      disposition: Disposition.OPEN,
      options:
        opts.directory === true
          ? CreateOptions.DIRECTORY_FILE
          : opts.directory === false
            ? CreateOptions.NON_DIRECTORY_FILE
            : 0,
      queryOnDiskId: true,
    });
    return new SmbOpenFile(h, makeFileInfo({ ...h.info, name: baseName(p), fileId: h.info.diskFileId ?? 0n }));
  }

  private openForWrite(p: string, opts: WriteStreamOpenOptions): Promise<SmbHandle> {
    return this.bind().then((t) =>
      t.open({
        name: p,
        desiredAccess:
          Access.FILE_WRITE_DATA |
          Access.FILE_APPEND_DATA |
          Access.FILE_READ_ATTRIBUTES |
          Access.FILE_WRITE_ATTRIBUTES |
          Access.SYNCHRONIZE,
        fileAttributes: opts.hidden ? FileAttribute.HIDDEN : FileAttribute.NORMAL,
        shareAccess: ShareAccess.READ,
        disposition: DISPOSITIONS[opts.disposition ?? "overwriteIf"],
        options: CreateOptions.NON_DIRECTORY_FILE,
      }),
    );
  }

  /**
   * A Writable that writes the file (default disposition "overwriteIf": create or truncate).
   * The file is opened when the stream starts; a failed CREATE arrives as the stream's 'error'.
   * 'finish' means every byte is acknowledged and the handle closed.
   */
  createWriteStream(path: string, opts: WriteStreamOpenOptions = {}): SmbWriteStream {
    const p = toSmbPath(path);
    return new SmbWriteStream(() => this.openForWrite(p, opts), opts);
  }

  /**
   * Like {@link createWriteStream}, but the CREATE is answered before the stream is handed out,
   * so a refused name (not_found for a name the share vetoes, exists for "create", ...) rejects
   * here, before any source is piped into it. End or destroy the stream to close the handle.
   */
  async openWriteStream(path: string, opts: WriteStreamOpenOptions = {}): Promise<SmbWriteStream> {
    const h = await this.openForWrite(toSmbPath(path), opts);
    return new SmbWriteStream(async () => h, opts);
  }

  /** Writes `source` (bytes, a Readable or any async iterable of chunks) to `path`, streamed. */
  async writeFile(
    path: string,
    source: Buffer | string | Readable | AsyncIterable<Buffer | Uint8Array>,
    opts?: WriteStreamOpenOptions,
  ): Promise<void> {
    const ws = this.createWriteStream(path, opts);
    if (typeof source === "string" || Buffer.isBuffer(source)) {
      const data = typeof source === "string" ? Buffer.from(source) : source;
      await pipeline(async function* () {
        if (data.length) yield data;
      }, ws);
      return;
    }
    await pipeline(source, ws);
  }

  /** Reads a whole (small) file into memory. Prefer createReadStream for anything large. */
  async readFile(path: string): Promise<Buffer> {
    const parts: Buffer[] = [];
    for await (const c of this.createReadStream(path)) parts.push(c as Buffer);
    return Buffer.concat(parts);
  }

  /** Creates a directory. @throws SmbError "exists" when the name is taken. */
  async mkdir(path: string): Promise<void> {
    await this.onPath(
      path,
      {
        access: Access.FILE_READ_ATTRIBUTES | Access.SYNCHRONIZE,
        disposition: Disposition.CREATE,
        options: CreateOptions.DIRECTORY_FILE,
        attributes: FileAttribute.DIRECTORY,
      },
      [],
    );
  }

  private async deleteOne(path: string, directory: boolean): Promise<void> {
    const { results } = await this.onPath(
      path,
      {
        access: Access.DELETE | Access.FILE_READ_ATTRIBUTES | Access.SYNCHRONIZE,
        options: directory ? CreateOptions.DIRECTORY_FILE : CreateOptions.NON_DIRECTORY_FILE,
      },
      [
        {
          command: Command.SET_INFO,
          body: encodeSetInfoRequest(
            NO_FILE_ID,
            InfoType.FILE,
            FileInfoClass.DISPOSITION,
            encodeFileDispositionInformation(true),
          ),
        },
      ],
      // The delete happens at CLOSE; a server may refuse it only there.
      { closeMatters: true },
    );
    decodeSetInfoResponse(results[0].message);
  }

  /** Deletes a file. @throws SmbError not_found; other when it is a directory (STATUS_FILE_IS_A_DIRECTORY). */
  unlink(path: string): Promise<void> {
    return this.deleteOne(path, false);
  }

  /** Deletes an empty directory. @throws SmbError "not_empty". */
  rmdir(path: string): Promise<void> {
    return this.deleteOne(path, true);
  }

  /**
   * Renames or moves within the share: CREATE(from, DELETE) + SET_INFO FileRenameInformation
   * (MS-FSCC 2.4.37.2) + CLOSE in one compound, preceded by a CLOSE of `closeFirst` when given.
   * @throws SmbError "exists" when `to` exists and `replace` is false (the default); not_found
   *   when `from` is missing (STATUS_OBJECT_NAME_NOT_FOUND from the CREATE) or the server refuses
   *   the name `to` (Samba answers a vetoed target STATUS_OBJECT_NAME_NOT_FOUND from the SET_INFO).
   */
  async rename(from: string, to: string, opts: RenameOptions = {}): Promise<void> {
    const data = encodeFileRenameInformation(toSmbPath(to), opts.replace ?? false);
    const t = await this.bind();
    const { results } = await t.onPath(
      {
        name: toSmbPath(from),
        desiredAccess: Access.DELETE | Access.FILE_READ_ATTRIBUTES | Access.SYNCHRONIZE,
        fileAttributes: 0,
        shareAccess: ShareAccess.ALL,
        disposition: Disposition.OPEN,
        options: 0,
      },
      [
        {
          command: Command.SET_INFO,
          body: encodeSetInfoRequest(NO_FILE_ID, InfoType.FILE, FileInfoClass.RENAME, data),
        },
      ],
      { closeFirst: opts.closeFirst?.handle },
    );
    decodeSetInfoResponse(results[0].message);
  }

  /** Sets times and/or DOS attributes (FileBasicInformation); unspecified fields stay unchanged. */
  async setInfo(path: string, info: SetInfoOptions): Promise<void> {
    if (typeof info.attributes !== "object") {
      // Nothing to merge with the current attributes: one compound round trip.
      const data = encodeFileBasicInformation({
        creationTime: ft(info.creationTime),
        lastAccessTime: ft(info.lastAccessTime),
        lastWriteTime: ft(info.lastWriteTime),
        changeTime: ft(info.changeTime),
        fileAttributes: info.attributes ?? 0,
      });
      const { results } = await this.onPath(
        path,
        { access: Access.FILE_WRITE_ATTRIBUTES | Access.FILE_READ_ATTRIBUTES | Access.SYNCHRONIZE },
        [
          {
            command: Command.SET_INFO,
            body: encodeSetInfoRequest(NO_FILE_ID, InfoType.FILE, FileInfoClass.BASIC, data),
          },
        ],
      );
      decodeSetInfoResponse(results[0].message);
      return;
    }
    await this.withHandle(
      path,
      { access: Access.FILE_WRITE_ATTRIBUTES | Access.FILE_READ_ATTRIBUTES | Access.SYNCHRONIZE },
      async (h) => {
        let attrs = 0;
        if (typeof info.attributes === "number") attrs = info.attributes;
        else if (info.attributes) {
          const a = info.attributes;
          attrs = h.info.fileAttributes & ~FileAttribute.NORMAL;
          const flip = (bit: number, v: boolean | undefined) => {
            if (v === true) attrs |= bit;
            else if (v === false) attrs &= ~bit;
          };
          flip(FileAttribute.READONLY, a.readOnly);
          flip(FileAttribute.HIDDEN, a.hidden);
          flip(FileAttribute.SYSTEM, a.system);
          flip(FileAttribute.ARCHIVE, a.archive);
          // Zero would mean "unchanged": clearing every flag of a file is FILE_ATTRIBUTE_NORMAL.
          if (attrs === 0) attrs = FileAttribute.NORMAL;
        }
        const data = encodeFileBasicInformation({
          creationTime: ft(info.creationTime),
          lastAccessTime: ft(info.lastAccessTime),
          lastWriteTime: ft(info.lastWriteTime),
          changeTime: ft(info.changeTime),
          fileAttributes: attrs,
        });
        const res = await h.tree.send(
          Command.SET_INFO,
          encodeSetInfoRequest(h.fileId, InfoType.FILE, FileInfoClass.BASIC, data),
        );
        decodeSetInfoResponse(res.message);
      },
    );
  }

  /**
   * Raw self-relative security descriptor (QUERY_INFO, InfoType SECURITY) with the parts asked
   * for (default owner, group and DACL).
   */
  async querySecurityDescriptor(
    path: string,
    parts: SecurityParts = { owner: true, group: true, dacl: true },
  ): Promise<Buffer> {
    const add =
      (parts.owner ? SecurityInformation.OWNER : 0) |
      (parts.group ? SecurityInformation.GROUP : 0) |
      (parts.dacl ? SecurityInformation.DACL : 0);
    const access = Access.READ_CONTROL | Access.FILE_READ_ATTRIBUTES | Access.SYNCHRONIZE;
    try {
      const { results } = await this.onPath(path, { access }, [
        { command: Command.QUERY_INFO, body: encodeQueryInfoRequest(NO_FILE_ID, InfoType.SECURITY, 0, 65536, add) },
      ]);
      return Buffer.from(decodeOutputBufferResponse(results[0].message, "QUERY_INFO response"));
    } catch (e) {
      if (!(e instanceof SmbError && e.status === NtStatus.BUFFER_TOO_SMALL)) throw e;
    }
    // Larger than 64 KiB (huge ACLs): ask again with bigger buffers on an open handle.
    return this.withHandle(path, { access }, async (h) => {
      let size = 1 << 18;
      for (let i = 0; i < 4; i++) {
        try {
          const res = await h.tree.send(
            Command.QUERY_INFO,
            encodeQueryInfoRequest(h.fileId, InfoType.SECURITY, 0, size, add),
            {
              creditCharge: h.tree.conn.creditChargeFor(size),
            },
          );
          return Buffer.from(decodeOutputBufferResponse(res.message, "QUERY_INFO response"));
        } catch (e) {
          if (e instanceof SmbError && e.status === NtStatus.BUFFER_TOO_SMALL && size < 1 << 20) size *= 8;
          else throw e;
        }
      }
      throw SmbError.protocol("security descriptor too large");
    });
  }

  /** Watches a directory for changes (CHANGE_NOTIFY). Await `ready` before relying on events. */
  watch(path: string, opts: WatchOptions = {}): SmbWatcher {
    return new SmbWatcher(() => this.bind(), toSmbPath(path), opts);
  }

  /** Opens a named pipe of this (IPC$) tree. */
  async openPipe(name: string, opts?: SmbPipeOptions): Promise<SmbPipe> {
    const t = await this.bind();
    const h = await t.open({
      name,
      desiredAccess:
        Access.FILE_READ_DATA |
        Access.FILE_WRITE_DATA |
        Access.FILE_APPEND_DATA |
        Access.FILE_READ_EA |
        Access.FILE_WRITE_EA |
        Access.FILE_READ_ATTRIBUTES |
        Access.FILE_WRITE_ATTRIBUTES |
        Access.READ_CONTROL |
        Access.SYNCHRONIZE,
      fileAttributes: 0,
      shareAccess: ShareAccess.READ | ShareAccess.WRITE,
      disposition: Disposition.OPEN,
      options: 0,
    });
    return new SmbNamedPipe(h, opts);
  }

  /** TREE_DISCONNECT (best effort); the tree reconnects if used again. */
  async disconnect(): Promise<void> {
    const b = this.bound;
    this.bound = undefined;
    if (!b || b.conn.isClosed) return;
    await b.send(Command.TREE_DISCONNECT, encodeTreeDisconnectRequest()).catch(() => undefined);
  }
}
