/**
 * A Writable over an SMB file: incoming chunks become WRITEs of `chunkSize` bytes (bounded by
 * MaxWriteSize, multi-credit) with up to `depth` WRITEs in flight. The write callback is held
 * while the pipeline is full — that is the backpressure — so memory stays at about
 * depth × chunkSize. `finish` fires after every WRITE succeeded and the handle is closed; any
 * failed WRITE destroys the stream with its SmbError.
 *
 * Copies: whole WRITEs are cut straight out of the caller's chunk and sent without a copy; the
 * chunk's callback then also waits until the socket has written them, so a caller may reuse its
 * buffer once called back (as with fs and net streams). Only the pieces that do not fill a WRITE
 * are copied, into a buffer of our own that gathers the next WRITE.
 */
import { Writable } from "node:stream";
import type { SmbHandle } from "./file-handle.js";
import { Command } from "./messages/header.js";
import { decodeWriteResponse, encodeWriteRequestHead } from "./messages/read-write.js";
import { SmbError } from "./errors.js";

export interface WriteStreamOptions {
  /** Bytes per WRITE (default min(MaxWriteSize, 1 MiB)). */
  chunkSize?: number;
  /** WRITEs in flight (default 4). */
  depth?: number;
  /** Byte offset of the first write (default 0). */
  start?: number;
  /**
   * Called with each chunk written to the stream once nothing here reads it (or a view of it)
   * any more, right after its write callback, so its owner may reuse the memory. Not called for
   * a chunk whose WRITEs failed: the socket may still hold views of it.
   */
  onChunkFree?: (chunk: Buffer) => void;
}

export class SmbWriteStream extends Writable {
  private handle: SmbHandle | undefined;
  /** Gathers the pieces of the next WRITE (owned by us, so the caller's chunks can be reused). */
  private acc: Buffer | undefined;
  private accBytes = 0;
  private offset: number;
  private inflight = 0;
  /** WRITEs cut from the current chunk that the socket has not written yet. */
  private unwritten = 0;
  /** The callback of the current chunk, held until it may be called (one chunk at a time). */
  private waiting: ((error?: Error | null) => void) | undefined;
  private waitingChunk: Buffer | undefined;
  private failed: Error | undefined;
  private idle: (() => void) | undefined;
  private readonly depth: number;
  /** Bytes acknowledged by the server. */
  bytesWrittenToServer = 0;

  constructor(
    private readonly openHandle: () => Promise<SmbHandle>,
    private readonly opts: WriteStreamOptions,
  ) {
    super({ highWaterMark: 1 << 20 });
    this.offset = opts.start ?? 0;
    this.depth = Math.max(1, opts.depth ?? 4);
  }

  private get chunk(): number {
    return Math.min(this.opts.chunkSize ?? 1 << 20, this.handle!.tree.conn.maxWriteSize);
  }

  override _construct(callback: (error?: Error | null) => void): void {
    this.openHandle().then(
      (h) => {
        this.handle = h;
        callback();
      },
      (e) => callback(e as Error),
    );
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.failed) return callback(this.failed);
    const size = this.chunk;
    let off = 0;
    if (this.accBytes > 0) off = this.gather(chunk, 0, size);
    while (chunk.length - off >= size) {
      this.unwritten++;
      this.issue(chunk.subarray(off, off + size), () => {
        this.unwritten--;
        this.release();
      });
      off += size;
    }
    if (off < chunk.length) this.gather(chunk, off, size);
    this.waiting = callback;
    this.waitingChunk = chunk;
    this.release();
  }

  /** Copies from `chunk[from]` into the gathering buffer; sends it when full. Returns the new offset. */
  private gather(chunk: Buffer, from: number, size: number): number {
    this.acc ??= Buffer.allocUnsafe(size);
    const k = Math.min(size - this.accBytes, chunk.length - from);
    chunk.copy(this.acc, this.accBytes, from, from + k);
    this.accBytes += k;
    if (this.accBytes === size) this.flushGathered();
    return from + k;
  }

  private flushGathered(): void {
    if (!this.accBytes) return;
    const data = this.acc!.subarray(0, this.accBytes);
    this.acc = undefined;
    this.accBytes = 0;
    this.issue(data);
  }

  /** Calls the held chunk callback once its WRITEs left and the pipeline has room (or on failure). */
  private release(): void {
    const cb = this.waiting;
    if (!cb || (!this.failed && (this.unwritten > 0 || this.inflight >= this.depth))) return;
    const chunk = this.waitingChunk!;
    this.waiting = undefined;
    this.waitingChunk = undefined;
    cb(this.failed);
    if (!this.failed) this.opts.onChunkFree?.(chunk);
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (!this.failed) this.flushGathered();
    const finish = () => {
      if (this.failed) return callback(this.failed);
      const h = this.handle!;
      h.close().then(
        () => callback(),
        (e) => callback(e as Error),
      );
    };
    if (this.inflight === 0) finish();
    else this.idle = finish;
  }

  private issue(data: Buffer, onWritten?: () => void): void {
    const h = this.handle!;
    const offset = this.offset;
    this.offset += data.length;
    this.inflight++;
    const len = data.length;
    // Only `len` is kept past this call: the data is referenced by the socket until written, no longer.
    h.tree
      .send(Command.WRITE, [encodeWriteRequestHead(h.fileId, BigInt(offset), len), data], {
        creditCharge: h.tree.conn.creditChargeFor(len),
        onWritten,
      })
      .then(
        (res) => {
          const count = decodeWriteResponse(res.message);
          if (count !== len) throw SmbError.protocol(`short WRITE: ${count} of ${len} bytes at ${offset}`);
          this.bytesWrittenToServer += count;
          this.settle();
        },
        (e) => {
          this.failed ??= e as Error;
          this.settle();
        },
      )
      .catch((e) => {
        this.failed ??= e as Error;
        this.settle();
      });
  }

  private settle(): void {
    this.inflight--;
    this.release();
    if (this.inflight === 0 && this.idle) {
      const i = this.idle;
      this.idle = undefined;
      i();
    }
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const h = this.handle;
    this.acc = undefined;
    this.accBytes = 0;
    this.waitingChunk = undefined;
    if (!h || h.isClosed) return callback(error);
    h.close().then(
      () => callback(error),
      () => callback(error),
    );
  }
}
