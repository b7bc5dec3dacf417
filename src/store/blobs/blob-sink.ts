import { fdatasync, writev } from "node:fs";
import { Writable } from "node:stream";
import { AppError } from "../../core/errors.js";
import { startFileHash, type HashJob } from "./file-hasher.js";

/**
 * Dirty bytes after which a background fdatasync is started while the upload continues, so the
 * disk writes back during the transfer and the final fdatasync (the durability point) only has
 * the tail left. Small uploads never reach it and pay exactly one fdatasync, as before.
 */
const FLUSH_EVERY = 32 * 1024 * 1024;

/**
 * The write side of a blob put, in one stream stage: counts every chunk and writes it to `fd` at
 * the running offset; a worker thread hashes (SHA-256) what has been written (see file-hasher),
 * so `fd` must be open for reading too. Chunks that arrive while a write is in flight
 * are coalesced by the Writable machinery into one writev, so a 1 GiB upload costs a few hundred
 * syscalls, and the next write overlaps with receiving the following chunks.
 *
 * Exceeding maxBytes fails the stream with PAYLOAD_TOO_LARGE before the offending chunk is
 * written. The sink never closes `fd`: the caller must await {@link settle} (no write or flush
 * still running on the descriptor) and then {@link digest}, or {@link abandon} instead, before it
 * closes or unlinks: until then the hashing worker may read the descriptor.
 */
export class BlobSink extends Writable {
  private readonly hashJob: HashJob;
  private received = 0;
  private offered = 0;
  private written = 0;
  private writing: Promise<void> | undefined;
  private flushing: Promise<void> | undefined;
  private flushedUpTo = 0;
  /** A failed background flush: reported by settle(), since the kernel reports it only once per fd. */
  private flushError: unknown;

  constructor(
    private readonly fd: number,
    private readonly maxBytes: number | undefined,
    highWaterMark: number,
    /** Takes each chunk back once it is on disk (see PutOptions.recycleChunk). */
    private readonly recycleChunk?: (chunk: Buffer) => void,
  ) {
    super({ highWaterMark });
    this.hashJob = startFileHash(fd);
  }

  /** Content length so far (all of it once the stream has finished). */
  get size(): number {
    return this.received;
  }

  /** Hex digest of the content; call once, after the stream has finished and {@link settle}d. */
  digest(): Promise<string> {
    return this.hashJob.finish(this.written);
  }

  /** Stops the stream and the hashing; resolves once nothing uses the descriptor any more. */
  async abandon(): Promise<void> {
    this.destroy();
    await this.settle().catch(() => undefined);
    await this.hashJob.abort().catch(() => undefined);
  }

  /**
   * Counts bytes as they are offered, not as they are written: chunks wait in the Writable buffer
   * while a write is in flight, and a too-large upload must fail before the HTTP layer has read the
   * whole request (its stream has to stay alive for the 413 answer).
   */
  override write(chunk: unknown, encoding?: unknown, cb?: unknown): boolean {
    if (this.maxBytes !== undefined && !this.destroyed) {
      this.offered += typeof chunk === "string" ? Buffer.byteLength(chunk) : (chunk as Uint8Array).byteLength;
      if (this.offered > this.maxBytes) {
        this.destroy(tooLarge(this.maxBytes));
        return false;
      }
    }
    return (super.write as (...args: unknown[]) => boolean)(chunk, encoding, cb);
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (err?: Error | null) => void): void {
    this.writeBatch([chunk], done);
  }

  override _writev(chunks: Array<{ chunk: Buffer }>, done: (err?: Error | null) => void): void {
    this.writeBatch(
      chunks.map((c) => c.chunk),
      done,
    );
  }

  /**
   * Resolves once no write or background flush is running on the descriptor.
   * @throws the error of a background fdatasync, so the put fails rather than claim durability.
   */
  async settle(): Promise<void> {
    await this.writing?.catch(() => undefined);
    await this.flushing;
    if (this.flushError !== undefined) throw this.flushError;
  }

  private writeBatch(bufs: Buffer[], done: (err?: Error | null) => void): void {
    let bytes = 0;
    for (const buf of bufs) {
      bytes += buf.length;
      if (this.maxBytes !== undefined && this.received + bytes > this.maxBytes) {
        done(tooLarge(this.maxBytes));
        return;
      }
    }
    this.received += bytes;
    const writing = writeAll(this.fd, bufs, this.written).then(() => {
      this.written += bytes;
      this.hashJob.advance(this.written);
      // Only now: a short write continues from subarrays of these chunks until the whole batch is
      // written (the worker hashes the file, not the chunks).
      if (this.recycleChunk) for (const buf of bufs) this.recycleChunk(buf);
      this.maybeFlush();
    });
    this.writing = writing;
    writing.then(
      () => done(),
      (err: Error) => done(err),
    );
  }

  private maybeFlush(): void {
    const mark = this.written;
    if (this.flushing || this.flushError !== undefined || mark - this.flushedUpTo < FLUSH_EVERY) return;
    this.flushing = new Promise<void>((resolve) => {
      fdatasync(this.fd, (err) => {
        if (err) this.flushError = err;
        else this.flushedUpTo = mark;
        this.flushing = undefined;
        resolve();
      });
    });
  }
}

function tooLarge(maxBytes: number): AppError {
  return new AppError("PAYLOAD_TOO_LARGE", `content exceeds ${maxBytes} bytes`, { max_bytes: maxBytes });
}

/** pwritev of every byte of bufs at `position`, continuing after short writes. */
function writeAll(fd: number, bufs: Buffer[], position: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const step = (pending: Buffer[], pos: number): void => {
      writev(fd, pending, pos, (err, n) => {
        if (err) return reject(err);
        let rest = n;
        while (pending.length > 0 && rest >= pending[0].length) rest -= pending.shift()!.length;
        if (pending.length === 0) return resolve();
        if (rest > 0) pending[0] = pending[0].subarray(rest);
        step(pending, pos + n);
      });
    };
    step(bufs.slice(), position);
  });
}
