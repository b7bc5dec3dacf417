import { close, read } from "node:fs";

/**
 * Sequential reads of one stored blob (or a byte range of it) into buffers the caller owns and
 * reuses. A read stream allocates a fresh buffer per chunk instead, and on a server with a real
 * heap those external allocations cost a full mark-compact every few dozen MiB: about 30 per GiB
 * downloaded, more CPU than moving the bytes.
 */
export interface BlobReader {
  /** Bytes the reader delivers in all. */
  readonly length: number;
  /**
   * Fills `into` with the next bytes (fewer only at the end) and resolves with how many; 0 once
   * everything was read. One call at a time.
   * @throws if the file is shorter than it was when opened (a stored blob never changes).
   */
  read(into: Buffer): Promise<number>;
  /** Releases the file once no read is running. Idempotent; reads after it fail. */
  close(): void;
}

/** A reader of bytes start..end (inclusive) of an open descriptor, which it takes over. */
export function fileBlobReader(fd: number, start: number, end: number): BlobReader {
  let position = start;
  let reading = false;
  let closing = false;
  let closed = false;
  const release = () => {
    if (closed) return;
    closed = true;
    close(fd, () => undefined);
  };
  return {
    length: Math.max(0, end - start + 1),
    read(into) {
      if (closing) return Promise.reject(new Error("blob reader is closed"));
      if (reading) return Promise.reject(new Error("blob reader: one read at a time"));
      const want = Math.min(into.length, end + 1 - position);
      if (want <= 0) return Promise.resolve(0);
      reading = true;
      return new Promise((resolve, reject) => {
        read(fd, into, 0, want, position, (err, n) => {
          reading = false;
          if (closing) release();
          if (err) return reject(err);
          if (n < want) return reject(new Error(`blob ended ${want - n} bytes early at offset ${position + n}`));
          position += n;
          resolve(n);
        });
      });
    },
    close() {
      closing = true;
      if (!reading) release();
    },
  };
}
