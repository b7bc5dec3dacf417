import { RpcError } from "./rpc-errors.js";

/**
 * Bounds-checked little-endian NDR 2.0 reader for the LSA response stubs. Every read checks the
 * remaining length first and throws {@link RpcError} kind "protocol" instead of reading past the
 * end; array counts are checked against the bytes left before anything is allocated.
 */
export class NdrReader {
  private pos = 0;
  constructor(private readonly buf: Buffer) {}

  get offset(): number {
    return this.pos;
  }

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  private need(n: number, what: string): void {
    if (this.pos + n > this.buf.length) {
      throw new RpcError("protocol", `NDR: ${what} needs ${n} bytes at ${this.pos}, stub has ${this.buf.length}`);
    }
  }

  align(n: 2 | 4 | 8): this {
    const pad = (n - (this.pos % n)) % n;
    this.need(pad, "alignment");
    this.pos += pad;
    return this;
  }

  u8(what = "u8"): number {
    this.need(1, what);
    return this.buf[this.pos++];
  }

  u16(what = "u16"): number {
    this.align(2).need(2, what);
    const v = this.buf.readUInt16LE(this.pos);
    this.pos += 2;
    return v;
  }

  u32(what = "u32"): number {
    this.align(4).need(4, what);
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  i32(what = "i32"): number {
    this.align(4).need(4, what);
    const v = this.buf.readInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  bytes(n: number, what = "bytes"): Buffer {
    this.need(n, what);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }

  /** Reads a count and fails unless `count * minElementSize` bytes could still follow. */
  count(what: string, minElementSize: number): number {
    const n = this.u32(what);
    if (n * minElementSize > this.remaining) {
      throw new RpcError("protocol", `NDR: ${what} of ${n} elements exceeds the ${this.remaining} bytes left`);
    }
    return n;
  }

  /**
   * Conformant varying UTF-16 array (max_count, offset, actual_count, units) — the deferred
   * buffer of an RPC_UNICODE_STRING or a `[string]` pointer. Fails when offset + actual
   * exceeds max_count. A trailing NUL is kept; callers of `[string]` strip it.
   */
  wideString(what: string): string {
    const max = this.u32(`${what} max_count`);
    const off = this.u32(`${what} offset`);
    const actual = this.u32(`${what} actual_count`);
    if (off + actual > max) throw new RpcError("protocol", `NDR: ${what} offset ${off} + ${actual} > max ${max}`);
    return this.bytes(actual * 2, what).toString("utf16le");
  }

  /** Fails unless the whole stub was consumed (after final alignment to 4). */
  end(what: string): void {
    if (this.remaining !== 0) throw new RpcError("protocol", `NDR: ${this.remaining} unread bytes after ${what}`);
  }
}
