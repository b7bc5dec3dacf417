import { test } from "node:test";
import assert from "node:assert/strict";
import {
  SecurityDecodeError,
  decodeSecurityDescriptor,
  encodeSecurityDescriptor,
  type SecurityDescriptor,
} from "../../../../src/protocols/smb/security/index.js";

/** Deterministic xorshift32 so a failure can be replayed from the printed seed. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

const base: SecurityDescriptor = {
  revision: 1,
  control: 0x1000,
  owner: "S-1-5-21-1004336348-1177238915-682003330-1000",
  group: "S-1-22-2-1000",
  dacl: {
    revision: 2,
    aces: [
      {
        type: 0,
        typeName: "",
        kind: "allow",
        flags: 0x03,
        mask: 0x1f01ff,
        sid: "S-1-5-21-1004336348-1177238915-682003330-1000",
      },
      { type: 1, typeName: "", kind: "deny", flags: 0x10, mask: 0x40000, sid: "S-1-1-0" },
      { type: 0, typeName: "", kind: "allow", flags: 0x0b, mask: 0x1200a9, sid: "S-1-3-0" },
    ],
  },
  sacl: { revision: 2, aces: [{ type: 2, typeName: "", kind: "audit", flags: 0xc0, mask: 0x10000, sid: "S-1-1-0" }] },
};

test("decoder never throws anything but SecurityDecodeError and never reads out of bounds (20k mutants)", () => {
  const seed = 0x5eed1234;
  const next = rng(seed);
  const valid = encodeSecurityDescriptor(base);
  const roundTrip = decodeSecurityDescriptor(valid);
  assert.equal(roundTrip.dacl?.aces.length, 3);
  assert.deepEqual(encodeSecurityDescriptor(roundTrip), valid);
  let ok = 0;
  let rejected = 0;
  for (let i = 0; i < 20_000; i++) {
    let buf: Buffer;
    const mode = next() % 4;
    if (mode === 0) {
      buf = valid.subarray(0, next() % valid.length);
    } else if (mode === 1) {
      buf = Buffer.from(valid);
      for (let k = 1 + (next() % 4); k > 0; k--) buf[next() % buf.length] = next() & 0xff;
    } else if (mode === 2) {
      buf = Buffer.alloc(next() % 200);
      for (let k = 0; k < buf.length; k++) buf[k] = next() & 0xff;
      if (buf.length > 3) {
        buf[0] = 1;
        buf[3] |= 0x80;
      }
    } else {
      buf = Buffer.from(valid);
      const at = [4, 8, 12, 16][next() % 4];
      buf.writeUInt32LE(next() % (valid.length + 64), at);
    }
    try {
      const sd = decodeSecurityDescriptor(buf);
      for (const ace of sd.dacl?.aces ?? []) assert.equal(typeof ace.mask, "number");
      ok++;
    } catch (err) {
      assert.ok(err instanceof SecurityDecodeError, `seed ${seed} case ${i}: ${String(err)}`);
      rejected++;
    }
  }
  assert.ok(ok > 100 && rejected > 100, `both paths exercised (ok ${ok}, rejected ${rejected})`);
});
