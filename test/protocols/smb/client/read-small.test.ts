/**
 * SmbTree.readSmall: CREATE + READ + CLOSE as one compound against smbd, on a default session, a
 * signed one (server signing = mandatory) and an encrypted one; the metadata matches stat and
 * errors match stat / createReadStream.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { startSamba, type SambaInstance } from "../../../harness/samba.js";
import { connectClient } from "./smb-test-helpers.js";
import { SmbError, type SmbClient, type SmbClientOptions, type SmbTree } from "../../../../src/protocols/smb/index.js";
import { Access, CreateOptions, Disposition } from "../../../../src/protocols/smb/messages/create.js";

async function errorOf(p: Promise<unknown>): Promise<SmbError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof SmbError, `not an SmbError: ${String(e)}`);
    return e;
  }
  assert.fail("expected a rejection");
}

async function streamError(tree: SmbTree, path: string): Promise<SmbError> {
  return errorOf(
    (async () => {
      for await (const _ of tree.createReadStream(path));
    })(),
  );
}

const modes: { name: string; global: Record<string, string>; client: Partial<SmbClientOptions>; encrypted: boolean }[] =
  [
    { name: "default smbd", global: {}, client: {}, encrypted: false },
    { name: "server signing = mandatory", global: { "server signing": "mandatory" }, client: {}, encrypted: false },
    { name: "encrypted session", global: {}, client: { encrypt: "required" }, encrypted: true },
  ];

for (const mode of modes) {
  describe(`SmbTree.readSmall (${mode.name})`, () => {
    let s: SambaInstance;
    let client: SmbClient;
    let tree: SmbTree;
    let dir: string;

    before(async () => {
      s = await startSamba({ global: mode.global });
      client = await connectClient(s, mode.client);
      tree = await client.tree("share");
      dir = s.shares.share;
      assert.equal(client.encrypted, mode.encrypted);
    });
    after(async () => {
      await client?.close();
      await s?.stop();
    });

    test("content and metadata in one round trip; matches stat", async () => {
      const body = randomBytes(5000);
      writeFileSync(join(dir, "small.bin"), body);
      // stat first: the READ may move the access time on.
      const st = await tree.stat("small.bin");
      const { info, data } = await tree.readSmall("small.bin", 64 << 10);
      assert.ok(data);
      assert.ok(data.equals(body));
      const disk = statSync(join(dir, "small.bin"), { bigint: true });
      assert.equal(info.name, "small.bin");
      assert.equal(info.size, 5000);
      assert.equal(info.fileId, disk.ino);
      assert.deepEqual(info, st);
    });

    test("an empty file gives an empty buffer", async () => {
      writeFileSync(join(dir, "empty.txt"), "");
      const { info, data } = await tree.readSmall("/empty.txt", 4096);
      assert.equal(info.size, 0);
      assert.ok(Buffer.isBuffer(data));
      assert.equal(data.length, 0);
    });

    test("exactly maxBytes is read, one byte more is left to streaming", async () => {
      const body = randomBytes(4096);
      writeFileSync(join(dir, "edge.bin"), body);
      const exact = await tree.readSmall("edge.bin", 4096);
      assert.ok(exact.data?.equals(body));
      const over = await tree.readSmall("edge.bin", 4095);
      assert.equal(over.data, null);
      assert.equal(over.info.size, 4096);
      const zero = await tree.readSmall("edge.bin", 0);
      assert.equal(zero.data, null);
    });

    test("a file above MaxReadSize still comes back whole when maxBytes allows it", async () => {
      const conn = (await tree.bind()).conn;
      const size = conn.maxReadSize + 12345;
      const body = randomBytes(size);
      writeFileSync(join(dir, "big.bin"), body);
      const { data } = await tree.readSmall("big.bin", size);
      assert.ok(data?.equals(body));
    });

    test("errors match stat and createReadStream", async () => {
      const missing = await errorOf(tree.readSmall("nope/none.txt", 100));
      assert.equal(missing.kind, "not_found");
      assert.equal(missing.status, (await errorOf(tree.stat("nope/none.txt"))).status);
      assert.equal(missing.status, (await streamError(tree, "nope/none.txt")).status);

      mkdirSync(join(dir, "adir"), { recursive: true });
      const isDir = await errorOf(tree.readSmall("adir", 100));
      assert.equal(isDir.status, (await streamError(tree, "adir")).status);

      writeFileSync(join(dir, "locked.txt"), "x", { mode: 0o666 });
      chmodSync(join(dir, "locked.txt"), 0o666);
      const t = await tree.bind();
      const h = await t.open({
        name: "locked.txt",
        desiredAccess: Access.FILE_READ_DATA | Access.FILE_WRITE_DATA | Access.SYNCHRONIZE,
        fileAttributes: 0,
        shareAccess: 0,
        disposition: Disposition.OPEN,
        options: CreateOptions.NON_DIRECTORY_FILE,
      });
      try {
        const busy = await errorOf(tree.readSmall("locked.txt", 100));
        assert.equal(busy.kind, "sharing_violation");
        assert.equal(busy.status, (await streamError(tree, "locked.txt")).status);
      } finally {
        await h.close();
      }
      assert.equal((await tree.readSmall("locked.txt", 100)).data?.toString(), "x");
    });

    test("16 concurrent reads on one session overlap and stay correct", async () => {
      mkdirSync(join(dir, "many"), { recursive: true });
      const bodies = Array.from({ length: 64 }, (_, i) => randomBytes(1000 + i * 97));
      bodies.forEach((b, i) => writeFileSync(join(dir, "many", `f${i}`), b));
      const conn = (await tree.bind()).conn;
      let maxInFlight = 0;
      const sample = setInterval(() => (maxInFlight = Math.max(maxInFlight, conn.inFlight)), 0);
      let next = 0;
      const worker = async () => {
        while (next < bodies.length) {
          const i = next++;
          const { data } = await tree.readSmall(`many/f${i}`, 1 << 20);
          assert.ok(data?.equals(bodies[i]), `f${i}`);
          maxInFlight = Math.max(maxInFlight, conn.inFlight);
        }
      };
      await Promise.all(Array.from({ length: 16 }, worker));
      clearInterval(sample);
      // Each readSmall is 3 requests; 16 callers must not be serialised behind one another.
      assert.ok(maxInFlight > 3 * 4, `at most ${maxInFlight} requests were in flight`);
    });
  });
}
