/**
 * QuickXorHash, the content hash OneDrive for Business and SharePoint report as
 * `file.hashes.quickXorHash` (base64 of 20 bytes).
 *
 * The published algorithm XORs byte i of the input into a 160-bit register at bit offset
 * (i * 11) mod 160, then XORs the input length (64-bit little-endian) into the last 8 bytes.
 * Because 11 * 1760 ≡ 0 (mod 160), bytes 1760 apart land on the same bit offset, so the
 * streaming state is a 1760-byte accumulator that input is XORed into cyclically; the bit
 * shuffling happens once, in {@link digest}. That keeps {@link update} a tight byte loop with
 * constant memory whatever the input size.
 */
export class QuickXorHash {
  private static readonly WIDTH_BITS = 160;
  private static readonly SHIFT = 11;
  private static readonly CYCLE = 1760;

  private readonly acc = new Uint8Array(QuickXorHash.CYCLE);
  private pos = 0;
  private length = 0n;

  update(chunk: Uint8Array): this {
    const acc = this.acc;
    const cycle = QuickXorHash.CYCLE;
    let pos = this.pos;
    for (let i = 0; i < chunk.length; i++) {
      acc[pos] ^= chunk[i];
      pos++;
      if (pos === cycle) pos = 0;
    }
    this.pos = pos;
    this.length += BigInt(chunk.length);
    return this;
  }

  /**
   * Appends the input another hash saw (hashed from its own offset 0) as if it had been fed to
   * this one after everything so far. Lets a resumable upload hash each fragment separately
   * and keep only complete fragments.
   */
  absorb(other: QuickXorHash, offset: number): this {
    const cycle = QuickXorHash.CYCLE;
    const shift = offset % cycle;
    for (let j = 0; j < cycle; j++) this.acc[(shift + j) % cycle] ^= other.acc[j];
    this.length += other.length;
    this.pos = Number(this.length % BigInt(cycle));
    return this;
  }

  /** The 20-byte digest; the hash stays usable (digest does not reset it). */
  digest(): Buffer {
    const out = new Uint8Array(21);
    for (let i = 0; i < QuickXorHash.CYCLE; i++) {
      const bit = (i * QuickXorHash.SHIFT) % QuickXorHash.WIDTH_BITS;
      const byte = bit >> 3;
      const shifted = this.acc[i] << (bit & 7);
      out[byte] ^= shifted & 0xff;
      out[byte + 1] ^= (shifted >> 8) & 0xff;
    }
    // Bits shifted past bit 159 wrap around to the start of the register.
    out[0] ^= out[20];
    const result = Buffer.from(out.subarray(0, 20));
    let len = this.length;
    for (let k = 0; k < 8; k++) {
      result[12 + k] ^= Number(len & 0xffn);
      len >>= 8n;
    }
    return result;
  }

  digestBase64(): string {
    return this.digest().toString("base64");
  }
}

export function quickXorHashOf(data: Uint8Array | string): string {
  return new QuickXorHash().update(typeof data === "string" ? Buffer.from(data) : data).digestBase64();
}
