import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { decodeLookupSids2Response } from "../../../../src/protocols/smb/rpc/lsa-lookup-sids.js";
import { RpcConnection } from "../../../../src/protocols/smb/rpc/rpc-connection.js";
import { encodeResponseFragment } from "../../../../src/protocols/smb/rpc/rpc-call-pdu.js";
import { RpcError } from "../../../../src/protocols/smb/rpc/rpc-errors.js";
import type { RpcPipe } from "../../../../src/protocols/smb/rpc/rpc-pipe.js";
import { LSARPC_SYNTAX } from "../../../../src/protocols/smb/rpc/rpc-syntax.js";
import { CAPTURED_BIND_ACK, CAPTURED_OPEN_POLICY2_RESPONSE } from "./captured-vectors.js";
import { addFlags } from "./v1-to-v2.js";
import { sourcePath } from "../../../harness/repo-paths.js";

/**
 * smbd's four RESPONSE fragments (4280, 4280, 4280, 3860 bytes; call id 3) answering rpcclient's
 * LsarLookupSids for S-1-5-32-544, S-1-1-0 and S-1-5-21-7-8-9-5000…5239, captured on loopback:
 * the first came back from FSCTL_PIPE_TRANSCEIVE, the rest from SMB2 READs.
 */
const FRAGMENTS = readFileSync(sourcePath(import.meta.url, "fixtures/lookup-sids-240-fragments.hex"), "utf8")
  .trim()
  .split("\n")
  .map((h) => Buffer.from(h, "hex"));

/**
 * Plays the server side of a pipe from a script: each transceive/read answers with the next
 * chunk. Records what was sent so the test can check the requests too.
 */
function scriptedPipe(script: { transceive: Buffer[]; read?: Buffer[] }): RpcPipe & { sent: Buffer[] } {
  const sent: Buffer[] = [];
  const pipe: RpcPipe & { sent: Buffer[] } = {
    sent,
    async transceive(d) {
      sent.push(d);
      const next = script.transceive.shift();
      if (!next) throw new Error("script exhausted");
      return next;
    },
    async close() {},
  };
  if (script.read) {
    const reads = script.read;
    pipe.read = async () => {
      const next = reads.shift();
      if (!next) throw new Error("read script exhausted");
      return next;
    };
  }
  return pipe;
}

function checkReassembled(stub: Buffer) {
  assert.equal(stub.length, FRAGMENTS[0].readUInt32LE(16), "alloc_hint of the first fragment = whole stub");
  const res = decodeLookupSids2Response(addFlags(stub, 16, 0));
  assert.equal(res.names.length, 242);
  assert.equal(res.names[0].name, "Administrators");
  assert.equal(res.names[1].name, "Everyone");
  assert.equal(res.names[241].name, "S-1-5-21-7-8-9-5239");
  assert.equal(res.mappedCount, 2);
  assert.equal(res.status, 0x107);
}

describe("RpcConnection over a pipe", () => {
  test("reassembles smbd's 4-fragment response read through transceive + READs", async () => {
    const pipe = scriptedPipe({
      transceive: [CAPTURED_BIND_ACK, CAPTURED_OPEN_POLICY2_RESPONSE, FRAGMENTS[0]],
      read: FRAGMENTS.slice(1),
    });
    const rpc = new RpcConnection(pipe);
    await rpc.bind(LSARPC_SYNTAX);
    assert.equal(rpc.xmitFragSize, 4280);
    await rpc.call(44, Buffer.alloc(8));
    checkReassembled(await rpc.call(15, Buffer.alloc(8)));
    assert.deepEqual(
      pipe.sent.map((p) => [p[2], p.readUInt32LE(12)]),
      [
        [11, 1],
        [0, 2],
        [0, 3],
      ],
    );
  });

  test("fragments arriving glued together and split mid-PDU", async () => {
    const all = Buffer.concat(FRAGMENTS);
    const pipe = scriptedPipe({
      transceive: [CAPTURED_BIND_ACK, CAPTURED_OPEN_POLICY2_RESPONSE, all.subarray(0, 5000)],
      read: [all.subarray(5000, 5010), all.subarray(5010, 12000), all.subarray(12000)],
    });
    const rpc = new RpcConnection(pipe);
    await rpc.bind(LSARPC_SYNTAX);
    await rpc.call(44, Buffer.alloc(8));
    checkReassembled(await rpc.call(15, Buffer.alloc(8)));
  });

  test("a pipe without read fails a multi-fragment response cleanly and is marked broken", async () => {
    const pipe = scriptedPipe({ transceive: [CAPTURED_BIND_ACK, CAPTURED_OPEN_POLICY2_RESPONSE, FRAGMENTS[0]] });
    const rpc = new RpcConnection(pipe);
    await rpc.bind(LSARPC_SYNTAX);
    await rpc.call(44, Buffer.alloc(8));
    await assert.rejects(rpc.call(15, Buffer.alloc(8)), (e: unknown) => e instanceof RpcError && e.kind === "protocol");
    assert.equal(rpc.broken, true);
    await assert.rejects(rpc.call(0, Buffer.alloc(20)), /broken/);
  });

  test("multi-fragment request goes out through write, last fragment through transceive", async () => {
    const writes: Buffer[] = [];
    const reply = encodeResponseFragment({
      callId: 2,
      flags: 3,
      allocHint: 4,
      contextId: 0,
      stub: Buffer.from([1, 2, 3, 4]),
    });
    const pipe = scriptedPipe({ transceive: [CAPTURED_BIND_ACK, reply] });
    pipe.write = async (d) => void writes.push(d);
    const rpc = new RpcConnection(pipe);
    await rpc.bind(LSARPC_SYNTAX);
    const stub = Buffer.alloc(9000, 7);
    assert.deepEqual(await rpc.call(57, stub), Buffer.from([1, 2, 3, 4]));
    assert.deepEqual(
      writes.map((w) => [w.length, w[3]]),
      [
        [4280, 1],
        [4280, 0],
      ],
    );
    const last = pipe.sent[1];
    assert.equal(last[3], 2);
    assert.deepEqual(Buffer.concat([...writes, last].map((f) => f.subarray(24))), stub);
  });

  test("FAULT is a typed error and leaves the connection usable; wrong call id breaks it", async () => {
    const fault = Buffer.from(
      "05000303100000002000000002000000200000000000000002000 11c00000000".replace(/\s/g, ""),
      "hex",
    );
    const ok = encodeResponseFragment({ callId: 3, flags: 3, allocHint: 0, contextId: 0, stub: Buffer.alloc(4) });
    const wrongId = encodeResponseFragment({ callId: 99, flags: 3, allocHint: 0, contextId: 0, stub: Buffer.alloc(4) });
    const pipe = scriptedPipe({ transceive: [CAPTURED_BIND_ACK, fault, ok, wrongId] });
    const rpc = new RpcConnection(pipe);
    await rpc.bind(LSARPC_SYNTAX);
    await assert.rejects(
      rpc.call(200, Buffer.alloc(0)),
      (e: unknown) => e instanceof RpcError && e.kind === "fault" && e.status === 0x1c010002,
    );
    assert.equal(rpc.broken, false);
    assert.deepEqual(await rpc.call(0, Buffer.alloc(0)), Buffer.alloc(4));
    await assert.rejects(rpc.call(0, Buffer.alloc(0)), /call 99/);
    assert.equal(rpc.broken, true);
  });

  test("rejected presentation context", async () => {
    const ack = Buffer.from(CAPTURED_BIND_ACK);
    ack.writeUInt16LE(2, 44); // provider_rejection
    ack.writeUInt16LE(2, 46); // proposed transfer syntaxes not supported
    const rpc = new RpcConnection(scriptedPipe({ transceive: [ack] }));
    await assert.rejects(
      rpc.bind(LSARPC_SYNTAX),
      (e: unknown) => e instanceof RpcError && e.kind === "bind_rejected" && e.status === 2,
    );
  });
});
