import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { PassThrough, Readable } from "node:stream";
import { takeSmall } from "../../src/core/content-head.js";
import { readAll } from "../harness/read-stream.js";

async function collect(source: AsyncIterable<Uint8Array> | NodeJS.ReadableStream): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of source as AsyncIterable<Uint8Array>) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
}

describe("takeSmall", () => {
  test("content within the limit comes back whole, from a stream or an iterable", async () => {
    const data = randomBytes(1000);
    const fromStream = await takeSmall(Readable.from([data.subarray(0, 300), data.subarray(300)]), 1000);
    assert.ok("whole" in fromStream && fromStream.whole.equals(data));
    const fromIterable = await takeSmall(
      (async function* () {
        yield data.subarray(0, 10);
        yield data.subarray(10);
      })(),
      1000,
    );
    assert.ok("whole" in fromIterable && fromIterable.whole.equals(data));
    const empty = await takeSmall(Readable.from([]), 10);
    assert.ok("whole" in empty && empty.whole.length === 0);
  });

  test("a stream over the limit comes back itself, paused, with every byte in order", async () => {
    const chunks = [randomBytes(600), randomBytes(600), randomBytes(600), randomBytes(600)];
    const source = new PassThrough();
    for (const c of chunks) source.write(c);
    source.end();
    const taken = await takeSmall(source, 1000);
    assert.ok("rest" in taken);
    assert.equal(taken.rest, source);
    const seen: Buffer[] = [];
    source.on("data", (c: Buffer) => seen.push(c));
    source.resume(); // paused: a 'data' listener alone does not restart it (pipe() and iteration do)
    await new Promise((r) => source.once("end", r));
    assert.ok(Buffer.concat(seen).equals(Buffer.concat(chunks)));
  });

  test("an iterable over the limit is replayed from its first byte", async () => {
    const data = randomBytes(5000);
    const taken = await takeSmall(
      (async function* () {
        for (let i = 0; i < 5000; i += 700) yield data.subarray(i, i + 700);
      })(),
      1000,
    );
    assert.ok("rest" in taken);
    assert.ok((await collect(taken.rest)).equals(data));
  });

  test(
    "a source that fails or closes early rejects; the caller's " + "stream is not destroyed by a stop after the limit",
    async () => {
      const failing = new PassThrough();
      failing.write(Buffer.from("abc"));
      const failed = takeSmall(failing, 1000);
      failing.destroy(new Error("connection reset"));
      await assert.rejects(failed, /connection reset/);

      const closing = new PassThrough();
      closing.write(Buffer.from("abc"));
      const closed = takeSmall(closing, 1000);
      closing.destroy();
      await assert.rejects(closed, { code: "ERR_STREAM_PREMATURE_CLOSE" });

      const big = new PassThrough();
      big.write(randomBytes(2000));
      const taken = await takeSmall(big, 1000);
      assert.ok("rest" in taken);
      assert.equal(big.destroyed, false);
      big.end(Buffer.from("tail"));
      assert.equal((await readAll(big)).length, 2004);
    },
  );
});
