import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { aesCmac, aesCmacParts } from "../../../../src/protocols/smb/crypto/aes-cmac.js";
import { smb3Kdf } from "../../../../src/protocols/smb/crypto/kdf.js";
import { deriveSessionKeys } from "../../../../src/protocols/smb/crypto/session-keys.js";

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ""), "hex");

describe("aesCmac (RFC 4493 section 4 examples)", () => {
  const key = hex("2b7e1516 28aed2a6 abf71588 09cf4f3c");
  const m = hex(
    "6bc1bee2 2e409f96 e93d7e11 7393172a ae2d8a57 1e03ac9c 9eb76fac 45af8e51" +
      "30c81c46 a35ce411 e5fbc119 1a0a52ef f69f2445 df4f9b17 ad2b417b e66c3710",
  );
  const examples: Array<[number, string]> = [
    [0, "bb1d6929e95937287fa37d129b756746"],
    [16, "070a16b46b4d4144f79bdd9dd04a287c"],
    [40, "dfa66747de9ae63030ca32611497c827"],
    [64, "51f0bebf7e3b9d92fc49741779363cfe"],
  ];
  for (const [length, tag] of examples) {
    test(`Example: Mlen = ${length}`, () => {
      assert.equal(aesCmac(key, m.subarray(0, length)).toString("hex"), tag);
    });
  }

  test("split into parts at any offsets gives the same tag", () => {
    for (const [length, tag] of examples) {
      const msg = m.subarray(0, length);
      for (let cut = 0; cut <= length; cut += 7) {
        const parts = [msg.subarray(0, cut), Buffer.alloc(0), msg.subarray(cut, cut + 3), msg.subarray(cut + 3)];
        assert.equal(aesCmacParts(key, parts).toString("hex"), tag, `length ${length} cut ${cut}`);
      }
    }
  });

  test("a 1 MiB message through several parts equals the one-part tag", () => {
    const big = Buffer.alloc(1024 * 1024 + 5, 0x5a);
    const whole = aesCmac(key, big);
    assert.deepEqual(aesCmacParts(key, [big.subarray(0, 48), big.subarray(48, 64), big.subarray(64)]), whole);
  });

  test("rejects a key that is not 16 bytes", () => {
    assert.throws(() => aesCmac(Buffer.alloc(32), Buffer.alloc(1)), RangeError);
  });
});

describe("smb3Kdf (SP800-108 counter mode, HMAC-SHA256)", () => {
  test("is HMAC-SHA256(K, 00000001 || label || 00 || context || L) truncated to L bits", () => {
    const key = hex("000102030405060708090a0b0c0d0e0f");
    const input = Buffer.concat([
      hex("00000001"),
      Buffer.from("Lbl\0"),
      hex("00"),
      Buffer.from("Ctx"),
      hex("00000080"),
    ]);
    const expected = createHmac("sha256", key).update(input).digest().subarray(0, 16);
    assert.deepEqual(smb3Kdf(key, Buffer.from("Lbl\0"), Buffer.from("Ctx"), 128), expected);
    const wide = smb3Kdf(key, Buffer.from("Lbl\0"), Buffer.from("Ctx"), 256);
    assert.equal(wide.length, 32);
    assert.notDeepEqual(
      wide.subarray(0, 16),
      expected,
      "L is part of the input, so 256-bit output is not an extension",
    );
  });
});

describe("deriveSessionKeys", () => {
  // Microsoft Open Specifications blog, "Encryption in SMB 3.0: A protocol perspective" (2012):
  // SessionKey B4546771B515F766A86735532DD6C4F0.
  test("SMB 3.0 encryption and decryption keys (Microsoft's worked example)", () => {
    const keys = deriveSessionKeys(0x0300, hex("B4546771B515F766A86735532DD6C4F0"), undefined, "aes-128-ccm");
    assert.equal(keys.encryptionKey.toString("hex").toUpperCase(), "261B72350558F2E9DCF613070383EDBF");
    assert.equal(keys.decryptionKey.toString("hex").toUpperCase(), "8FE2B57EC34D2DB5B1A9727F526BBDB5");
    assert.equal(keys.signingKey.length, 16);
    assert.deepEqual(
      keys.signingKey,
      smb3Kdf(hex("B4546771B515F766A86735532DD6C4F0"), Buffer.from("SMB2AESCMAC\0"), Buffer.from("SmbSign\0"), 128),
    );
    assert.deepEqual(
      deriveSessionKeys(0x0302, hex("B4546771B515F766A86735532DD6C4F0"), undefined, undefined),
      keys,
      "3.0.2 derives exactly as 3.0",
    );
  });

  // "SMB 3.1.1 Encryption in Windows 10" (2015): SessionKey 419FDDF3…, AES-128-GCM.
  const preauth311 = hex(
    "B23F3CBFD69487D9832B79B1594A367CDD950909B774C3A4C412B4FCEA9EDDDBA7DB256BA2EA30E9" +
      "77F11F9B113247578E0E915C6D2A513B8F2FCA5707DC8770",
  );
  test("SMB 3.1.1 encryption and decryption keys (Microsoft's worked example)", () => {
    const keys = deriveSessionKeys(0x0311, hex("419FDDF34C1E001909D362AE7FB6AF79"), preauth311, "aes-128-gcm");
    assert.equal(keys.encryptionKey.toString("hex").toUpperCase(), "A2F5E80E5D59103034F32E52F698E5EC");
    assert.equal(keys.decryptionKey.toString("hex").toUpperCase(), "748C50868C90F302962A5C35F5F9A8BF");
  });

  test("AES-256 ciphers derive 32-byte cipher keys with L = 256, signing stays 128-bit", () => {
    const sessionKey = hex("419FDDF34C1E001909D362AE7FB6AF79");
    const narrow = deriveSessionKeys(0x0311, sessionKey, preauth311, "aes-128-gcm");
    const wide = deriveSessionKeys(0x0311, sessionKey, preauth311, "aes-256-gcm");
    assert.equal(wide.encryptionKey.length, 32);
    assert.equal(wide.decryptionKey.length, 32);
    assert.deepEqual(wide.encryptionKey, smb3Kdf(sessionKey, Buffer.from("SMBC2SCipherKey\0"), preauth311, 256));
    assert.deepEqual(wide.signingKey, narrow.signingKey);
    assert.deepEqual(wide.applicationKey, narrow.applicationKey);
  });

  test("2.x signs with the session key itself and has no cipher keys", () => {
    const sessionKey = hex("00112233445566778899aabbccddeeff");
    for (const dialect of [0x0202, 0x0210] as const) {
      const keys = deriveSessionKeys(dialect, sessionKey, undefined, undefined);
      assert.deepEqual(keys.signingKey, sessionKey);
      assert.equal(keys.encryptionKey.length, 0);
      assert.equal(keys.decryptionKey.length, 0);
    }
  });

  test("refuses 3.1.1 without a pre-auth hash and AES-256 before 3.1.1", () => {
    assert.throws(() => deriveSessionKeys(0x0311, Buffer.alloc(16), undefined, undefined), RangeError);
    assert.throws(() => deriveSessionKeys(0x0300, Buffer.alloc(16), undefined, "aes-256-gcm"), RangeError);
  });
});
