import { Transform, type TransformCallback } from "node:stream";
import { QuickXorHash } from "../../../../src/connectors/sharepoint/quick-xor-hash.js";

/** The one QuickXorHash implementation lives in src (the sync engine verifies downloads with it). */
export { QuickXorHash, quickXorHashOf } from "../../../../src/connectors/sharepoint/quick-xor-hash.js";

/**
 * A pass-through stream that hashes and counts what flows through it; read `hash` and `size`
 * after the stream finished. Used on every upload path so content is never buffered whole.
 */
export class HashingPassThrough extends Transform {
  readonly hash = new QuickXorHash();
  size = 0;
  /** When set, the stream fails with {@link SizeLimitError} as soon as more bytes arrive. */
  constructor(private readonly limit = Number.POSITIVE_INFINITY) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.size += chunk.length;
    if (this.size > this.limit) {
      cb(new SizeLimitError(this.limit));
      return;
    }
    this.hash.update(chunk);
    cb(null, chunk);
  }
}

export class SizeLimitError extends Error {
  constructor(readonly limit: number) {
    super(`content exceeds ${limit} bytes`);
    this.name = "SizeLimitError";
  }
}
