/**
 * RC4, written out because Node 20's OpenSSL 3 only offers it through the legacy provider.
 * NTLM uses it to wrap the exported session key (KEY_EXCH) and to seal the 8-byte checksum
 * of NTLM signatures (the SPNEGO mechListMIC). Never used for bulk data.
 */

/**
 * A keyed RC4 keystream that keeps its position between calls, as NTLM's sealing handles
 * do (MS-NLMP 3.4.3: one handle per direction for the whole security context).
 */
export class Rc4Stream {
  private readonly s = new Uint8Array(256);
  private i = 0;
  private j = 0;

  /** @throws RangeError when the key is empty or longer than 256 bytes. */
  constructor(key: Buffer) {
    if (key.length === 0 || key.length > 256) throw new RangeError("RC4 key must be 1..256 bytes");
    const s = this.s;
    for (let n = 0; n < 256; n++) s[n] = n;
    let j = 0;
    for (let n = 0; n < 256; n++) {
      j = (j + s[n] + key[n % key.length]) & 0xff;
      const t = s[n];
      s[n] = s[j];
      s[j] = t;
    }
  }

  /** XORs `data` with the next bytes of the keystream into a new buffer. */
  process(data: Buffer): Buffer {
    const s = this.s;
    const out = Buffer.allocUnsafe(data.length);
    let i = this.i;
    let j = this.j;
    for (let n = 0; n < data.length; n++) {
      i = (i + 1) & 0xff;
      j = (j + s[i]) & 0xff;
      const t = s[i];
      s[i] = s[j];
      s[j] = t;
      out[n] = data[n] ^ s[(s[i] + s[j]) & 0xff];
    }
    this.i = i;
    this.j = j;
    return out;
  }
}

/** One-shot RC4 from a fresh key schedule; encryption and decryption are the same operation. */
export function rc4(key: Buffer, data: Buffer): Buffer {
  return new Rc4Stream(key).process(data);
}
