import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { NdrReader } from "../../../../src/protocols/smb/rpc/ndr-reader.js";
import { addFlags } from "./v1-to-v2.js";
import { decodeCloseResponse, encodeCloseRequest } from "../../../../src/protocols/smb/rpc/lsa-close.js";
import {
  decodeLookupNames2Response,
  encodeLookupNames2Request,
} from "../../../../src/protocols/smb/rpc/lsa-lookup-names.js";
import {
  decodeLookupSids2Response,
  encodeLookupSids2Request,
} from "../../../../src/protocols/smb/rpc/lsa-lookup-sids.js";
import { readReferencedDomains } from "../../../../src/protocols/smb/rpc/lsa-ndr-types.js";
import {
  decodeOpenPolicy2Response,
  encodeOpenPolicy2Request,
} from "../../../../src/protocols/smb/rpc/lsa-open-policy.js";
import { RpcError } from "../../../../src/protocols/smb/rpc/rpc-errors.js";
import {
  CAPTURED_LOOKUP_NAMES,
  CAPTURED_LOOKUP_NAMES_RESPONSE,
  CAPTURED_LOOKUP_SIDS_RESPONSE,
  CAPTURED_OPEN_POLICY2,
  CAPTURED_OPEN_POLICY2_RESPONSE,
} from "./captured-vectors.js";

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ""), "hex");
const stub = (pdu: Buffer) => pdu.subarray(24);
const HANDLE = hex("00000000 11111111 2222 3333 4444 555555555555");

describe("LSA NDR stubs (MS-LSAD / MS-LSAT)", () => {
  test("LsarOpenPolicy2 request matches rpcclient's bytes", () => {
    assert.deepEqual(encodeOpenPolicy2Request({ systemName: "\\\\127.33.36.183" }), stub(CAPTURED_OPEN_POLICY2));
  });

  test("LsarOpenPolicy2 request without SystemName (hand-derived from the IDL)", () => {
    assert.deepEqual(
      encodeOpenPolicy2Request(),
      hex(`00000000  18000000 00000000 00000000 00000000 00000000 00000200
           0c000000 0200 01 00  00000002`),
    );
  });

  test("LsarOpenPolicy2 response", () => {
    const res = decodeOpenPolicy2Response(stub(CAPTURED_OPEN_POLICY2_RESPONSE));
    assert.equal(res.status, 0);
    assert.deepEqual(res.handle, stub(CAPTURED_OPEN_POLICY2_RESPONSE).subarray(0, 20));
    assert.throws(() => decodeOpenPolicy2Response(stub(CAPTURED_OPEN_POLICY2_RESPONSE).subarray(0, 23)), RpcError);
  });

  test("LsarClose request and response", () => {
    assert.deepEqual(encodeCloseRequest(HANDLE), HANDLE);
    assert.deepEqual(decodeCloseResponse(Buffer.concat([Buffer.alloc(20), hex("00000000")])), {
      handle: Buffer.alloc(20),
      status: 0,
    });
    assert.throws(() => encodeCloseRequest(HANDLE.subarray(1)), RpcError);
  });

  test("LsarLookupSids2 request (hand-derived from the IDL)", () => {
    assert.deepEqual(
      encodeLookupSids2Request(HANDLE, ["S-1-5-32-544", "S-1-1-0"]),
      Buffer.concat([
        HANDLE,
        hex(`02000000 00000200
             02000000 04000200 08000200
             02000000 01 02 000000000005 20000000 20020000
             01000000 01 01 000000000001 00000000
             00000000 00000000
             0100 0000 00000000 00000000 02000000`),
      ]),
    );
  });

  test("LsarLookupNames2 request = rpcclient's LookupNames stub + LookupOptions + ClientRevision", () => {
    const captured = stub(CAPTURED_LOOKUP_NAMES);
    const handle = captured.subarray(0, 20);
    assert.deepEqual(
      encodeLookupNames2Request(handle, ["scaidrive-smbtest", "nosuchuser", "Everyone"]),
      Buffer.concat([captured, hex("00000000 02000000")]),
    );
  });

  test("ReferencedDomains from smbd's LookupNames response", () => {
    const r = new NdrReader(stub(CAPTURED_LOOKUP_NAMES_RESPONSE));
    assert.deepEqual(readReferencedDomains(r), [
      { name: "SCAITEST", sid: "S-1-5-21-3978117267-1920990209-3366104429" },
      { name: "", sid: "S-1-1" },
    ]);
  });

  test("LsarLookupNames2 response decode (SOME_NOT_MAPPED)", () => {
    const res = decodeLookupNames2Response(addFlags(stub(CAPTURED_LOOKUP_NAMES_RESPONSE), 12, 0));
    assert.equal(res.status, 0x107);
    assert.equal(res.mappedCount, 2);
    assert.deepEqual(res.sids, [
      { use: 1, relativeId: 1000, domainIndex: 0, flags: 0 },
      { use: 8, relativeId: 0, domainIndex: -1, flags: 0 },
      { use: 5, relativeId: 0, domainIndex: 1, flags: 0 },
    ]);
  });

  test("LsarLookupSids2 response decode (SOME_NOT_MAPPED)", () => {
    const res = decodeLookupSids2Response(addFlags(stub(CAPTURED_LOOKUP_SIDS_RESPONSE), 16, 0));
    assert.equal(res.status, 0x107);
    assert.equal(res.mappedCount, 2);
    assert.deepEqual(res.domains, [
      { name: "BUILTIN", sid: "S-1-5-32" },
      { name: "", sid: "S-1-5-21-1-2-3" },
      { name: "", sid: "S-1-1" },
    ]);
    assert.deepEqual(res.names, [
      { use: 4, name: "Administrators", domainIndex: 0, flags: 0 },
      { use: 8, name: "S-1-5-21-1-2-3-4", domainIndex: -1, flags: 0 },
      { use: 5, name: "Everyone", domainIndex: 2, flags: 0 },
    ]);
  });

  test("NONE_MAPPED response with null ReferencedDomains and names", () => {
    const res = decodeLookupSids2Response(hex("00000000 00000000 00000000 00000000 730000c0"));
    assert.deepEqual(res, { domains: [], names: [], mappedCount: 0, status: 0xc0000073 });
  });

  test("bad responses: truncation, inconsistent counts, DomainIndex out of range", () => {
    const good = addFlags(stub(CAPTURED_LOOKUP_SIDS_RESPONSE), 16, 0);
    for (let n = 0; n < good.length; n += 3) {
      assert.throws(
        () => decodeLookupSids2Response(good.subarray(0, n)),
        (e: unknown) => e instanceof RpcError && e.kind === "protocol",
      );
    }
    assert.throws(() => decodeLookupSids2Response(Buffer.concat([good, Buffer.alloc(4)])), RpcError);
    const huge = Buffer.from(good);
    huge.writeUInt32LE(0x7fffffff, 16); // ReferencedDomains array conformance
    assert.throws(() => decodeLookupSids2Response(huge), RpcError);
    const names = addFlags(stub(CAPTURED_LOOKUP_NAMES_RESPONSE), 12, 0);
    const badIndex = Buffer.from(names);
    badIndex.writeInt32LE(7, names.length - 8 - 3 * 16 + 8); // first entry's DomainIndex
    assert.throws(() => decodeLookupNames2Response(badIndex), /DomainIndex 7/);
  });

  test("decoders only throw RpcError on random corruption (5k mutants)", () => {
    let x = 0x1234567;
    const next = () => ((x = (x * 1103515245 + 12345) >>> 0), x >>> 8);
    const bases = [
      addFlags(stub(CAPTURED_LOOKUP_SIDS_RESPONSE), 16, 0),
      addFlags(stub(CAPTURED_LOOKUP_NAMES_RESPONSE), 12, 0),
    ];
    let rejected = 0;
    for (let i = 0; i < 5000; i++) {
      const b = Buffer.from(bases[i % 2]);
      for (let k = 1 + (next() % 3); k > 0; k--) b[next() % b.length] = next() & 0xff;
      try {
        (i % 2 ? decodeLookupNames2Response : decodeLookupSids2Response)(b);
      } catch (err) {
        assert.ok(err instanceof RpcError, `case ${i}: ${String(err)}`);
        rejected++;
      }
    }
    assert.ok(rejected > 1000);
  });
});
