/**
 * A Readable over an SMB file with several READs in flight (pipelining). Each READ asks for up to
 * `chunkSize` bytes (bounded by MaxReadSize, charged as multi-credit) and results are pushed in
 * file order. The stream holds at most `depth` chunks beyond what the consumer took, so memory
 * stays bounded whatever the file size; backpressure stops new READs.
 *
 * Memory: a plaintext READ response lands in a pooled receive buffer; its data is copied out into
 * the chunk the consumer will get as soon as the response arrives, and the receive buffer goes
 * straight back to the pool, which therefore stays at one or two buffers. The consumer's chunks
 * are the only per-READ allocation, and they are short-lived (V8 frees them in young-generation
 * scavenges instead of leaving them for a full GC).
 */
import { Readable } from "node:stream";
import type { SmbHandle } from "./file-handle.js";
import { Command } from "./messages/header.js";
import { decodeReadResponse, encodeReadRequest } from "./messages/read-write.js";
import { NtStatus } from "./errors.js";

export interface ReadStreamOptions {
  /** First byte (default 0). */
  start?: number;
  /** Last byte, inclusive (like fs.createReadStream); default end of file. */
  end?: number;
  /** Bytes per READ (default min(MaxReadSize, 1 MiB)). */
  chunkSize?: number;
  /** READs in flight (default 4). */
  depth?: number;
}

export class SmbReadStream extends Readable {
  private handle: SmbHandle | undefined;
  private limit = 0;
  private nextIssue = 0;
  private nextDeliver = 0;
  private inflight = 0;
  private readonly done = new Map<number, Buffer>();
  private wanted = false;
  private eof = false;
  private epoch = 0;
  private readonly chunk: number;
  private readonly depth: number;

  constructor(
    private readonly openHandle: () => Promise<SmbHandle>,
    private readonly opts: ReadStreamOptions,
  ) {
    super({ highWaterMark: 1 << 20 });
    this.chunk = opts.chunkSize ?? 1 << 20;
    this.depth = Math.max(1, opts.depth ?? 4);
  }

  override _construct(callback: (error?: Error | null) => void): void {
    this.openHandle().then(
      (h) => {
        this.handle = h;
        const size = Number(h.info.endOfFile);
        const start = this.opts.start ?? 0;
        const end = this.opts.end === undefined ? size - 1 : Math.min(this.opts.end, size - 1);
        this.nextIssue = this.nextDeliver = start;
        this.limit = Math.max(start, end + 1);
        callback();
      },
      (e) => callback(e as Error),
    );
  }

  override _read(): void {
    this.wanted = true;
    this.pump();
  }

  private pump(): void {
    const h = this.handle;
    if (!h || this.destroyed) return;
    while (this.wanted && this.done.has(this.nextDeliver)) {
      const data = this.done.get(this.nextDeliver)!;
      this.done.delete(this.nextDeliver);
      this.nextDeliver += data.length;
      this.wanted = this.push(data);
    }
    if (this.nextDeliver >= this.limit || (this.eof && this.inflight === 0 && this.done.size === 0)) {
      if (this.inflight === 0 && !this.readableEnded) {
        this.push(null);
      }
      return;
    }
    const chunk = Math.min(this.chunk, h.tree.conn.maxReadSize);
    while (!this.eof && this.inflight < this.depth && this.nextIssue < this.limit && this.done.size + this.inflight < this.depth + 2) {
      const offset = this.nextIssue;
      const len = Math.min(chunk, this.limit - offset);
      this.nextIssue += len;
      this.inflight++;
      const epoch = this.epoch;
      h.tree
        .send(Command.READ, encodeReadRequest(h.fileId, BigInt(offset), len), {
          creditCharge: h.tree.conn.creditChargeFor(len),
          ok: [NtStatus.END_OF_FILE],
        })
        .then(
          (res) => {
            this.inflight--;
            if (epoch !== this.epoch) {
              res.release?.();
              return this.pump();
            }
            const view = res.header.status === NtStatus.END_OF_FILE ? Buffer.alloc(0) : decodeReadResponse(res.message);
            const data = res.release ? detach(view, res.release) : view;
            if (data.length === 0) {
              this.eof = true;
              this.limit = Math.min(this.limit, offset);
            } else if (data.length < len) {
              // The file is shorter than expected: drop the speculative reads and go on from here.
              this.epoch++;
              for (const k of [...this.done.keys()]) if (k > offset) this.done.delete(k);
              this.nextIssue = offset + data.length;
            }
            if (data.length) this.done.set(offset, data);
            this.pump();
          },
          (e) => {
            this.inflight--;
            this.destroy(e as Error);
          },
        );
    }
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const h = this.handle;
    this.done.clear();
    if (!h) return callback(error);
    h.close().then(
      () => callback(error),
      (e) => callback(error ?? (e as Error)),
    );
  }
}

/** A copy of `data` the consumer may keep (empty stays empty); the pooled buffer it came from goes back. */
function detach(data: Buffer, release: () => void): Buffer {
  const out = Buffer.allocUnsafe(data.length);
  data.copy(out);
  release();
  return out;
}
