/**
 * Little-endian NDR 2.0 (C706 chapter 14) primitives for the hand-written LSA stubs. Alignment
 * is relative to the start of the stub, which is what NDR requires (the PDU header before it is
 * 24 bytes, itself 8-aligned). Unique/full pointer referent ids start at 0x00020000 and step by
 * 4, as Windows and Samba number them.
 */
export class NdrWriter {
  private buf = Buffer.alloc(256);
  private len = 0;
  private nextReferent = 0x0002_0000;

  get length(): number {
    return this.len;
  }

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = Buffer.alloc(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  align(n: 2 | 4 | 8): this {
    const pad = (n - (this.len % n)) % n;
    this.ensure(pad);
    this.buf.fill(0, this.len, this.len + pad);
    this.len += pad;
    return this;
  }

  u8(v: number): this {
    this.ensure(1);
    this.buf[this.len++] = v & 0xff;
    return this;
  }

  u16(v: number): this {
    this.align(2).ensure(2);
    this.buf.writeUInt16LE(v & 0xffff, this.len);
    this.len += 2;
    return this;
  }

  u32(v: number): this {
    this.align(4).ensure(4);
    this.buf.writeUInt32LE(v >>> 0, this.len);
    this.len += 4;
    return this;
  }

  bytes(b: Buffer): this {
    this.ensure(b.length);
    b.copy(this.buf, this.len);
    this.len += b.length;
    return this;
  }

  /** A unique pointer: the next referent id, or 0 (null) when `present` is false. */
  pointer(present: boolean): this {
    if (!present) return this.u32(0);
    const id = this.nextReferent;
    this.nextReferent += 4;
    return this.u32(id);
  }

  /**
   * Conformant varying array of UTF-16 code units (max_count, offset 0, actual_count, units).
   * `maxUnits` defaults to the string's length; a `[string]` wchar_t* passes `nulTerminate`.
   */
  wideString(s: string, opts: { maxUnits?: number; nulTerminate?: boolean } = {}): this {
    const text = opts.nulTerminate ? s + "\0" : s;
    const units = Buffer.from(text, "utf16le");
    const actual = units.length / 2;
    this.u32(opts.maxUnits ?? actual)
      .u32(0)
      .u32(actual)
      .bytes(units);
    return this;
  }

  toBuffer(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.len));
  }
}
