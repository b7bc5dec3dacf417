import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHash, createHmac } from "node:crypto";
import { md4 } from "../../../../src/protocols/smb/crypto/md4.js";
import { rc4 } from "../../../../src/protocols/smb/crypto/rc4.js";
import { SmbAuthError } from "../../../../src/protocols/smb/auth/auth-error.js";
import { createNtlmAuthenticator, type NtlmEntropy } from "../../../../src/protocols/smb/auth/ntlm-authenticator.js";
import {
  decodeNegTokenInit,
  decodeNegTokenResp,
  encodeNegTokenResp,
  NTLMSSP_OID,
} from "../../../../src/protocols/smb/auth/spnego.js";
import { securityBuffer } from "../crypto/preauth-exchange-vectors.js";

const hex = (s: string): Buffer => Buffer.from(s, "hex");
const hmacMd5 = (key: Buffer, ...data: Buffer[]): Buffer => {
  const h = createHmac("md5", key);
  for (const d of data) h.update(d);
  return h.digest();
};

/** A Windows server's CHALLENGE (Microsoft's SMB 3.1.1 pre-auth blog example): server SUT311, with MsvAvTimestamp. */
const WINDOWS_CHALLENGE = decodeNegTokenResp(securityBuffer(3)).responseToken!;
const CREDS = { domain: "SUT311", username: "alice", password: "Pässwörd-1" };
const MECH_TYPE_LIST = hex("300c060a2b06010401823702020a");

function challengeToken(challenge = WINDOWS_CHALLENGE): Buffer {
  return encodeNegTokenResp({ negState: "accept-incomplete", supportedMech: NTLMSSP_OID, responseToken: challenge });
}

function fixedEntropy(): NtlmEntropy {
  let calls = 0;
  return {
    randomBytes: (n) => Buffer.alloc(n, ++calls === 1 ? 0xaa : 0x55),
    now: () => 0n,
  };
}

interface ParsedAuthenticate {
  flags: number;
  lm: Buffer;
  nt: Buffer;
  domain: string;
  user: string;
  workstation: string;
  encryptedKey: Buffer;
  mic: Buffer;
}

/** Independent reading of MS-NLMP 2.2.1.3, written for the test. */
function parseAuthenticate(msg: Buffer): ParsedAuthenticate {
  assert.equal(msg.subarray(0, 8).toString("latin1"), "NTLMSSP\0");
  assert.equal(msg.readUInt32LE(8), 3);
  const field = (at: number): Buffer =>
    msg.subarray(msg.readUInt32LE(at + 4), msg.readUInt32LE(at + 4) + msg.readUInt16LE(at));
  return {
    lm: field(12),
    nt: field(20),
    domain: field(28).toString("utf16le"),
    user: field(36).toString("utf16le"),
    workstation: field(44).toString("utf16le"),
    encryptedKey: field(52),
    flags: msg.readUInt32LE(60),
    mic: msg.subarray(72, 88),
  };
}

/** The acceptor's half of NTLM over SPNEGO, from the MS-NLMP formulas, for the test only. */
function acceptorCheck(negotiate: Buffer, challenge: Buffer, auth: Buffer) {
  const parsed = parseAuthenticate(auth);
  const responseKey = hmacMd5(
    md4(Buffer.from(CREDS.password, "utf16le")),
    Buffer.from(CREDS.username.toUpperCase() + CREDS.domain, "utf16le"),
  );
  const serverChallenge = challenge.subarray(24, 32);
  const proof = hmacMd5(responseKey, serverChallenge, parsed.nt.subarray(16));
  const sessionBaseKey = hmacMd5(responseKey, proof);
  const keyExchange = parsed.encryptedKey.length > 0;
  const exported = keyExchange ? rc4(sessionBaseKey, parsed.encryptedKey) : sessionBaseKey;
  const zeroed = Buffer.from(auth);
  zeroed.fill(0, 72, 88);
  const keys = (direction: string) => ({
    sign: createHash("md5")
      .update(exported)
      .update(`session key to ${direction} signing key magic constant\0`)
      .digest(),
    seal: createHash("md5")
      .update(exported)
      .update(`session key to ${direction} sealing key magic constant\0`)
      .digest(),
  });
  const mechListMic = (direction: string): Buffer => {
    const k = keys(direction);
    const plain = hmacMd5(k.sign, Buffer.alloc(4), MECH_TYPE_LIST).subarray(0, 8);
    const checksum = keyExchange ? rc4(k.seal, plain) : plain;
    return Buffer.concat([hex("01000000"), checksum, Buffer.alloc(4)]);
  };
  return {
    parsed,
    proofOk: proof.equals(parsed.nt.subarray(0, 16)),
    micOk: hmacMd5(exported, negotiate, challenge, zeroed).equals(parsed.mic),
    exported,
    clientMechListMic: mechListMic("client-to-server"),
    serverMechListMic: mechListMic("server-to-client"),
  };
}

/** AV pairs of the client's NTLMv2 blob (temp starts at byte 16 of the NT response; pairs at 28 of temp). */
function blobPairs(nt: Buffer): Map<number, Buffer> {
  const pairs = new Map<number, Buffer>();
  let at = 16 + 28;
  for (;;) {
    const id = nt.readUInt16LE(at);
    const len = nt.readUInt16LE(at + 2);
    if (id === 0) return pairs;
    pairs.set(id, nt.subarray(at + 4, at + 4 + len));
    at += 4 + len;
  }
}

describe("createNtlmAuthenticator: the whole SESSION_SETUP token exchange", () => {
  test("NTLMv2 with key exchange, MIC and mechListMIC that an acceptor verifies", () => {
    const auth = createNtlmAuthenticator({ ...CREDS, workstation: "WS1" }, fixedEntropy());
    const first = auth.initialToken(Buffer.alloc(0));
    const init = decodeNegTokenInit(first);
    assert.deepEqual(init.mechTypes, [NTLMSSP_OID]);
    const negotiate = init.mechToken!;
    assert.equal(negotiate.readUInt32LE(8), 1);
    const negotiateFlags = negotiate.readUInt32LE(12);
    for (const bit of [0x1, 0x10, 0x20, 0x200, 0x80000, 0x2000000, 0x20000000, 0x40000000]) {
      assert.ok(negotiateFlags & bit, `NEGOTIATE asks for 0x${bit.toString(16)}`);
    }
    assert.equal(negotiateFlags & 0x800, 0, "never anonymous");

    const second = decodeNegTokenResp(auth.respond(challengeToken()));
    assert.equal(second.negState, undefined);
    const check = acceptorCheck(negotiate, WINDOWS_CHALLENGE, second.responseToken!);
    assert.equal(check.parsed.user, "alice");
    assert.equal(check.parsed.domain, "SUT311");
    assert.equal(check.parsed.workstation, "WS1");
    assert.ok(check.proofOk, "NTProofStr verifies with the user's password");
    assert.ok(check.micOk, "MIC over NEGOTIATE || CHALLENGE || AUTHENTICATE verifies");
    assert.deepEqual(check.parsed.lm, Buffer.alloc(24), "LMv2 is zeroed when the server sent a timestamp");
    assert.equal(check.parsed.nt.length > 24, true, "NTLMv2, never a 24-byte NTLMv1 response");
    assert.deepEqual(auth.sessionKey, Buffer.alloc(16, 0x55), "the exported key is the random key, sent RC4-wrapped");
    assert.deepEqual(check.exported, auth.sessionKey);
    assert.ok(check.parsed.flags & 0x40000000, "KEY_EXCH negotiated");
    assert.deepEqual(second.mechListMIC, check.clientMechListMic);

    const pairs = blobPairs(check.parsed.nt);
    assert.equal(pairs.get(0x0006)!.readUInt32LE(0) & 0x2, 0x2, "MsvAvFlags has the MIC bit");
    assert.deepEqual(pairs.get(0x000a), Buffer.alloc(16), "channel bindings are 16 zero bytes");
    assert.equal(pairs.get(0x0009)!.toString("utf16le"), "cifs/SUT311");
    assert.equal(pairs.get(0x0007)!.toString("hex"), "a1a1f5adcbaed001", "the server's timestamp is echoed");
    assert.equal(
      check.parsed.nt.subarray(16 + 8, 16 + 16).toString("hex"),
      "a1a1f5adcbaed001",
      "blob time = server time",
    );
    assert.deepEqual(check.parsed.nt.subarray(16 + 16, 16 + 24), Buffer.alloc(8, 0xaa), "client challenge");

    auth.finish(encodeNegTokenResp({ negState: "accept-completed", mechListMIC: check.serverMechListMic }));
  });

  test("without KEY_EXCH the session base key is exported and the checksum is not RC4-sealed", () => {
    const noKeyExchange = Buffer.from(WINDOWS_CHALLENGE);
    noKeyExchange.writeUInt32LE((noKeyExchange.readUInt32LE(20) & ~0x40000000) >>> 0, 20);
    const auth = createNtlmAuthenticator(CREDS, fixedEntropy());
    const negotiate = decodeNegTokenInit(auth.initialToken(Buffer.alloc(0))).mechToken!;
    const second = decodeNegTokenResp(auth.respond(challengeToken(noKeyExchange)));
    const check = acceptorCheck(negotiate, noKeyExchange, second.responseToken!);
    assert.equal(check.parsed.encryptedKey.length, 0);
    assert.equal(check.parsed.flags & 0x40000000, 0);
    assert.ok(check.proofOk);
    assert.ok(check.micOk);
    assert.deepEqual(auth.sessionKey, check.exported);
    assert.deepEqual(second.mechListMIC, check.clientMechListMic);
    auth.finish(encodeNegTokenResp({ negState: "accept-completed", mechListMIC: check.serverMechListMic }));
  });

  test("a server mechListMIC that does not verify fails with bad_mic", () => {
    const auth = createNtlmAuthenticator(CREDS, fixedEntropy());
    auth.initialToken(Buffer.alloc(0));
    const second = decodeNegTokenResp(auth.respond(challengeToken()));
    assert.ok(second.mechListMIC);
    const forged = Buffer.from(second.mechListMIC!);
    assert.throws(
      () => auth.finish(encodeNegTokenResp({ negState: "accept-completed", mechListMIC: forged })),
      (e: unknown) => e instanceof SmbAuthError && e.code === "bad_mic",
      "the client's own MIC is not the server's",
    );
  });

  test("finish accepts a final token without mechListMIC and an absent token", () => {
    for (const final of [undefined, encodeNegTokenResp({ negState: "accept-completed" })]) {
      const auth = createNtlmAuthenticator(CREDS);
      auth.initialToken(Buffer.alloc(0));
      auth.respond(challengeToken());
      assert.equal(auth.sessionKey.length, 16);
      auth.finish(final);
    }
  });

  test("without MsvAvTimestamp the client sends LMv2 and its own time", () => {
    // The same challenge with TargetInfo (at 0x44) cut before MsvAvTimestamp: 4 names + EOL.
    const challenge = Buffer.concat([WINDOWS_CHALLENGE.subarray(0, 0x44 + 0x40), Buffer.alloc(4)]);
    challenge.writeUInt16LE(0x44, 40);
    challenge.writeUInt16LE(0x44, 42);
    const auth = createNtlmAuthenticator(CREDS, {
      randomBytes: (n) => Buffer.alloc(n, 0xaa),
      now: () => 0x01d0aecbadf5a1a1n,
    });
    auth.initialToken(Buffer.alloc(0));
    const second = decodeNegTokenResp(auth.respond(challengeToken(challenge)));
    const parsed = parseAuthenticate(second.responseToken!);
    assert.equal(parsed.lm.length, 24);
    assert.notDeepEqual(parsed.lm, Buffer.alloc(24));
    assert.deepEqual(parsed.lm.subarray(16), Buffer.alloc(8, 0xaa));
    assert.equal(parsed.nt.subarray(24, 32).toString("hex"), "a1a1f5adcbaed001");
    assert.equal(blobPairs(parsed.nt).has(0x0007), false);
  });

  test("refusals: no NTLMSSP in the hint, reject, another mechanism, no ESS, empty user, wrong order", () => {
    const isAuth = (code: string) => (e: unknown) => e instanceof SmbAuthError && e.code === code;
    const krbOnly = hex("601a06062b0601050502a010300ea00c300a06082a864886f7120102");
    assert.throws(() => createNtlmAuthenticator(CREDS).initialToken(krbOnly), isAuth("unsupported_mechanism"));

    const started = () => {
      const a = createNtlmAuthenticator(CREDS);
      a.initialToken(Buffer.alloc(0));
      return a;
    };
    assert.throws(() => started().respond(encodeNegTokenResp({ negState: "reject" })), isAuth("rejected"));
    assert.throws(
      () =>
        started().respond(
          encodeNegTokenResp({ supportedMech: hex("06082a864886f7120102"), responseToken: WINDOWS_CHALLENGE }),
        ),
      isAuth("unsupported_mechanism"),
    );
    assert.throws(
      () => started().respond(encodeNegTokenResp({ negState: "accept-incomplete" })),
      isAuth("malformed_token"),
    );
    const noEss = Buffer.from(WINDOWS_CHALLENGE);
    noEss.writeUInt32LE((noEss.readUInt32LE(20) & ~0x80000) >>> 0, 20);
    assert.throws(() => started().respond(challengeToken(noEss)), isAuth("unsupported_server"));

    assert.throws(() => createNtlmAuthenticator({ ...CREDS, username: "" }), isAuth("bad_credentials"));
    assert.throws(() => createNtlmAuthenticator(CREDS).respond(challengeToken()), isAuth("bad_state"));
    assert.throws(() => createNtlmAuthenticator(CREDS).sessionKey, isAuth("bad_state"));
    assert.throws(() => started().finish(undefined), isAuth("bad_state"));
    const done = started();
    done.respond(challengeToken());
    assert.throws(() => done.respond(challengeToken()), isAuth("bad_state"));
    assert.throws(() => done.finish(encodeNegTokenResp({ negState: "reject" })), isAuth("rejected"));
  });
});
