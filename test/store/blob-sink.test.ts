import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { closeSync, openSync, readFileSync, statSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { BlobSink } from "../../src/store/blobs/blob-sink.js";
import { startFileHash } from "../../src/store/blobs/file-hasher.js";
import { AppError } from "../../src/core/errors.js";

/** Deterministic chunks of varied sizes (so writes coalesce into writevs of uneven buffers). */
function* chunks(total: number): Generator<Buffer> {
  let sent = 0;
  let i = 0;
  while (sent < total) {
    const n = Math.min(total - sent, 1000 + ((i * 7919) % 70_000));
    const buf = Buffer.alloc(n, i % 251);
    buf.writeUInt32LE(i, 0);
    sent += n;
    i += 1;
    yield buf;
  }
}

async function withFile<T>(fn: (path: string, fd: number) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), "blob-sink-"));
  const path = join(dir, "out.part");
  const fd = openSync(path, "wx+");
  try {
    return await fn(path, fd);
  } finally {
    closeSync(fd);
    await rm(dir, { recursive: true, force: true });
  }
}

describe("blob sink", () => {
  test(
    "writes every byte in order and reports the SHA-256 (hashed " +
      "on the worker) and size, across background flushes",
    async () => {
      const total = 40 * 1024 * 1024 + 12_345; // past the 32 MiB background-flush threshold
      const expected = createHash("sha256");
      for (const c of chunks(total)) expected.update(c);
      await withFile(async (path, fd) => {
        const sink = new BlobSink(fd, undefined, 1024 * 1024);
        await pipeline(Readable.from(chunks(total), { objectMode: false }), sink);
        await sink.settle();
        assert.equal(sink.size, total);
        assert.equal(statSync(path).size, total);
        const digest = expected.digest("hex");
        assert.equal(await sink.digest(), digest);
        assert.equal(createHash("sha256").update(readFileSync(path)).digest("hex"), digest);
      });
    },
  );

  test("hash jobs: an aborted job stops reading, an empty file digests nothing, a short file fails", async () => {
    // An aborted job stops reading; a job for an empty file digests nothing.
    await withFile(async (_path, fd) => {
      const aborted = startFileHash(fd);
      aborted.advance(0);
      await aborted.abort();
      await aborted.abort();
      const empty = startFileHash(fd);
      assert.equal(await empty.finish(0), createHash("sha256").digest("hex"));
    });
    // A job asked for bytes that were never written fails instead of hashing short content.
    await withFile(async (_path, fd) => {
      const short = startFileHash(fd);
      await assert.rejects(short.finish(10), /hashing failed: file ended at 0 bytes/);
    });
  });

  test("an empty stream gives the empty digest and an empty file", async () => {
    await withFile(async (path, fd) => {
      const sink = new BlobSink(fd, 0, 1024);
      await pipeline(Readable.from([], { objectMode: false }), sink);
      await sink.settle();
      assert.equal(sink.size, 0);
      assert.equal(await sink.digest(), createHash("sha256").digest("hex"));
      assert.equal(statSync(path).size, 0);
    });
  });

  test("exceeding maxBytes fails with PAYLOAD_TOO_LARGE before the offending chunk is written", async () => {
    await withFile(async (path, fd) => {
      const sink = new BlobSink(fd, 10_000, 1024);
      const source = Readable.from([Buffer.alloc(6_000, 1), Buffer.alloc(6_000, 2), Buffer.alloc(6_000, 3)], {
        objectMode: false,
      });
      await assert.rejects(
        pipeline(source, sink),
        (err: unknown) => err instanceof AppError && err.code === "PAYLOAD_TOO_LARGE",
      );
      await sink.settle();
      assert.equal(statSync(path).size, 6_000);
      assert.ok(readFileSync(path).every((b) => b === 1));
      await sink.abandon();
    });
  });
});
