/**
 * Signing and encrypting a message given as parts (header, WRITE head, data — never joined on
 * the send path) gives exactly what the one-buffer functions give for the joined message.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import {
  computeSignature,
  computeSignatureParts,
  verifySignature,
} from "../../../../src/protocols/smb/crypto/signing.js";
import type { CipherId, SigningAlgorithm } from "../../../../src/protocols/smb/crypto/session-keys.js";
import { decryptMessage, encryptMessageParts } from "../../../../src/protocols/smb/crypto/transform.js";

function header(): Buffer {
  const h = randomBytes(64);
  h.writeUInt32LE(0x424d53fe, 0);
  h.writeUInt16LE(0x0009, 12); // WRITE
  h.writeUInt32LE(0x8, 16);
  return h;
}

/** Splits at awkward, non-block-aligned places. */
function split(msg: Buffer): Buffer[] {
  return [
    msg.subarray(0, 64),
    msg.subarray(64, 112),
    msg.subarray(112, 113),
    msg.subarray(113, 70_001),
    msg.subarray(70_001),
  ];
}

describe("message parts", () => {
  for (const alg of ["hmac-sha256", "aes-cmac", "aes-gmac"] as SigningAlgorithm[]) {
    test(`${alg}: signature over parts equals the signature over the joined message`, () => {
      const key = randomBytes(16);
      for (const bodyLength of [0, 1, 15, 16, 17, 65_536, 200_003]) {
        const msg = Buffer.concat([header(), randomBytes(bodyLength)]);
        const parts = bodyLength > 200_000 ? split(msg) : [msg.subarray(0, 64), msg.subarray(64)];
        const sig = computeSignatureParts(alg, key, parts);
        assert.deepEqual(sig, computeSignature(alg, key, msg), `body ${bodyLength}`);
        sig.copy(msg, 48);
        assert.equal(verifySignature(alg, key, msg), true);
      }
    });
  }

  test("the header must be whole in the first part", () => {
    const msg = Buffer.concat([header(), randomBytes(100)]);
    assert.throws(
      () => computeSignatureParts("aes-gmac", randomBytes(16), [msg.subarray(0, 63), msg.subarray(63)]),
      RangeError,
    );
  });

  for (const cipher of ["aes-128-ccm", "aes-128-gcm", "aes-256-ccm", "aes-256-gcm"] as CipherId[]) {
    test(`${cipher}: transform of parts decrypts to the joined message`, () => {
      const key = randomBytes(cipher.startsWith("aes-256") ? 32 : 16);
      const msg = Buffer.concat([header(), randomBytes(300_000)]);
      const out = encryptMessageParts(cipher, key, 0x42n, split(msg));
      assert.equal(out[0].length, 52, "transform header first, ciphertext after");
      const frame = Buffer.concat(out);
      assert.equal(frame.length, 52 + msg.length);
      const { sessionId, message } = decryptMessage(cipher, key, frame);
      assert.equal(sessionId, 0x42n);
      assert.deepEqual(message, msg);
      frame[100] ^= 1;
      assert.throws(() => decryptMessage(cipher, key, frame), /authentication/);
    });
  }
});
