import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createCipheriv, createHmac, randomBytes } from "node:crypto";
import { aesCmac } from "../../../../src/protocols/smb/crypto/aes-cmac.js";
import { SmbCryptoError } from "../../../../src/protocols/smb/crypto/crypto-error.js";
import { computeSignature, verifySignature } from "../../../../src/protocols/smb/crypto/signing.js";
import type { CipherId, SigningAlgorithm } from "../../../../src/protocols/smb/crypto/session-keys.js";
import {
  decryptMessage,
  encryptMessage,
  encryptMessageWithNonce,
  transformSessionId,
} from "../../../../src/protocols/smb/crypto/transform.js";

const hex = (s: string): Buffer => Buffer.from(s, "hex");

/** An SMB2 header + body with the given flags, command and message id; signature field random. */
function message(opts: { flags?: number; command?: number; messageId?: bigint; body?: Buffer } = {}): Buffer {
  const header = Buffer.alloc(64);
  header.writeUInt32LE(0x424d53fe, 0);
  header.writeUInt16LE(64, 4);
  header.writeUInt16LE(opts.command ?? 0x0008, 12);
  header.writeUInt32LE((opts.flags ?? 0) | 0x8, 16);
  header.writeBigUInt64LE(opts.messageId ?? 7n, 24);
  header.writeBigUInt64LE(0x1122334455667788n, 40);
  randomBytes(16).copy(header, 48);
  return Buffer.concat([header, opts.body ?? Buffer.from("some body bytes of a request")]);
}

function withZeroSignature(msg: Buffer): Buffer {
  const copy = Buffer.from(msg);
  copy.fill(0, 48, 64);
  return copy;
}

function gmacReference(key: Buffer, msg: Buffer, nonce: Buffer): Buffer {
  const gcm = createCipheriv("aes-128-gcm", key, nonce);
  gcm.setAAD(withZeroSignature(msg));
  gcm.final();
  return gcm.getAuthTag();
}

describe("computeSignature / verifySignature (MS-SMB2 3.1.4.1)", () => {
  const key = hex("73fe7a9a77bef0bde49c650d8ccb5f76");

  test("HMAC-SHA256 is the first 16 bytes of HMAC over the message with a zero signature", () => {
    const msg = message();
    const expected = createHmac("sha256", key).update(withZeroSignature(msg)).digest().subarray(0, 16);
    assert.deepEqual(computeSignature("hmac-sha256", key, msg), expected);
  });

  test("AES-CMAC is CMAC over the message with a zero signature", () => {
    const msg = message({ body: randomBytes(1000) });
    assert.deepEqual(computeSignature("aes-cmac", key, msg), aesCmac(key, withZeroSignature(msg)));
  });

  test("AES-GMAC nonce: MessageId, then bit 0 for a response and bit 1 for CANCEL", () => {
    const request = message({ messageId: 0x0102030405060708n });
    assert.deepEqual(
      computeSignature("aes-gmac", key, request),
      gmacReference(key, request, hex("080706050403020100000000")),
    );
    const response = message({ messageId: 5n, flags: 0x1 });
    assert.deepEqual(
      computeSignature("aes-gmac", key, response),
      gmacReference(key, response, hex("050000000000000001000000")),
    );
    const cancel = message({ messageId: 9n, command: 0x000c });
    assert.deepEqual(
      computeSignature("aes-gmac", key, cancel),
      gmacReference(key, cancel, hex("090000000000000002000000")),
    );
    assert.notDeepEqual(
      computeSignature("aes-gmac", key, cancel),
      gmacReference(key, cancel, hex("090000000000000000000000")),
    );
  });

  for (const alg of ["hmac-sha256", "aes-cmac", "aes-gmac"] as SigningAlgorithm[]) {
    test(`${alg}: a signed message verifies; any flipped bit or another key does not`, () => {
      const msg = message({ body: randomBytes(300) });
      computeSignature(alg, key, msg).copy(msg, 48);
      assert.equal(verifySignature(alg, key, msg), true);
      for (const offset of [0, 16, 24, 47, 48, 63, 64, msg.length - 1]) {
        const tampered = Buffer.from(msg);
        tampered[offset] ^= 0x01;
        assert.equal(verifySignature(alg, key, tampered), false, `bit flipped at ${offset}`);
      }
      const otherKey = Buffer.from(key);
      otherKey[0] ^= 0x80;
      assert.equal(verifySignature(alg, otherKey, msg), false);
      assert.equal(verifySignature(alg, key, msg.subarray(0, 63)), false, "too short to be a message");
    });
  }

  test("the signature does not depend on what was in the signature field", () => {
    const msg = message();
    const first = computeSignature("aes-cmac", key, msg);
    randomBytes(16).copy(msg, 48);
    assert.deepEqual(computeSignature("aes-cmac", key, msg), first);
  });
});

describe("encryptMessage / decryptMessage (MS-SMB2 2.2.41, 3.1.4.3)", () => {
  // "Encryption in SMB 3.0: A protocol perspective" (Microsoft Open Specifications blog, 2012).
  const smb30 = {
    encryptionKey: hex("261B72350558F2E9DCF613070383EDBF"),
    decryptionKey: hex("8FE2B57EC34D2DB5B1A9727F526BBDB5"),
    sessionId: 0x8e40014000011n,
    plaintext: hex(
      "FE534D4240000100000000000900400008000000000000000400000000000000" +
        "FFFE0000010000001100001400E4080000000000000000000000000000000000" +
        "3100700017000000000000000000000015010000390000020100000039020000" +
        "00000000000000007000000000000000536D623320656E6372797074696F6E20" +
        "74657374696E67",
    ),
    ciphertext:
      "25C8FEE16605A437832D1CD52DA9F4645333482A175FE5384563F45FCDAFAEF3" +
      "8BC62BA4D5C62897996625A44C29BE5658DE2E6117585779E7B59FFD971278D0" +
      "8580D7FA899E410E910EABF5AA1DB43050B33B49182637759AC15D84BFCDF5B6" +
      "B238993C0F4CF4D6012023F6C627297075D84B7803912D0A9639634453595EF3" +
      "E33FFE4E7AC2AB",
    transformed: hex(
      "FD534D4281A286535415445DAE393921E44FA42E66E69A111892584FB5ED524A" +
        "744DA3EE87000000000001001100001400E4080025C8FEE16605A437832D1CD5" +
        "2DA9F4645333482A175FE5384563F45FCDAFAEF38BC62BA4D5C62897996625A4" +
        "4C29BE5658DE2E6117585779E7B59FFD971278D08580D7FA899E410E910EABF5" +
        "AA1DB43050B33B49182637759AC15D84BFCDF5B6B238993C0F4CF4D6012023F6" +
        "C627297075D84B7803912D0A9639634453595EF3E33FFE4E7AC2AB",
    ),
    response: hex(
      "FD534D42A6015530A18F6D9AFFE22AFAE8E66484860000000000000011000014" +
        "00E4080050000000000001001100001400E40800DBF46435C5F14169293CE079" +
        "E344479BF670227E49873F458672C3098DAC467DD5809F369D67409166515787" +
        "1483E01F7BECD02064EAC3E235F913668BBC2F097980D4B378F1993EFF6E60D1" +
        "77309E5B",
    ),
    responsePlain: hex(
      "FE534D4240000100000000000900210009000000000000000400000000000000" +
        "FFFE0000010000001100001400E4080000000000000000000000000000000000" +
        "11000000170000000000000000000000",
    ),
  };

  test("SMB 3.0 AES-128-CCM: the published WRITE request encrypts to the published ciphertext", () => {
    // The example's nonce field carries bytes after the 11 CCM uses; those are AAD only, so the
    // ciphertext matches and the whole published message must decrypt and authenticate.
    const out = encryptMessageWithNonce(
      "aes-128-ccm",
      smb30.encryptionKey,
      smb30.sessionId,
      smb30.plaintext,
      hex("66E69A111892584FB5ED52"),
    );
    assert.equal(out.subarray(52).toString("hex").toUpperCase(), smb30.ciphertext);
    const decrypted = decryptMessage("aes-128-ccm", smb30.encryptionKey, smb30.transformed);
    assert.equal(decrypted.sessionId, smb30.sessionId);
    assert.deepEqual(decrypted.message, smb30.plaintext);
  });

  test("SMB 3.0 AES-128-CCM: the published server response decrypts", () => {
    const decrypted = decryptMessage("aes-128-ccm", smb30.decryptionKey, smb30.response);
    assert.equal(decrypted.sessionId, smb30.sessionId);
    assert.deepEqual(decrypted.message, smb30.responsePlain);
  });

  // "SMB 3.1.1 Encryption in Windows 10" (Microsoft Open Specifications blog, 2015), AES-128-GCM.
  test("SMB 3.1.1 AES-128-GCM: request encrypts to the published transform message byte for byte", () => {
    const plaintext = hex(
      "FE534D4240000100000000000900010008000000000000000500000000000000FFFE000001000000" +
        "25000000001000000000000000000000000000000000000031007000170000000000000000000000" +
        "0600000004000000010000000400000000000000000000007000000000000000536D623320656E63" +
        "72797074696F6E2074657374696E67",
    );
    const expected =
      "FD534D42BD73D97D2BC9001BCAFAC0FDFF5FEEBCC7D6822D269CAF48904C664C0000000087000000" +
      "0000010025000000001000006ECDD2A7AFC7B47763057A041B8FD4DAFFE990B70C9E09D36C084E02" +
      "D14EF247F8BDE38ACF6256F8B1D3B56F77FBDEB312FEA5E92CBCC1ED8FB2EBBFAA75E49A4A394BB4" +
      "4576545567C24D4C014D47C9FBDFDAFD2C4F9B72F8D256452620A299F48E29E53D6B61D1C13A19E9" +
      "1AF013F00D17E3ABC2FC3D36C8C1B6B93973253852DBD442E46EE8";
    const out = encryptMessageWithNonce(
      "aes-128-gcm",
      hex("A2F5E80E5D59103034F32E52F698E5EC"),
      0x100000000025n,
      plaintext,
      hex("C7D6822D269CAF48904C664C"),
    );
    assert.equal(out.toString("hex").toUpperCase(), expected);
  });

  test("SMB 3.1.1 AES-128-GCM: the published server response decrypts", () => {
    const response = hex(
      "FD534D42ACBE1CB7ED343ADF1725EF144D90D4B0E06831DD2E8EB7B4000000000000000050000000" +
        "00000100250000000010000026BBBF949983A6C1C796559D0F2C510CB651D1F7B6AC8DED32A2A0B8" +
        "F2D793A815C6F6B848D69767A215841A42D400AE6DDB5F0B44173A014973321FDD7950DA6179159B" +
        "82E03C9E18A050FF0EA1C967",
    );
    const decrypted = decryptMessage("aes-128-gcm", hex("748C50868C90F302962A5C35F5F9A8BF"), response);
    assert.equal(decrypted.sessionId, 0x100000000025n);
    assert.equal(
      decrypted.message.toString("hex").toUpperCase(),
      "FE534D4240000100000000000900010001000000000000000500000000000000FFFE000001000000" +
        "25000000001000000000000000000000000000000000000011000000170000000000000000000000",
    );
  });

  const ciphers: CipherId[] = ["aes-128-ccm", "aes-128-gcm", "aes-256-ccm", "aes-256-gcm"];
  for (const cipher of ciphers) {
    test(`${cipher}: round trip, random nonces, tamper and wrong-key rejection`, () => {
      const key = randomBytes(cipher.startsWith("aes-256") ? 32 : 16);
      const plain = message({ body: randomBytes(4096 + 3) });
      const sealed = encryptMessage(cipher, key, 0xdeadbeefn, plain);
      assert.equal(sealed.length, 52 + plain.length);
      assert.equal(sealed.readUInt32LE(0), 0x424d53fd);
      assert.equal(sealed.readUInt32LE(36), plain.length);
      assert.equal(sealed.readUInt16LE(42), 1);
      assert.equal(transformSessionId(sealed), 0xdeadbeefn);
      const nonceBytes = cipher.endsWith("ccm") ? 11 : 12;
      assert.deepEqual(
        sealed.subarray(20 + nonceBytes, 36),
        Buffer.alloc(16 - nonceBytes),
        "unused nonce bytes are zero",
      );
      assert.notDeepEqual(
        encryptMessage(cipher, key, 0xdeadbeefn, plain).subarray(20, 36),
        sealed.subarray(20, 36),
        "fresh nonce",
      );

      const opened = decryptMessage(cipher, key, sealed);
      assert.equal(opened.sessionId, 0xdeadbeefn);
      assert.deepEqual(opened.message, plain);

      for (const offset of [4, 20, 40, 44, 52, sealed.length - 1]) {
        const tampered = Buffer.from(sealed);
        tampered[offset] ^= 0x01;
        assert.throws(
          () => decryptMessage(cipher, key, tampered),
          (e: unknown) => e instanceof SmbCryptoError && (e.code === "bad_tag" || e.code === "malformed_transform"),
          `byte ${offset} flipped`,
        );
      }
      const wrongKey = Buffer.from(key);
      wrongKey[3] ^= 0x10;
      assert.throws(
        () => decryptMessage(cipher, wrongKey, sealed),
        (e: unknown) => e instanceof SmbCryptoError && e.code === "bad_tag",
      );
    });
  }

  test("malformed transforms are rejected before any decryption", () => {
    const key = randomBytes(16);
    const sealed = encryptMessage("aes-128-gcm", key, 1n, message());
    const isMalformed = (e: unknown): boolean => e instanceof SmbCryptoError && e.code === "malformed_transform";
    assert.throws(() => decryptMessage("aes-128-gcm", key, sealed.subarray(0, 51)), isMalformed);
    assert.throws(() => decryptMessage("aes-128-gcm", key, sealed.subarray(0, sealed.length - 1)), isMalformed);
    const wrongProtocol = Buffer.from(sealed);
    wrongProtocol[0] = 0xfe;
    assert.throws(() => decryptMessage("aes-128-gcm", key, wrongProtocol), isMalformed);
    const wrongFlags = Buffer.from(sealed);
    wrongFlags.writeUInt16LE(2, 42);
    assert.throws(() => decryptMessage("aes-128-gcm", key, wrongFlags), isMalformed);
    assert.throws(
      () => decryptMessage("aes-256-gcm", key, sealed),
      (e: unknown) => e instanceof SmbCryptoError && e.code === "bad_key",
    );
  });
});
