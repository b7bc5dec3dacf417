import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { LargeFileUploadTask, StreamUpload } from "@microsoft/microsoft-graph-client";
import { QuickXorHash, quickXorHashOf } from "./content/quick-xor-hash.js";
import { control, graphFetch, useEmulator } from "./graph-test-support.js";

type Item = Record<string, any>;
const KIB320 = 320 * 1024;
/** The issue asks for 250 MB; GRAPH_UPLOAD_TEST_MB shrinks it while iterating locally. */
const UPLOAD_BYTES = Number(process.env.GRAPH_UPLOAD_TEST_MB ?? 250) * 1024 * 1024;

/** A stream of `size` deterministic bytes (1 MiB blocks, each different), hashed as it is read. */
function generatedStream(size: number): { stream: Readable; hash: QuickXorHash } {
  const hash = new QuickXorHash();
  const seed = createHash("sha512").update("upload-session").digest();
  const block = Buffer.alloc(1024 * 1024);
  for (let i = 0; i < block.length; i++) block[i] = seed[i % 64] ^ (i >>> 6);
  let sent = 0;
  let n = 0;
  const stream = new Readable({
    read() {
      if (sent >= size) return void this.push(null);
      const len = Math.min(block.length, size - sent);
      const chunk = Buffer.from(block.subarray(0, len));
      chunk.writeUInt32LE(n++, 0);
      sent += len;
      hash.update(chunk);
      this.push(chunk);
    },
  });
  return { stream, hash };
}

describe("Graph upload sessions", () => {
  const ctx = useEmulator();
  const session = async (path: string, item: Record<string, unknown> = {}): Promise<Item> =>
    ctx.client.api(ctx.d(`/root:/${path}:/createUploadSession`)).post({ item });
  const putFragment = (url: string, body: Buffer, range: string): Promise<Response> =>
    fetch(url, { method: "PUT", body: new Uint8Array(body), headers: { "content-range": range } });

  test(
    `a ${UPLOAD_BYTES / 1024 / 1024} MiB upload through the SDK's ` + `LargeFileUploadTask keeps size and quickXorHash`,
    async () => {
      const fsInfo = { createdDateTime: "2024-01-02T03:04:05Z", lastModifiedDateTime: "2024-02-03T04:05:06Z" };
      const uploadSession = await LargeFileUploadTask.createUploadSession(
        ctx.client,
        ctx.d("/root:/Large/big.bin:/createUploadSession"),
        {
          item: { "@microsoft.graph.conflictBehavior": "replace", fileSystemInfo: fsInfo },
        },
      );
      assert.ok(uploadSession.url.startsWith(ctx.emu.info.graph_base_url + "/"), "absolute uploadUrl");
      const { stream, hash } = generatedStream(UPLOAD_BYTES);
      const task = new LargeFileUploadTask(
        ctx.client,
        new StreamUpload(stream, "big.bin", UPLOAD_BYTES),
        uploadSession,
        {
          rangeSize: 32 * KIB320,
        },
      );
      const result = await task.upload();
      const item = result.responseBody as Item;
      assert.equal(item.size, UPLOAD_BYTES);
      assert.equal(item.file.hashes.quickXorHash, hash.digestBase64());
      assert.deepEqual(item.fileSystemInfo, fsInfo);

      // Read it back through the download URL and hash the stream.
      const res = await fetch(item["@microsoft.graph.downloadUrl"]);
      const back = new QuickXorHash();
      let size = 0;
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        back.update(chunk);
        size += chunk.length;
      }
      assert.equal(size, UPLOAD_BYTES);
      assert.equal(back.digestBase64(), hash.digestBase64());
    },
  );

  test("fragments: 320 KiB multiples, contiguous ranges, nextExpectedRanges, status and cancel", async () => {
    const s = await session("Frag/a.bin");
    assert.deepEqual(s.nextExpectedRanges, ["0-"]);
    const total = 2 * KIB320 + 10;
    const data = Buffer.alloc(total, 7);
    const odd = await putFragment(s.uploadUrl, data.subarray(0, 1000), `bytes 0-999/${total}`);
    assert.equal(odd.status, 400, "not a multiple of 320 KiB");
    const gap = await putFragment(
      s.uploadUrl,
      data.subarray(KIB320, 2 * KIB320),
      `bytes ${KIB320}-${2 * KIB320 - 1}/${total}`,
    );
    assert.equal(gap.status, 416, "must start at the next expected byte");
    const first = await putFragment(s.uploadUrl, data.subarray(0, KIB320), `bytes 0-${KIB320 - 1}/${total}`);
    assert.equal(first.status, 202);
    assert.deepEqual(((await first.json()) as Item).nextExpectedRanges, [`${KIB320}-${total - 1}`]);
    const status = (await (await fetch(s.uploadUrl)).json()) as Item;
    assert.deepEqual(status.nextExpectedRanges, [`${KIB320}-${total - 1}`]);
    const rest = await putFragment(s.uploadUrl, data.subarray(KIB320), `bytes ${KIB320}-${total - 1}/${total}`);
    assert.equal(rest.status, 201);
    const item = (await rest.json()) as Item;
    assert.equal(item.size, total);
    assert.equal(item.file.hashes.quickXorHash, quickXorHashOf(data));
    assert.equal((await fetch(s.uploadUrl)).status, 404, "a finished session is gone");

    const cancelled = await session("Frag/b.bin");
    assert.equal((await fetch(cancelled.uploadUrl, { method: "DELETE" })).status, 204);
    assert.equal((await putFragment(cancelled.uploadUrl, data.subarray(0, 10), "bytes 0-9/10")).status, 404);
  });

  test("conflictBehavior fail / rename / replace and session expiry", async () => {
    await graphFetch(ctx.emu, ctx.token, ctx.d("/root:/Conf/x.txt:/content"), { method: "PUT", body: "old" });
    const failed = await graphFetch(ctx.emu, ctx.token, ctx.d("/root:/Conf/x.txt:/createUploadSession"), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ item: { "@microsoft.graph.conflictBehavior": "fail" } }),
    });
    assert.equal(failed.status, 409);
    const renamed = await session("Conf/x.txt", { "@microsoft.graph.conflictBehavior": "rename" });
    const r = await putFragment(renamed.uploadUrl, Buffer.from("new"), "bytes 0-2/3");
    assert.equal(r.status, 201);
    assert.equal(((await r.json()) as Item).name, "x 1.txt");
    const replaced = await session("Conf/x.txt", { "@microsoft.graph.conflictBehavior": "replace" });
    const p = await putFragment(replaced.uploadUrl, Buffer.from("newer"), "bytes 0-4/5");
    assert.equal(p.status, 200, "a new version of the existing file");
    const versions = await ctx.client.api(ctx.d("/root:/Conf/x.txt:/versions")).get();
    assert.equal(versions.value.length, 2);

    const expiring = await session("Conf/late.txt");
    await control(ctx.emu, "upload-sessions/expire");
    assert.equal((await putFragment(expiring.uploadUrl, Buffer.from("x"), "bytes 0-0/1")).status, 404);
  });
});
