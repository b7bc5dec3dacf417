import { Readable } from "node:stream";
import type { BlobReader } from "./blob-reader.js";
import { CHUNK_BYTES, giveBackChunk, takeChunk } from "./chunk-pool.js";

/**
 * A Readable of a blob whose chunks are lent from the shared chunk pool: a consumer that is done
 * with a chunk (a writer whose write callback has run) hands it back with {@link releaseChunk} and
 * the next read reuses its memory. A chunk never handed back is simply garbage-collected.
 */
export class BlobReadStream extends Readable {
  private left: number;
  /**
   * Chunks pushed and not yet handed back: only those may go back to the pool. Weak, because a
   * consumer that never hands chunks back (most do not) must not keep the whole blob in memory.
   */
  private readonly lent = new WeakSet<Buffer>();

  constructor(private readonly reader: BlobReader) {
    // One chunk read ahead: the consumer holds the ones it is writing.
    super({ highWaterMark: CHUNK_BYTES });
    this.left = reader.length;
  }

  override _read(): void {
    if (this.left === 0) {
      this.push(null);
      return;
    }
    const chunk = takeChunk(Math.min(CHUNK_BYTES, this.left));
    this.reader.read(chunk).then(
      (n) => {
        if (this.destroyed) return giveBackChunk(chunk);
        this.left -= n;
        this.lent.add(chunk);
        this.push(chunk);
        if (this.left === 0) this.push(null);
      },
      (err: Error) => {
        giveBackChunk(chunk);
        this.destroy(err);
      },
    );
  }

  /** Takes back a chunk this stream emitted once the consumer will not read it (or a view of it) again. */
  releaseChunk(chunk: Buffer): void {
    if (this.lent.delete(chunk)) giveBackChunk(chunk);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.reader.close();
    callback(error);
  }
}
