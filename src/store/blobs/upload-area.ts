import { createWriteStream } from "node:fs";
import { mkdir, open, opendir, readFile, rename, stat, unlink } from "node:fs/promises";
import { join } from "node:path";
import { Transform, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { AppError } from "../../core/errors.js";
import { uploadsDir } from "./blob-paths.js";
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from "../data-dir.js";

/** What is known of a resumable upload besides its bytes (kept beside them as `<id>.json`). */
export interface UploadRecord {
  id: string;
  user_id: string;
  share_id: string;
  /** Canonical destination path. */
  path: string;
  /** SHA-256 the destination's current content must still have when the upload completes. */
  if_match_sha256?: string;
  size: number;
  /** The client's Upload-Metadata, as it sent it. */
  metadata: Record<string, string | null>;
  created_at: string;
  /** Set once the version is committed: the upload then only answers (HEAD, a repeated final PATCH). */
  completed?: { node_id: string; version_id: string | null; sha256: string };
}

/** Upload ids are ours (`upl_` + ULID); anything else never reaches the filesystem. */
const UPLOAD_ID = /^upl_[0-9A-HJKMNP-TV-Z]{26}$/;

/** Write buffer of an append: bytes go to disk in large writes, memory stays at this per upload. */
const WRITE_CHUNK = 1024 * 1024;

/**
 * The bytes and records of resumable uploads in progress, as files in the blob store's uploads
 * directory (`<id>.part` and `<id>.json`), so every node sharing the data dir sees the same
 * uploads and a finished one moves into the blob store by rename. The offset of an upload is its
 * file's size: bytes that reached the file before a connection dropped count.
 *
 * Callers serialise the operations on one upload (the tus server locks per upload id).
 */
export class UploadArea {
  private ready: Promise<unknown> | undefined;

  constructor(private readonly blobDir: string) {}

  /** The file holding the upload's bytes (for {@link BlobStore.adopt} once complete). */
  dataPath(id: string): string {
    return join(uploadsDir(this.blobDir), `${checkId(id)}.part`);
  }

  private recordPath(id: string): string {
    return join(uploadsDir(this.blobDir), `${checkId(id)}.json`);
  }

  /** Creates the empty data file and the record. @throws if the id exists. */
  async create(record: UploadRecord): Promise<void> {
    this.ready ??= mkdir(uploadsDir(this.blobDir), { recursive: true, mode: PRIVATE_DIR_MODE }).catch((err) => {
      this.ready = undefined;
      throw err;
    });
    await this.ready;
    await (await open(this.dataPath(record.id), "wx", PRIVATE_FILE_MODE)).close();
    await this.writeRecord(record);
  }

  /** The record and the bytes received so far, or undefined for an unknown (or malformed) id. */
  async get(id: string): Promise<{ record: UploadRecord; offset: number } | undefined> {
    if (!UPLOAD_ID.test(id)) return undefined;
    let record: UploadRecord;
    try {
      record = JSON.parse(await readFile(this.recordPath(id), "utf8")) as UploadRecord;
    } catch (err) {
      if (isErrno(err, "ENOENT")) return undefined;
      throw err;
    }
    if (record.completed) return { record, offset: record.size };
    try {
      return { record, offset: (await stat(this.dataPath(id))).size };
    } catch (err) {
      if (isErrno(err, "ENOENT")) return undefined;
      throw err;
    }
  }

  /**
   * Appends `source` at `offset` (which must be the file's size) and returns the new size. At most
   * `maxBytes` are taken: more fails with PAYLOAD_TOO_LARGE after writing `maxBytes`. If the source
   * fails midway (the client went away), what was written stays and counts; the error is rethrown.
   */
  async append(id: string, offset: number, source: Readable, maxBytes: number): Promise<number> {
    const path = this.dataPath(id);
    let taken = 0;
    const limit = new Transform({
      transform(chunk: Buffer, _enc, done) {
        taken += chunk.length;
        if (taken > maxBytes) return done(new AppError("PAYLOAD_TOO_LARGE", `at most ${maxBytes} more bytes fit`));
        done(null, chunk);
      },
    });
    // On failure whatever reached the file stays and counts: the next HEAD reports it.
    await pipeline(source, limit, createWriteStream(path, { flags: "r+", start: offset, highWaterMark: WRITE_CHUNK }));
    return (await stat(path)).size;
  }

  /** Marks the upload done (its bytes now belong to the blob store). */
  async complete(record: UploadRecord, completed: NonNullable<UploadRecord["completed"]>): Promise<UploadRecord> {
    const done = { ...record, completed };
    await this.writeRecord(done);
    await unlink(this.dataPath(record.id)).catch((err: unknown) => {
      if (!isErrno(err, "ENOENT")) throw err;
    });
    return done;
  }

  /** Removes the upload's files; unknown ids are ignored. */
  async remove(id: string): Promise<void> {
    for (const path of [this.dataPath(id), this.recordPath(id)]) {
      await unlink(path).catch((err: unknown) => {
        if (!isErrno(err, "ENOENT")) throw err;
      });
    }
  }

  /**
   * Every upload in the directory, for expiry: its record, or none for files a crash left without
   * one (their last modification tells their age). An upload that vanishes meanwhile is skipped.
   */
  async *entries(): AsyncGenerator<{ id: string; record?: UploadRecord; modifiedMs: number }> {
    let dir;
    try {
      dir = await opendir(uploadsDir(this.blobDir));
    } catch (err) {
      if (isErrno(err, "ENOENT")) return;
      throw err;
    }
    const seen = new Set<string>();
    for await (const entry of dir) {
      const id = entry.name.split(".")[0]!;
      if (!entry.isFile() || !UPLOAD_ID.test(id) || seen.has(id)) continue;
      seen.add(id);
      const found = await this.get(id).catch(() => undefined);
      const modifiedMs = await stat(join(uploadsDir(this.blobDir), entry.name)).then(
        (st) => st.mtimeMs,
        () => undefined,
      );
      if (modifiedMs === undefined) continue;
      yield { id, record: found?.record, modifiedMs };
    }
  }

  /** Written to a temp name and renamed, so a reader never sees half a record. */
  private async writeRecord(record: UploadRecord): Promise<void> {
    const path = this.recordPath(record.id);
    const temp = `${path}.tmp`;
    const handle = await open(temp, "w", PRIVATE_FILE_MODE);
    try {
      await handle.writeFile(JSON.stringify(record));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  }
}

function checkId(id: string): string {
  if (!UPLOAD_ID.test(id)) throw new AppError("NOT_FOUND", `upload ${id} not found`);
  return id;
}

function isErrno(err: unknown, code: string): boolean {
  return (err as NodeJS.ErrnoException | null)?.code === code;
}
