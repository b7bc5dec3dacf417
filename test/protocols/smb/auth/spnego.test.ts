import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { SmbAuthError } from "../../../../src/protocols/smb/auth/auth-error.js";
import {
  decodeNegTokenInit,
  decodeNegTokenResp,
  encodeMechTypeList,
  encodeNegTokenInit,
  encodeNegTokenResp,
  NTLMSSP_OID,
} from "../../../../src/protocols/smb/auth/spnego.js";
import { AV_ID, decodeAvPairs, decodeChallenge } from "../../../../src/protocols/smb/auth/ntlm-messages.js";
import { securityBuffer } from "../crypto/preauth-exchange-vectors.js";

const hex = (s: string): Buffer => Buffer.from(s, "hex");

/** Security buffers of the Windows exchange in Microsoft's SMB 3.1.1 pre-auth integrity example. */
const WINDOWS = {
  /** NEGOTIATE response: NegTokenInit2 offering NEGOEX and NTLMSSP. */
  serverHint: securityBuffer(1),
  /** The client's first SESSION_SETUP buffer: NegTokenInit with a 40-byte NTLM NEGOTIATE. */
  clientInit: securityBuffer(2),
  /** The server's first SESSION_SETUP buffer: accept-incomplete, NTLMSSP, CHALLENGE. */
  serverChallenge: securityBuffer(3),
  /** The client's second buffer: NegTokenResp with AUTHENTICATE and mechListMIC. */
  clientAuthenticate: securityBuffer(4),
};

describe("SPNEGO (RFC 4178 / MS-SPNG) tokens", () => {
  test("NegTokenInit with mechTypes [NTLMSSP] is byte-identical to Windows' first token", () => {
    const negotiate = WINDOWS.clientInit.subarray(WINDOWS.clientInit.length - 40);
    assert.deepEqual(encodeNegTokenInit(encodeMechTypeList([NTLMSSP_OID]), negotiate), WINDOWS.clientInit);
    const decoded = decodeNegTokenInit(WINDOWS.clientInit);
    assert.deepEqual(decoded.mechTypes, [NTLMSSP_OID]);
    assert.deepEqual(decoded.mechToken, negotiate);
  });

  test("decodes the server's NegTokenInit2 hint (long-form lengths, NEGOEX before NTLMSSP)", () => {
    const hint = decodeNegTokenInit(WINDOWS.serverHint);
    assert.equal(hint.mechTypes.length, 2);
    assert.equal(hint.mechTypes[0].toString("hex"), "060a2b06010401823702021e");
    assert.deepEqual(hint.mechTypes[1], NTLMSSP_OID);
    assert.equal(hint.mechToken?.subarray(0, 8).toString("latin1"), "NEGOEXTS");
  });

  test("decodes the server's NegTokenResp and the NTLM CHALLENGE inside it", () => {
    const resp = decodeNegTokenResp(WINDOWS.serverChallenge);
    assert.equal(resp.negState, "accept-incomplete");
    assert.deepEqual(resp.supportedMech, NTLMSSP_OID);
    assert.equal(resp.mechListMIC, undefined);
    const challenge = decodeChallenge(resp.responseToken!);
    assert.equal(challenge.flags, 0xe28a8215);
    assert.equal(challenge.serverChallenge.toString("hex"), "0d1d8ba31179d008");
    assert.equal(challenge.targetName.toString("utf16le"), "SUT311");
    const pairs = decodeAvPairs(challenge.targetInfo);
    assert.deepEqual(
      pairs.map((p) => p.id),
      [AV_ID.NbDomainName, AV_ID.NbComputerName, AV_ID.DnsDomainName, AV_ID.DnsComputerName, AV_ID.Timestamp],
    );
    assert.equal(pairs[4].value.toString("hex"), "a1a1f5adcbaed001");
  });

  test("decodes Windows' second token: AUTHENTICATE and a 16-byte mechListMIC", () => {
    const resp = decodeNegTokenResp(WINDOWS.clientAuthenticate);
    assert.equal(resp.negState, "accept-incomplete");
    assert.equal(resp.responseToken!.subarray(0, 12).toString("hex"), "4e544c4d5353500003000000");
    assert.equal(resp.mechListMIC!.toString("hex"), "0100000063775a9a5fd97f0600000000");
  });

  test("NegTokenResp round-trips every field", () => {
    const resp = {
      negState: "accept-completed" as const,
      supportedMech: NTLMSSP_OID,
      responseToken: Buffer.alloc(300, 7),
      mechListMIC: Buffer.alloc(16, 9),
    };
    const encoded = encodeNegTokenResp(resp);
    // 5 (negState) + 14 (mech) + 308 (token) + 20 (MIC) = 0x15b inside the SEQUENCE.
    assert.equal(encoded.toString("hex").slice(0, 26), "a182015f3082015ba0030a0100");
    assert.deepEqual(decodeNegTokenResp(encoded), resp);
    assert.deepEqual(decodeNegTokenResp(encodeNegTokenResp({ responseToken: Buffer.from("x") })), {
      responseToken: Buffer.from("x"),
    });
  });

  const malformed: Array<[string, string]> = [
    ["empty", ""],
    ["wrong outer tag", "a2023000"],
    ["length overruns", "a1053003a00101"],
    ["indefinite length", "a1803000"],
    ["five-byte length", "a1850000000003300100"],
    ["trailing bytes", "a102300000"],
    ["fields out of order", "a10a3008a2020400a0020a00"],
    ["negState out of range", "a1073005a0030a0109"],
    ["responseToken not an OCTET STRING", "a1063004a2020500"],
    ["unknown field", "a1063004a5020400"],
  ];
  for (const [name, token] of malformed) {
    test(`NegTokenResp rejects ${name} with SmbAuthError`, () => {
      assert.throws(
        () => decodeNegTokenResp(hex(token)),
        (e: unknown) => e instanceof SmbAuthError && e.code === "malformed_token",
      );
    });
  }

  test("NegTokenInit with a foreign GSS OID is refused", () => {
    const other = Buffer.from(WINDOWS.clientInit);
    other[9] ^= 0x01;
    assert.throws(
      () => decodeNegTokenInit(other),
      (e: unknown) => e instanceof SmbAuthError && e.code === "malformed_token",
    );
  });
});
