import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { md4 } from "../../../../src/protocols/smb/crypto/md4.js";
import { rc4, Rc4Stream } from "../../../../src/protocols/smb/crypto/rc4.js";

describe("md4 (RFC 1320 appendix A.5 test suite)", () => {
  const vectors: Array<[string, string]> = [
    ["", "31d6cfe0d16ae931b73c59d7e0c089c0"],
    ["a", "bde52cb31de33e46245e05fbdbd6fb24"],
    ["abc", "a448017aaf21d8525fc10ae87aa6729d"],
    ["message digest", "d9130a8164549fe818874806e1c7014b"],
    ["abcdefghijklmnopqrstuvwxyz", "d79e1c308aa5bbcdeea8ed63df412da9"],
    ["ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", "043f8582f241db351ce627e153e7f0e4"],
    [
      "12345678901234567890123456789012345678901234567890123456789012345678901234567890",
      "e33b4ddc9c38f2199c3e7b164fcc0536",
    ],
  ];
  for (const [input, digest] of vectors) {
    test(`MD4("${input.length > 20 ? `${input.slice(0, 20)}…` : input}")`, () => {
      assert.equal(md4(Buffer.from(input, "latin1")).toString("hex"), digest);
    });
  }

  test("NT hash of 'Password' is MS-NLMP 4.2.1.1's NTOWFv1", () => {
    assert.equal(md4(Buffer.from("Password", "utf16le")).toString("hex"), "a4f49c406510bdcab6824ee7c30fd852");
  });

  // Lengths around the 56-byte padding boundary, as computed by OpenSSL 3's legacy provider
  // (`head -c N /dev/zero | tr '\0' a | openssl dgst -md4 -provider legacy`).
  const boundaries: Array<[number, string]> = [
    [55, "c889c81dd86c4d2e025778944ea02881"],
    [56, "d5f9a9e9257077a5f08b0b92f348b0ad"],
    [63, "7ea3da77432d44c323671097d1348fc8"],
    [64, "52f5076fabd22680234a3fa9f9dc5732"],
    [119, "e65dd227ccef97fa1d34d70189120f76"],
    [120, "b03ddbd470b47c013e0c7ab2ddd763db"],
  ];
  for (const [length, digest] of boundaries) {
    test(`MD4 of ${length} x 'a' (padding boundary)`, () => {
      assert.equal(md4(Buffer.alloc(length, 0x61)).toString("hex"), digest);
    });
  }
});

describe("rc4 (RFC 6229 test vectors)", () => {
  // RFC 6229 section 2: keystream bytes at offsets 0 and 16, i.e. RC4 of zeros.
  const vectors: Array<[string, string, string]> = [
    ["0102030405", "b2396305f03dc027ccc3524a0a1118a8", "6982944f18fc82d589c403a47a0d0919"],
    ["01020304050607", "293f02d47f37c9b633f2af5285feb46b", "e620f1390d19bd84e2e0fd752031afc1"],
    ["0102030405060708090a0b0c0d0e0f10", "9ac7cc9a609d1ef7b2932899cde41b97", "5248c4959014126a6e8a84f11d1a9e1c"],
  ];
  for (const [key, at0, at16] of vectors) {
    test(`key ${key}`, () => {
      const out = rc4(Buffer.from(key, "hex"), Buffer.alloc(32));
      assert.equal(out.subarray(0, 16).toString("hex"), at0);
      assert.equal(out.subarray(16, 32).toString("hex"), at16);
    });
  }

  test("a stream continues where it left off, as NTLM sealing handles do", () => {
    const key = Buffer.from("0102030405", "hex");
    const stream = new Rc4Stream(key);
    const joined = Buffer.concat([stream.process(Buffer.alloc(5)), stream.process(Buffer.alloc(27))]);
    assert.deepEqual(joined, rc4(key, Buffer.alloc(32)));
  });

  test("decryption is encryption", () => {
    const key = Buffer.from("secret key");
    const text = Buffer.from("The quick brown fox");
    assert.deepEqual(rc4(key, rc4(key, text)), text);
  });

  test("rejects an empty key", () => {
    assert.throws(() => rc4(Buffer.alloc(0), Buffer.alloc(1)), RangeError);
  });
});
