import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { rc4 } from "../../../../src/protocols/smb/crypto/rc4.js";
import {
  lmv2Response,
  NtlmSecurityContext,
  ntlmv2ClientBlob,
  ntlmv2Response,
  ntowfv1,
  ntowfv2,
  sealKey,
  signKey,
} from "../../../../src/protocols/smb/auth/ntlm-crypto.js";
import { AV_ID, decodeAvPairs, encodeAvPairs } from "../../../../src/protocols/smb/auth/ntlm-messages.js";

const hex = (s: string): Buffer => Buffer.from(s, "hex");

/**
 * MS-NLMP 4.2.1 / 4.2.4 (NTLMv2 authentication example): user "User", domain "Domain",
 * password "Password", server challenge 0123456789abcdef, client challenge aaaaaaaaaaaaaaaa,
 * time 0, RandomSessionKey 55…55, flags with KEY_EXCH, 128, EXTENDED_SESSIONSECURITY, SEAL.
 * These are published example values, not secrets.
 */
const SPEC = {
  user: "User",
  domain: "Domain",
  password: "Password",
  serverChallenge: hex("0123456789abcdef"),
  clientChallenge: hex("aaaaaaaaaaaaaaaa"),
  time: Buffer.alloc(8),
  randomSessionKey: Buffer.alloc(16, 0x55),
  flags: 0xe28a8233,
  targetInfo: encodeAvPairs([
    { id: AV_ID.NbDomainName, value: Buffer.from("Domain", "utf16le") },
    { id: AV_ID.NbComputerName, value: Buffer.from("Server", "utf16le") },
  ]),
};

describe("NTLMv2 (MS-NLMP 4.2.4 worked example)", () => {
  test("4.2.1.1 NTOWFv1 and 4.2.4.1.1 NTOWFv2", () => {
    assert.equal(ntowfv1(SPEC.password).toString("hex"), "a4f49c406510bdcab6824ee7c30fd852");
    assert.equal(ntowfv2(SPEC.password, SPEC.user, SPEC.domain).toString("hex"), "0c868a403bfd7a93a3001ef22ef02e3f");
  });

  test("the user name is uppercased, the domain is not", () => {
    assert.deepEqual(ntowfv2(SPEC.password, "user", SPEC.domain), ntowfv2(SPEC.password, "USER", SPEC.domain));
    assert.notDeepEqual(ntowfv2(SPEC.password, SPEC.user, "domain"), ntowfv2(SPEC.password, SPEC.user, "Domain"));
  });

  test("4.2.4.1.3 TargetInfo encodes as the example's AV pairs", () => {
    assert.equal(
      SPEC.targetInfo.toString("hex"),
      "02000c0044006f006d00610069006e0001000c0053006500720076006500720000000000",
    );
    assert.deepEqual(
      decodeAvPairs(SPEC.targetInfo).map((p) => [p.id, p.value.toString("utf16le")]),
      [
        [AV_ID.NbDomainName, "Domain"],
        [AV_ID.NbComputerName, "Server"],
      ],
    );
  });

  test("4.2.4.2.1 LMv2 response", () => {
    const key = ntowfv2(SPEC.password, SPEC.user, SPEC.domain);
    assert.equal(
      lmv2Response(key, SPEC.serverChallenge, SPEC.clientChallenge).toString("hex"),
      "86c35097ac9cec102554764a57cccc19aaaaaaaaaaaaaaaa",
    );
  });

  test("4.2.4.2.2 NTLMv2 response, 4.2.4.1.2 session base key, 4.2.4.2.3 encrypted session key", () => {
    const key = ntowfv2(SPEC.password, SPEC.user, SPEC.domain);
    const blob = ntlmv2ClientBlob(SPEC.time, SPEC.clientChallenge, SPEC.targetInfo);
    const r = ntlmv2Response(key, SPEC.serverChallenge, blob);
    assert.equal(r.ntProofStr.toString("hex"), "68cd0ab851e51c96aabc927bebef6a1c");
    assert.equal(
      r.ntChallengeResponse.toString("hex"),
      "68cd0ab851e51c96aabc927bebef6a1c" +
        "0101000000000000" +
        "0000000000000000" +
        "aaaaaaaaaaaaaaaa" +
        "00000000" +
        "02000c0044006f006d00610069006e0001000c00530065007200760065007200" +
        "00000000" +
        "00000000",
    );
    assert.equal(r.sessionBaseKey.toString("hex"), "8de40ccadbc14a82f15cb0ad0de95ca3");
    assert.equal(rc4(r.sessionBaseKey, SPEC.randomSessionKey).toString("hex"), "c5dad2544fc9799094ce1ce90bc9d03e");
  });

  test("4.2.4.4 client signing and sealing keys", () => {
    assert.equal(
      signKey(SPEC.randomSessionKey, "client-to-server").toString("hex"),
      "4788dc861b4782f35d43fd98fe1a2d39",
    );
    assert.equal(
      sealKey(SPEC.randomSessionKey, SPEC.flags, "client-to-server").toString("hex"),
      "59f600973cc4960a25480a7c196e4c58",
    );
  });

  test("4.2.4.4 GSS_WrapEx of UTF-16 'Plaintext': sealed data and signature", () => {
    const ctx = new NtlmSecurityContext(
      signKey(SPEC.randomSessionKey, "client-to-server"),
      sealKey(SPEC.randomSessionKey, SPEC.flags, "client-to-server"),
      true,
    );
    const { sealed, signature } = ctx.seal(Buffer.from("Plaintext", "utf16le"));
    assert.equal(sealed.toString("hex"), "54e50165bf1936dc996020c1811b0f06fb5f");
    assert.equal(signature.toString("hex"), "010000007fb38ec5c55d497600000000");
  });

  test("signatures carry an increasing sequence number and verify only in order", () => {
    const keys = (): NtlmSecurityContext =>
      new NtlmSecurityContext(
        signKey(SPEC.randomSessionKey, "server-to-client"),
        sealKey(SPEC.randomSessionKey, SPEC.flags, "server-to-client"),
        true,
      );
    const signer = keys();
    const verifier = keys();
    const first = signer.mac(Buffer.from("one"));
    const second = signer.mac(Buffer.from("two"));
    assert.equal(first.readUInt32LE(12), 0);
    assert.equal(second.readUInt32LE(12), 1);
    assert.equal(verifier.verifyMac(Buffer.from("one"), first), true);
    assert.equal(verifier.verifyMac(Buffer.from("two"), first), false, "a replayed signature fails");
  });

  test("56- and 40-bit sealing keys use 7 and 5 bytes of the session key", () => {
    const key = Buffer.from("000102030405060708090a0b0c0d0e0f", "hex");
    const altered = Buffer.from(key);
    altered[7] ^= 0xff;
    assert.deepEqual(sealKey(key, 0x80000000, "client-to-server"), sealKey(altered, 0x80000000, "client-to-server"));
    assert.notDeepEqual(sealKey(key, 0x20000000, "client-to-server"), sealKey(altered, 0x20000000, "client-to-server"));
    altered[5] ^= 0xff;
    assert.notDeepEqual(sealKey(key, 0x80000000, "client-to-server"), sealKey(altered, 0x80000000, "client-to-server"));
  });
});
