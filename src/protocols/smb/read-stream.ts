/**
 * A Readable over an SMB file with several READs in flight (pipelining). Each READ asks for up to
 * `chunkSize` bytes (bounded by MaxReadSize, charged as multi-credit) and results are pushed in
 * file order. The stream holds at most `depth` chunks beyond what the consumer took, so memory
 * stays bounded whatever the file size; backpressure stops new READs.
 *
 * Memory and copies: the socket reads a plaintext READ response straight into a receive frame of
 * its own, and the consumer's chunk is a view of that frame — no copy in user space. Each
 * _read() delivers one chunk, so Readable.read() never joins (copies) several. A frame the
 * consumer never hands back is garbage: every new ArrayBuffer counts as V8 external memory, and
 * each ~64 MiB of it starts a full mark-compact, whose cost grows with the host process's heap
 * (a large share of a busy server's main thread during a 1 GiB read). A consumer that knows when
 * it is done with a chunk hands it back with {@link SmbReadStream.releaseChunk}; its frame then
 * serves a later READ, and a whole transfer allocates a handful of frames.
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
  /**
   * READs in flight (default 8: with 1 MiB READs, enough to keep a loopback or LAN link busy while
   * the consumer writes and fsyncs in bursts).
   */
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
  private pumpQueued = false;
  private eof = false;
  private epoch = 0;
  private readonly chunk: number;
  private readonly depth: number;
  /**
   * Chunks emitted as views of a pooled receive frame, which {@link releaseChunk} may hand back.
   * Keyed by the chunk object, not its ArrayBuffer: once handed back, the same memory may carry
   * a later chunk of this stream, and a repeated release of the old chunk must not free that one.
   * Weak, so a chunk the consumer drops without handing back is collected as before.
   */
  private readonly pooled = new WeakSet<Buffer>();

  constructor(
    private readonly openHandle: () => Promise<SmbHandle>,
    private readonly opts: ReadStreamOptions,
  ) {
    super({ highWaterMark: 1 << 20 });
    this.chunk = opts.chunkSize ?? 1 << 20;
    this.depth = Math.max(1, opts.depth ?? 8);
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
    // Readable.read() calls _read() and then takes everything buffered: a chunk pushed from in
    // here would be joined (copied) with the one being read. Push on the next tick instead.
    if (!this.pumpQueued) {
      this.pumpQueued = true;
      process.nextTick(() => {
        this.pumpQueued = false;
        this.pump();
      });
    }
  }

  private pump(): void {
    const h = this.handle;
    if (!h || this.destroyed) return;
    while (this.wanted && this.done.has(this.nextDeliver)) {
      const data = this.done.get(this.nextDeliver)!;
      this.done.delete(this.nextDeliver);
      this.nextDeliver += data.length;
      this.push(data);
      // One chunk per _read(): a reader (for await, read()) then takes exactly that chunk instead
      // of a join of several; prefetched chunks wait in `done`, not in the Readable's buffer.
      this.wanted = false;
    }
    if (this.nextDeliver >= this.limit || (this.eof && this.inflight === 0 && this.done.size === 0)) {
      if (this.inflight === 0 && !this.readableEnded) {
        this.push(null);
      }
      return;
    }
    const chunk = Math.min(this.chunk, h.tree.conn.maxReadSize);
    while (
      !this.eof &&
      this.inflight < this.depth &&
      this.nextIssue < this.limit &&
      this.done.size + this.inflight < this.depth + 2
    ) {
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
            if (epoch !== this.epoch || this.destroyed) {
              res.release?.();
              return this.pump();
            }
            // The consumer gets a view of the receive frame itself (the socket read straight into
            // it): no copy. The frame goes back to the pool only through releaseChunk.
            const data = res.header.status === NtStatus.END_OF_FILE ? Buffer.alloc(0) : decodeReadResponse(res.message);
            if (res.release && data.length) this.pooled.add(data);
            if (data.length === 0) {
              this.eof = true;
              this.limit = Math.min(this.limit, offset);
            } else if (data.length < len) {
              // The file is shorter than expected: drop the speculative reads and go on from here.
              this.epoch++;
              for (const [k, dropped] of [...this.done]) {
                if (k > offset) {
                  this.done.delete(k);
                  this.releaseChunk(dropped);
                }
              }
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

  /**
   * Hands back a chunk this stream emitted, so its receive frame serves a later READ instead of
   * a fresh allocation. Optional: a chunk never handed back is garbage-collected. Call it only
   * once nothing reads the chunk or any view of it any more (a subarray, a pending write, a
   * queued hash update): the memory is overwritten by a later READ. The stream cannot know this
   * by itself, hence opt-in. Pass the chunk object as emitted; a repeated call, another view of
   * it, a chunk of another stream or any other buffer is ignored.
   */
  releaseChunk(chunk: Buffer): void {
    if (!this.pooled.has(chunk)) return;
    this.pooled.delete(chunk);
    this.handle?.tree.conn.releaseFrame(chunk);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const h = this.handle;
    // Prefetched chunks were never emitted: nobody else views their frames.
    for (const data of this.done.values()) this.releaseChunk(data);
    this.done.clear();
    if (!h) return callback(error);
    h.close().then(
      () => callback(error),
      (e) => callback(error ?? (e as Error)),
    );
  }
}
