import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { LsaClient, formatAccount } from "../../../../src/protocols/smb/rpc/lsa-client.js";
import { SidResolver } from "../../../../src/protocols/smb/rpc/sid-resolver.js";
import { encodeResponseFragment } from "../../../../src/protocols/smb/rpc/rpc-call-pdu.js";
import { RpcError } from "../../../../src/protocols/smb/rpc/rpc-errors.js";
import type { RpcPipe } from "../../../../src/protocols/smb/rpc/rpc-pipe.js";
import { CAPTURED_BIND_ACK, CAPTURED_LOOKUP_SIDS_RESPONSE } from "./captured-vectors.js";
import { addFlags } from "./v1-to-v2.js";

const HANDLE = Buffer.from("0000000011111111222233334444555555555555", "hex");

function reply(callId: number, stub: Buffer): Buffer {
  return encodeResponseFragment({ callId, flags: 3, allocHint: stub.length, contextId: 0, stub });
}
const status = (s: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(s, 0);
  return b;
};

/** Server side played from a script; records the opnum of every request and whether the pipe was closed. */
function scripted(replies: Buffer[]): RpcPipe & { opnums: number[]; closed: boolean } {
  const pipe = {
    opnums: [] as number[],
    closed: false,
    async transceive(d: Buffer) {
      if (d[2] === 0) pipe.opnums.push(d.readUInt16LE(22));
      const r = replies.shift();
      if (!r) throw new Error("script exhausted");
      return r;
    },
    async close() {
      pipe.closed = true;
    },
  };
  return pipe;
}

describe("LsaClient result mapping", () => {
  test("SOME_NOT_MAPPED: mapped entries resolved, unknown → null, Close on close()", async () => {
    const pipe = scripted([
      CAPTURED_BIND_ACK,
      reply(2, Buffer.concat([HANDLE, status(0)])),
      reply(3, addFlags(CAPTURED_LOOKUP_SIDS_RESPONSE.subarray(24), 16, 0)),
      reply(4, Buffer.concat([Buffer.alloc(20), status(0)])),
    ]);
    const lsa = await LsaClient.open(pipe);
    const res = await lsa.lookupSids(["S-1-5-32-544", "S-1-5-21-1-2-3-4", "S-1-1-0"]);
    assert.deepEqual(
      [...res.entries()],
      [
        ["S-1-5-32-544", { sid: "S-1-5-32-544", domain: "BUILTIN", name: "Administrators", type: "alias" }],
        ["S-1-5-21-1-2-3-4", null],
        ["S-1-1-0", { sid: "S-1-1-0", domain: "", name: "Everyone", type: "well_known_group" }],
      ],
    );
    assert.equal(formatAccount(res.get("S-1-5-32-544")!), "BUILTIN\\Administrators");
    assert.equal(formatAccount(res.get("S-1-1-0")!), "Everyone");
    await lsa.close();
    assert.deepEqual(pipe.opnums, [44, 57, 0]);
    assert.equal(pipe.closed, true);
  });

  test("NONE_MAPPED: every entry null", async () => {
    const none = Buffer.from("00000000 00000000 00000000 00000000 730000c0".replace(/\s/g, ""), "hex");
    const pipe = scripted([CAPTURED_BIND_ACK, reply(2, Buffer.concat([HANDLE, status(0)])), reply(3, none)]);
    const lsa = await LsaClient.open(pipe);
    const res = await lsa.lookupSids(["S-1-5-21-9-9-9-1", "S-1-5-21-9-9-9-2"]);
    assert.deepEqual([...res.values()], [null, null]);
  });

  test("a failing OpenPolicy2 status is RpcError status with its name, and the pipe is closed", async () => {
    const pipe = scripted([CAPTURED_BIND_ACK, reply(2, Buffer.concat([Buffer.alloc(20), status(0xc0000022)]))]);
    await assert.rejects(
      LsaClient.open(pipe),
      (e: unknown) => e instanceof RpcError && e.kind === "status" && e.statusName === "STATUS_ACCESS_DENIED",
    );
    assert.equal(pipe.closed, true);
  });

  test("a lookup answering the wrong number of entries is a protocol error", async () => {
    const pipe = scripted([
      CAPTURED_BIND_ACK,
      reply(2, Buffer.concat([HANDLE, status(0)])),
      reply(3, addFlags(CAPTURED_LOOKUP_SIDS_RESPONSE.subarray(24), 16, 0)),
    ]);
    const lsa = await LsaClient.open(pipe);
    await assert.rejects(lsa.lookupSids(["S-1-5-32-544"]), /answered 3 entries for 1/);
  });

  test("SidResolver: concurrent lookups share one request; a broken pipe is replaced once", async () => {
    const none = reply(3, Buffer.from("00000000 00000000 00000000 00000000 730000c0".replace(/\s/g, ""), "hex"));
    const first = scripted([CAPTURED_BIND_ACK, reply(2, Buffer.concat([HANDLE, status(0)])), none]);
    const second = scripted([
      CAPTURED_BIND_ACK,
      reply(2, Buffer.concat([HANDLE, status(0)])),
      reply(3, addFlags(CAPTURED_LOOKUP_SIDS_RESPONSE.subarray(24), 16, 0)),
    ]);
    const pipes = [first, second];
    const resolver = new SidResolver(async () => pipes.shift()!);
    const unknown = ["S-1-5-21-9-9-9-1", "S-1-5-21-9-9-9-2"];
    const [a, b] = await Promise.all([resolver.resolveSids(unknown), resolver.resolveSids([...unknown].reverse())]);
    assert.deepEqual(first.opnums, [44, 57], "one LookupSids2 for both callers");
    assert.deepEqual([...a.values(), ...b.values()], [null, null, null, null]);

    first.transceive = async () => {
      throw new Error("connection reset");
    };
    const c = await resolver.resolveSids(["s-1-5-32-544", "S-1-5-21-1-2-3-4", "S-1-1-0", "S-1-5-21-9-9-9-1"]);
    assert.equal(pipes.length, 0, "the dead pipe was replaced");
    assert.equal(first.closed, true);
    assert.deepEqual(second.opnums, [44, 57]);
    assert.equal(c.get("s-1-5-32-544")?.name, "Administrators", "keys as given, SID normalised for the lookup");
    assert.equal(c.get("S-1-1-0")?.name, "Everyone");
    assert.equal(c.get("S-1-5-21-9-9-9-1"), null, "from the cache");
    await resolver.close();
    assert.equal(second.closed, true);
  });
});
