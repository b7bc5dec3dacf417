import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { openSync, readdirSync, readlinkSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { BlobReadStream } from "../../src/store/blobs/blob-read-stream.js";
import { fileBlobReader } from "../../src/store/blobs/blob-reader.js";
import { makeTempDir } from "../harness/temp-dir.js";

/** Descriptors of this process open on `path`. */
function openCount(path: string): number {
  let n = 0;
  for (const fd of readdirSync("/proc/self/fd")) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`) === path) n++;
    } catch {
      // closed while listing
    }
  }
  return n;
}

/** Runs `fn` with the path of a file holding `data` in a fresh temp dir, removed afterwards. */
async function withBlobFile(data: Buffer, fn: (path: string) => Promise<void>): Promise<void> {
  const dir = makeTempDir("blob-reader");
  try {
    const path = join(dir.path, "blob");
    writeFileSync(path, data);
    await fn(path);
  } finally {
    dir.remove();
  }
}

async function eventually(check: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !check(); i++) await sleep(10);
  assert.ok(check());
}

describe("fileBlobReader", () => {
  test("reads exactly the range into the caller's buffers, then 0, and closes the file", async () => {
    const data = randomBytes(10_000);
    await withBlobFile(data, async (path) => {
      const reader = fileBlobReader(openSync(path, "r"), 1234, 8765);
      assert.equal(reader.length, 8765 - 1234 + 1);
      const into = Buffer.alloc(3000);
      const parts: Buffer[] = [];
      for (let n = await reader.read(into); n > 0; n = await reader.read(into))
        parts.push(Buffer.from(into.subarray(0, n)));
      assert.deepEqual(
        parts.map((p) => p.length),
        [3000, 3000, 1532],
      );
      assert.ok(Buffer.concat(parts).equals(data.subarray(1234, 8766)));
      assert.equal(await reader.read(into), 0);
      reader.close();
      reader.close();
      await eventually(() => openCount(path) === 0);
      await assert.rejects(reader.read(into), /closed/);
    });
  });

  test("a file shorter than its range fails the read instead of delivering fewer bytes", async () => {
    await withBlobFile(randomBytes(5000), async (path) => {
      const reader = fileBlobReader(openSync(path, "r"), 0, 4999);
      truncateSync(path, 4000);
      await assert.rejects(reader.read(Buffer.alloc(8192)), /1000 bytes early at offset 4000/);
      reader.close();
      await eventually(() => openCount(path) === 0);
    });
  });

  test("close during a read releases the file when the read ends; overlapping reads are refused", async () => {
    const data = randomBytes(64 * 1024);
    await withBlobFile(data, async (path) => {
      const reader = fileBlobReader(openSync(path, "r"), 0, data.length - 1);
      const into = Buffer.alloc(data.length);
      const reading = reader.read(into);
      await assert.rejects(reader.read(Buffer.alloc(10)), /one read at a time/);
      reader.close();
      // The read already under way still completes into the buffer the caller handed over.
      assert.equal(await reading, data.length);
      assert.ok(into.equals(data));
      await eventually(() => openCount(path) === 0);
    });
  });

  test("an empty range reads nothing", async () => {
    await withBlobFile(Buffer.alloc(0), async (path) => {
      const reader = fileBlobReader(openSync(path, "r"), 0, -1);
      assert.equal(reader.length, 0);
      assert.equal(await reader.read(Buffer.alloc(16)), 0);
      reader.close();
      await eventually(() => openCount(path) === 0);
    });
  });
});

describe("BlobReadStream", () => {
  const MiB = 1024 * 1024;

  test("streams the range; chunks handed back are reused, twice-returned and foreign ones are not", async () => {
    const data = randomBytes(9 * MiB + 321);
    await withBlobFile(data, async (path) => {
      const stream = new BlobReadStream(fileBlobReader(openSync(path, "r"), 100, data.length - 1));
      const foreign = Buffer.alloc(MiB);
      stream.releaseChunk(foreign);
      const seen = new Set<ArrayBufferLike>();
      let reused = 0;
      const parts: Buffer[] = [];
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        assert.notEqual(chunk.buffer, foreign.buffer);
        if (seen.has(chunk.buffer)) reused++;
        seen.add(chunk.buffer);
        parts.push(Buffer.from(chunk));
        // A consumer that hands a chunk back twice must not get one buffer lent out twice: the
        // read-ahead chunk would then be overwritten under the reader's feet.
        stream.releaseChunk(chunk);
        stream.releaseChunk(chunk);
      }
      assert.ok(Buffer.concat(parts).equals(data.subarray(100)));
      assert.ok(reused >= 5, `only ${reused} of ${parts.length} chunks reused a returned buffer`);
      await eventually(() => openCount(path) === 0);
    });
  });

  test("destroyed half-way, it closes the file; a blob cut short fails the stream", async () => {
    await withBlobFile(randomBytes(4 * MiB), async (path) => {
      const stream = new BlobReadStream(fileBlobReader(openSync(path, "r"), 0, 4 * MiB - 1));
      for await (const _chunk of stream) break;
      await eventually(() => openCount(path) === 0);

      const cut = new BlobReadStream(fileBlobReader(openSync(path, "r"), 0, 4 * MiB - 1));
      truncateSync(path, 2 * MiB + 5);
      await assert.rejects(async () => {
        for await (const _chunk of cut) {
          // drain
        }
      }, /bytes early at offset 2097157/);
      await eventually(() => openCount(path) === 0);
    });
  });
});
