import { createHash } from "node:crypto";

const SHA512_BYTES = 64;

/**
 * SMB 3.1.1 pre-authentication integrity hash (MS-SMB2 3.2.5.2 / 3.2.5.3.1): starts at 64 zero
 * bytes and becomes SHA-512(previous || message) for each NEGOTIATE and SESSION_SETUP message,
 * request and response, excluding the 4-byte transport header. The connection keeps one after
 * NEGOTIATE; each session setup clones it and continues its own chain.
 */
export class PreauthIntegrityHash {
  private current: Buffer;

  constructor(initial?: Buffer) {
    if (initial && initial.length !== SHA512_BYTES) throw new RangeError("pre-auth hash must be 64 bytes");
    this.current = initial ? Buffer.from(initial) : Buffer.alloc(SHA512_BYTES);
  }

  update(message: Buffer): void {
    this.current = createHash("sha512").update(this.current).update(message).digest();
  }

  /** A copy of the current value; later updates do not change it. */
  get value(): Buffer {
    return Buffer.from(this.current);
  }

  clone(): PreauthIntegrityHash {
    return new PreauthIntegrityHash(this.current);
  }
}
