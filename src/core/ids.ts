import { randomFillSync } from "node:crypto";

/** Type prefixes of every id ScaiDrive hands out (design §5). */
export type IdPrefix = "usr" | "grp" | "tok" | "shr" | "fil" | "ver" | "cnn" | "job" | "map" | "alr" | "aud" | "upl";

/** A new id: the type prefix, an underscore and a ULID (time-ordered, so ids sort by creation). */
export function newId(prefix: IdPrefix): string {
  return `${prefix}_${newUlid()}`;
}

export function hasPrefix(id: string, prefix: IdPrefix): boolean {
  return id.startsWith(`${prefix}_`) && id.length === prefix.length + 27;
}

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/** Random bytes are drawn from the CSPRNG in blocks: one call per id cost more than the rest of an upload's id work. */
const POOL_BYTES = 4096;
const pool = Buffer.alloc(POOL_BYTES);
let poolAt = POOL_BYTES;
let lastTime = -1;
/** The 80 random bits of the last ULID as 16 base-32 digits, for monotonic increments within a millisecond. */
const lastRandom = new Uint8Array(16);

/**
 * A ULID (26 Crockford base-32 characters: 48-bit millisecond time, 80 random bits). Within one
 * millisecond the random part of the previous ULID is incremented instead of redrawn, so ids of
 * this process are strictly increasing, as the ULID spec's monotonic mode prescribes.
 */
export function newUlid(): string {
  let now = Date.now();
  if (now <= lastTime) {
    now = lastTime;
    let i = 15;
    while (i >= 0 && lastRandom[i] === 31) lastRandom[i--] = 0;
    // 2^80 ids in one millisecond cannot happen; wrapping would only restart the sequence.
    if (i >= 0) lastRandom[i]++;
  } else {
    lastTime = now;
    if (poolAt + 10 > POOL_BYTES) {
      randomFillSync(pool);
      poolAt = 0;
    }
    // 10 random bytes = 80 bits = 16 digits of 5 bits each.
    for (let g = 0; g < 2; g++) {
      const b = poolAt + g * 5;
      const hi = pool[b] * 0x100 + pool[b + 1];
      const lo = ((pool[b + 2] * 0x100 + pool[b + 3]) * 0x100 + pool[b + 4]) >>> 0;
      const bits = hi * 0x1000000 + lo; // 40 bits, exact in a double
      for (let d = 0; d < 8; d++) lastRandom[g * 8 + d] = Math.floor(bits / 2 ** (35 - 5 * d)) % 32;
    }
    poolAt += 10;
  }
  let out = "";
  for (let i = 9; i >= 0; i--) out += CROCKFORD[Math.floor(now / 2 ** (5 * i)) % 32];
  for (let i = 0; i < 16; i++) out += CROCKFORD[lastRandom[i]];
  return out;
}
