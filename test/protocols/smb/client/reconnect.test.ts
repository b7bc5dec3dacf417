/**
 * A connection killed mid-read (the smbd child serving it killed by pid) fails the stream and
 * every call in flight with an "unreachable" SmbError; the next call reconnects, re-authenticates
 * and re-connects the tree.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync, chownSync } from "node:fs";
import { join } from "node:path";
import { startSamba } from "../../../harness/samba.js";
import { connectClient, generatedData, sha256Of } from "./smb-test-helpers.js";
import { SmbError } from "../../../../src/protocols/smb/index.js";

test("connection killed mid-read fails cleanly and the next call recovers", async () => {
  const s = await startSamba({ global: { "server signing": "mandatory" } });
  try {
    const size = 64 * 1024 * 1024;
    const chunks: Buffer[] = [];
    for await (const c of generatedData(size)) chunks.push(c as Buffer);
    writeFileSync(join(s.shares.share, "victim.bin"), Buffer.concat(chunks));
    chownSync(join(s.shares.share, "victim.bin"), s.uid, s.gid);
    chunks.length = 0;

    const client = await connectClient(s);
    try {
      const tree = await client.tree("share");
      const servingBefore = s.childPids();
      assert.ok(servingBefore.length >= 1, "an smbd child serves the connection");

      const stream = tree.createReadStream("victim.bin", { chunkSize: 256 * 1024 });
      let received = 0;
      const failure = new Promise<unknown>((resolve) => {
        stream.on("error", resolve);
        stream.on("end", () => resolve(new Error("stream ended without error")));
      });
      stream.on("data", (c: Buffer) => {
        received += c.length;
        if (received >= 1024 * 1024 && !stream.isPaused()) {
          stream.pause();
          s.signalServingChildren();
          // another call issued on the dying connection fails too, not hangs
          inflight = tree.stat("victim.bin").then(
            () => undefined,
            (e: unknown) => e,
          );
          setTimeout(() => stream.resume(), 50);
        }
      });
      let inflight: Promise<unknown> | undefined;
      const err = await failure;
      assert.ok(err instanceof SmbError, `got ${String(err)}`);
      assert.equal(err.kind, "unreachable");
      assert.ok(received < size);
      const other = await inflight;
      if (other !== undefined) {
        assert.ok(other instanceof SmbError);
        assert.equal(other.kind, "unreachable");
      }

      // next call: reconnect + re-auth + tree connect, transparently
      const st = await tree.stat("victim.bin");
      assert.equal(st.size, size);
      const again = await sha256Of(tree.createReadStream("victim.bin"));
      const expected = await sha256Of(generatedData(size));
      assert.deepEqual(again, expected);
      assert.equal(client.security!.signing, true);
    } finally {
      await client.close();
    }
  } finally {
    await s.stop();
  }
});

test("a watcher whose connection dies ends with an unreachable error; a new watcher works", async () => {
  const s = await startSamba();
  try {
    const client = await connectClient(s);
    try {
      const tree = await client.tree("share");
      const watcher = tree.watch("");
      await watcher.ready;
      const it = watcher[Symbol.asyncIterator]();
      const next = it.next();
      s.signalServingChildren();
      await assert.rejects(next, (e: unknown) => e instanceof SmbError && e.kind === "unreachable");
      const again = tree.watch("");
      await again.ready;
      const seen = again[Symbol.asyncIterator]().next();
      await tree.writeFile("after.txt", "x");
      assert.deepEqual(await seen, { value: { action: "added", name: "after.txt" }, done: false });
      await again.close();
    } finally {
      await client.close();
    }
  } finally {
    await s.stop();
  }
});
