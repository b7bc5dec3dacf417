/**
 * recycleChunk (BlobSink, and PutOptions of the fs blob store): each chunk is handed back exactly
 * once, only when its bytes — and those of every chunk written with it in one writev — are in the
 * file. The callbacks here scribble over the chunk the way a producer reusing the memory would,
 * so a chunk handed back too early shows up as wrong content or a wrong hash.
 */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { closeSync, fstatSync, openSync, readFileSync, readSync, readdirSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { BlobSink } from "../../src/store/blobs/blob-sink.js";
import { createFsBlobStore } from "../../src/store/blobs/fs-blob-store.js";
import { readAll } from "../harness/read-stream.js";

/** Chunks of uneven sizes (so several coalesce into one writev), each with its file offset. */
function makeChunks(total: number): { chunks: Buffer[]; offsets: Map<Buffer, number>; expected: Buffer } {
  const chunks: Buffer[] = [];
  const offsets = new Map<Buffer, number>();
  let at = 0;
  for (let i = 0; at < total; i++) {
    const n = Math.min(total - at, 3000 + ((i * 7919) % 200_000));
    const c = Buffer.alloc(n, (i * 37) % 251);
    c.writeUInt32LE(i, 0);
    offsets.set(c, at);
    chunks.push(c);
    at += n;
  }
  // Taken before anything is written: the callbacks below overwrite the chunks.
  return { chunks, offsets, expected: Buffer.concat(chunks) };
}

/** The file's bytes [start, end) as they are now. */
function fileRange(fd: number, start: number, end: number): Buffer {
  const out = Buffer.alloc(end - start);
  let got = 0;
  while (got < out.length) {
    const n = readSync(fd, out, got, out.length - got, start + got);
    if (n === 0) break;
    got += n;
  }
  return out.subarray(0, got);
}

const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

describe("chunk recycling", () => {
  test("BlobSink hands every chunk back once, after its whole writev batch is on disk", async () => {
    const dir = await mkdtemp(join(tmpdir(), "blob-recycle-"));
    const path = join(dir, "out.part");
    const fd = openSync(path, "wx+");
    try {
      const total = 24 * 1024 * 1024 + 999;
      const { chunks, offsets, expected } = makeChunks(total);
      /** End offset of the batch each chunk was written in. */
      const batchEnd = new Map<Buffer, number>();
      let batches = 0;
      let multiChunkBatches = 0;
      const recycled = new Set<Buffer>();
      const reader = openSync(path, "r");
      const sink = new BlobSink(fd, undefined, 1024 * 1024, (chunk) => {
        assert.ok(offsets.has(chunk), "only chunks of the source come back, as they were sent");
        assert.ok(!recycled.has(chunk), "handed back once");
        recycled.add(chunk);
        const start = offsets.get(chunk)!;
        assert.ok(fstatSync(reader).size >= batchEnd.get(chunk)!, "the whole batch is written first");
        assert.ok(
          fileRange(reader, start, start + chunk.length).equals(expected.subarray(start, start + chunk.length)),
          "the chunk's bytes are in the file",
        );
        chunk.fill(0xee);
      });
      const track = (bufs: Buffer[]) => {
        batches++;
        if (bufs.length > 1) multiChunkBatches++;
        const last = bufs[bufs.length - 1];
        for (const b of bufs) batchEnd.set(b, offsets.get(last)! + last.length);
      };
      const write = sink._write.bind(sink);
      const writev = sink._writev.bind(sink);
      sink._write = (chunk, enc, done) => {
        track([chunk]);
        write(chunk, enc, done);
      };
      sink._writev = (list, done) => {
        track(list.map((c) => c.chunk as Buffer));
        writev(list, done);
      };
      try {
        await pipeline(Readable.from(chunks, { objectMode: false }), sink);
        await sink.settle();
      } finally {
        closeSync(reader);
      }
      assert.equal(recycled.size, chunks.length, "every chunk handed back");
      assert.ok(multiChunkBatches > 0 && batches < chunks.length, "some writes were batched");
      assert.equal(sink.size, total);
      assert.equal(await sink.digest(), sha(expected));
      assert.ok(readFileSync(path).equals(expected));
    } finally {
      closeSync(fd);
      await rm(dir, { recursive: true, force: true });
    }
  });

  test("fs blob store put passes recycleChunk through: chunks come back once, on disk, blob intact", async () => {
    const dir = await mkdtemp(join(tmpdir(), "blob-recycle-store-"));
    try {
      const store = createFsBlobStore(dir);
      const total = 6 * 1024 * 1024 + 4321;
      const { chunks, offsets, expected } = makeChunks(total);
      const recycled = new Set<Buffer>();
      const blob = await store.put(Readable.from(chunks, { objectMode: false }), {
        recycleChunk: (chunk) => {
          assert.ok(offsets.has(chunk));
          assert.ok(!recycled.has(chunk), "handed back once");
          recycled.add(chunk);
          const parts = readdirSync(join(dir, "tmp")).filter((n) => n.endsWith(".part"));
          assert.equal(parts.length, 1, "the put's temp file");
          const fd = openSync(join(dir, "tmp", parts[0]), "r");
          try {
            const start = offsets.get(chunk)!;
            assert.ok(
              fileRange(fd, start, start + chunk.length).equals(expected.subarray(start, start + chunk.length)),
            );
          } finally {
            closeSync(fd);
          }
          chunk.fill(0xee);
        },
      });
      try {
        assert.equal(recycled.size, chunks.length);
        assert.equal(blob.size, total);
        assert.equal(blob.sha256, sha(expected));
        assert.ok((await readAll(store.open(blob.sha256))).equals(expected));
      } finally {
        blob.release();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
