import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  SecurityDecodeError,
  appendRid,
  decodeSid,
  encodeSid,
  normalizeSid,
  splitRid,
  wellKnownSidName,
} from "../../../../src/protocols/smb/security/index.js";

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ""), "hex");

describe("SID codec (MS-DTYP 2.4.2)", () => {
  test("BUILTIN\\Administrators encodes to the MS-DTYP 2.4.2.2 layout", () => {
    const bin = hex("01 02 000000000005 20000000 20020000");
    assert.deepEqual(encodeSid("S-1-5-32-544"), bin);
    assert.deepEqual(decodeSid(bin), { sid: "S-1-5-32-544", length: 16 });
  });

  test("domain account SID round trips", () => {
    const sid = "S-1-5-21-3623811015-3361044348-30300820-1013";
    const bin = encodeSid(sid);
    assert.equal(bin.length, 8 + 5 * 4);
    assert.deepEqual(bin.subarray(0, 8), hex("01 05 000000000005"));
    assert.equal(bin.readUInt32LE(8 + 4), 3623811015);
    assert.equal(decodeSid(bin).sid, sid);
  });

  test("authority ≥ 2^32 is formatted in hex (MS-DTYP 2.4.2.1)", () => {
    const bin = hex("01 01 123456789abc 01000000");
    assert.equal(decodeSid(bin).sid, "S-1-0x123456789abc-1");
    assert.deepEqual(encodeSid("S-1-0x123456789ABC-1"), bin);
    assert.equal(normalizeSid("s-1-0x123456789ABC-1"), "S-1-0x123456789abc-1");
  });

  test("SID with no sub-authorities (S-1-5)", () => {
    assert.deepEqual(encodeSid("S-1-5"), hex("01 00 000000000005"));
    assert.equal(decodeSid(hex("01 00 000000000005")).sid, "S-1-5");
  });

  test("decode at an offset reads only that SID", () => {
    const buf = Buffer.concat([Buffer.from([0xaa, 0xbb]), encodeSid("S-1-1-0"), Buffer.from([0xcc])]);
    assert.deepEqual(decodeSid(buf, 2), { sid: "S-1-1-0", length: 12 });
  });

  test("malformed input throws SecurityDecodeError", () => {
    for (const bad of [
      hex("01"),
      hex("02 01 000000000005 12000000"),
      hex("01 1000".repeat(6) + "00".repeat(64)),
      hex("01 02 000000000005 20000000"),
    ]) {
      assert.throws(() => decodeSid(bad), SecurityDecodeError);
    }
    for (const bad of [
      "",
      "S-1",
      "S-2-5-32",
      "S-1-5-x",
      "S-1-5-4294967296",
      "S-1-5-1".repeat(16),
      "S-1-0x1234567890abcd",
    ]) {
      assert.throws(() => encodeSid(bad), SecurityDecodeError, bad);
    }
  });

  test("splitRid / appendRid", () => {
    assert.deepEqual(splitRid("S-1-5-21-1-2-3-1000"), { domainSid: "S-1-5-21-1-2-3", rid: 1000 });
    assert.equal(splitRid("S-1-5"), null);
    assert.equal(appendRid("S-1-5-21-1-2-3", 513), "S-1-5-21-1-2-3-513");
    assert.equal(appendRid("S-1-5-32", 544), "S-1-5-32-544");
  });

  test("well-known names", () => {
    assert.deepEqual(wellKnownSidName("S-1-1-0"), { sid: "S-1-1-0", domain: "", name: "Everyone" });
    assert.deepEqual(wellKnownSidName("S-1-5-18"), { sid: "S-1-5-18", domain: "NT AUTHORITY", name: "SYSTEM" });
    assert.equal(wellKnownSidName("S-1-5-32-544")?.name, "Administrators");
    assert.equal(wellKnownSidName("S-1-5-21-1-2-3-512")?.name, "Domain Admins");
    assert.equal(wellKnownSidName("S-1-5-21-1-2-3-1000"), null);
    assert.equal(wellKnownSidName("S-1-5-21-1-2-512"), null);
  });
});
