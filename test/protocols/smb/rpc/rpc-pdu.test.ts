import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { decodeBindAck, encodeBind } from "../../../../src/protocols/smb/rpc/rpc-bind-pdu.js";
import {
  decodeResponseFragment,
  encodeRequestFragments,
  encodeResponseFragment,
  splitPdus,
} from "../../../../src/protocols/smb/rpc/rpc-call-pdu.js";
import { RpcError } from "../../../../src/protocols/smb/rpc/rpc-errors.js";
import { PfcFlag, decodePduHeader } from "../../../../src/protocols/smb/rpc/rpc-pdu-header.js";
import { LSARPC_SYNTAX, NDR_SYNTAX, decodeUuid, encodeUuid } from "../../../../src/protocols/smb/rpc/rpc-syntax.js";
import { CAPTURED_BIND, CAPTURED_BIND_ACK, CAPTURED_OPEN_POLICY2 } from "./captured-vectors.js";

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ""), "hex");

describe("DCE/RPC connection-oriented PDUs (C706 12.6, MS-RPCE 2.2.2)", () => {
  test("UUIDs: first three fields little-endian", () => {
    assert.deepEqual(encodeUuid(LSARPC_SYNTAX.uuid), hex("78573412 3412 cdab ef000123456789ab"));
    assert.equal(decodeUuid(encodeUuid(NDR_SYNTAX.uuid)), NDR_SYNTAX.uuid);
  });

  test("BIND for lsarpc/NDR is byte-identical to rpcclient's", () => {
    const pdu = encodeBind({
      callId: 1,
      maxXmitFrag: 4280,
      maxRecvFrag: 4280,
      assocGroupId: 0,
      contextId: 0,
      abstractSyntax: LSARPC_SYNTAX,
      transferSyntax: NDR_SYNTAX,
    });
    assert.deepEqual(pdu, CAPTURED_BIND);
  });

  test("BIND_ACK from smbd", () => {
    const ack = decodeBindAck(CAPTURED_BIND_ACK);
    assert.equal(ack.callId, 1);
    assert.equal(ack.maxXmitFrag, 4280);
    assert.equal(ack.maxRecvFrag, 4280);
    assert.equal(ack.assocGroupId, 0xb850);
    assert.equal(ack.secondaryAddress, "\\pipe\\lsass");
    assert.deepEqual(ack.results, [{ result: 0, reason: 0, transferSyntax: NDR_SYNTAX }]);
  });

  test("BIND_NAK becomes RpcError bind_rejected with the reason", () => {
    const nak = hex("05000d03 10000000 1500 0000 01000000 0400 01 0500");
    nak.writeUInt16LE(nak.length, 8);
    assert.throws(
      () => decodeBindAck(nak),
      (e: unknown) => e instanceof RpcError && e.kind === "bind_rejected" && e.status === 4,
    );
  });

  test("truncated BIND_ACK is a protocol error", () => {
    for (let n = 0; n < CAPTURED_BIND_ACK.length; n++) {
      const cut = Buffer.from(CAPTURED_BIND_ACK.subarray(0, n));
      if (n >= 10) cut.writeUInt16LE(n, 8);
      assert.throws(
        () => decodeBindAck(cut),
        (e: unknown) => e instanceof RpcError && e.kind === "protocol",
        `cut at ${n}`,
      );
    }
  });

  test("REQUEST header matches the capture for a single fragment", () => {
    const [frag] = encodeRequestFragments({
      callId: 2,
      contextId: 0,
      opnum: 44,
      stub: CAPTURED_OPEN_POLICY2.subarray(24),
      maxXmitFrag: 4280,
    });
    assert.deepEqual(frag, CAPTURED_OPEN_POLICY2);
  });

  test("REQUEST fragmenting: 8-aligned chunks, alloc_hint = bytes left, first/last flags", () => {
    const stub = Buffer.alloc(10_000);
    for (let i = 0; i < stub.length; i++) stub[i] = i % 251;
    const frags = encodeRequestFragments({ callId: 7, contextId: 0, opnum: 57, stub, maxXmitFrag: 4280 });
    assert.deepEqual(
      frags.map((f) => [f.length, f[3], f.readUInt32LE(16), f.readUInt16LE(22), decodePduHeader(f).fragLength]),
      [
        [4280, PfcFlag.FIRST_FRAG, 10_000, 57, 4280],
        [4280, 0, 10_000 - 4256, 57, 4280],
        [24 + 1488, PfcFlag.LAST_FRAG, 1488, 57, 24 + 1488],
      ],
    );
    assert.deepEqual(Buffer.concat(frags.map((f) => f.subarray(24))), stub);
    const empty = encodeRequestFragments({
      callId: 8,
      contextId: 0,
      opnum: 0,
      stub: Buffer.alloc(0),
      maxXmitFrag: 4280,
    });
    assert.equal(empty.length, 1);
    assert.equal(empty[0][3], PfcFlag.FIRST_FRAG | PfcFlag.LAST_FRAG);
  });

  test("FAULT becomes RpcError fault with status and name", () => {
    const fault = hex("05000303 10000000 2000 0000 09000000 20000000 0000 00 00 0200011c 00000000");
    assert.throws(
      () => decodeResponseFragment(fault),
      (e: unknown) =>
        e instanceof RpcError && e.kind === "fault" && e.status === 0x1c010002 && e.statusName === "nca_s_op_rng_error",
    );
  });

  test("RESPONSE decode checks frag_length, type and header", () => {
    const r = encodeResponseFragment({ callId: 3, flags: 3, allocHint: 4, contextId: 0, stub: hex("01020304") });
    assert.deepEqual(decodeResponseFragment(r), {
      callId: 3,
      first: true,
      last: true,
      allocHint: 4,
      contextId: 0,
      stub: hex("01020304"),
    });
    assert.throws(() => decodeResponseFragment(r.subarray(0, r.length - 1)), RpcError);
    assert.throws(() => decodeResponseFragment(CAPTURED_BIND), RpcError);
    const v4 = Buffer.from(r);
    v4[0] = 4;
    assert.throws(() => decodeResponseFragment(v4), RpcError);
    const bigEndian = Buffer.from(r);
    bigEndian[4] = 0;
    assert.throws(() => decodeResponseFragment(bigEndian), RpcError);
  });

  test("splitPdus keeps an incomplete trailing PDU", () => {
    const a = encodeResponseFragment({ callId: 1, flags: 1, allocHint: 0, contextId: 0, stub: Buffer.alloc(10) });
    const b = encodeResponseFragment({ callId: 1, flags: 2, allocHint: 0, contextId: 0, stub: Buffer.alloc(30) });
    const { pdus, rest } = splitPdus(Buffer.concat([a, b.subarray(0, 20)]));
    assert.deepEqual(pdus, [a]);
    assert.deepEqual(rest, b.subarray(0, 20));
  });

  test("PDU decoders only throw RpcError on corrupted input (10k mutants)", () => {
    let x = 0x9e3779b9;
    const next = () => ((x ^= x << 13), (x ^= x >>> 17), (x ^= x << 5), x >>> 0);
    const resp = encodeResponseFragment({ callId: 1, flags: 3, allocHint: 8, contextId: 0, stub: Buffer.alloc(8, 1) });
    for (let i = 0; i < 10_000; i++) {
      const base = i % 2 ? CAPTURED_BIND_ACK : resp;
      const b = Buffer.from(base.subarray(0, next() % (base.length + 1)));
      for (let k = next() % 4; k > 0 && b.length; k--) b[next() % b.length] = next() & 0xff;
      for (const decode of [decodeBindAck, decodeResponseFragment, splitPdus]) {
        try {
          decode(b);
        } catch (err) {
          assert.ok(err instanceof RpcError, `case ${i}: ${String(err)}`);
        }
      }
    }
  });
});
