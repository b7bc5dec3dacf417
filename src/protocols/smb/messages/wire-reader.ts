import { SmbError } from "../errors.js";

/**
 * Bounds-checked little-endian reads over one received message. Every accessor throws a protocol
 * SmbError instead of reading past the end, so a truncated or hostile response can never be
 * misparsed silently.
 */
export class WireReader {
  constructor(
    readonly buf: Buffer,
    private readonly what: string,
  ) {}

  need(offset: number, length: number): void {
    if (offset < 0 || length < 0 || offset + length > this.buf.length) {
      throw SmbError.protocol(`${this.what}: truncated (need ${offset}+${length}, have ${this.buf.length})`);
    }
  }
  u8(o: number): number {
    this.need(o, 1);
    return this.buf.readUInt8(o);
  }
  u16(o: number): number {
    this.need(o, 2);
    return this.buf.readUInt16LE(o);
  }
  u32(o: number): number {
    this.need(o, 4);
    return this.buf.readUInt32LE(o);
  }
  u64(o: number): bigint {
    this.need(o, 8);
    return this.buf.readBigUInt64LE(o);
  }
  bytes(o: number, length: number): Buffer {
    this.need(o, length);
    return this.buf.subarray(o, o + length);
  }
  utf16(o: number, length: number): string {
    return this.bytes(o, length).toString("utf16le");
  }
}

/** SMB2 structures align to 8 bytes. */
export function pad8(n: number): number {
  return (n + 7) & ~7;
}
