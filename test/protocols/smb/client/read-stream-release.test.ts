/**
 * SmbReadStream.releaseChunk: a consumer that hands each chunk back gets later READs in the same
 * few receive frames instead of a fresh buffer per READ, and the data stays bit-exact — also when
 * it hands a chunk back twice (by then the frame may carry a newer chunk) or passes buffers the
 * stream never emitted.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { startSamba } from "../../../harness/samba.js";
import { connectClient, generatedData, sha256Of } from "./smb-test-helpers.js";

const MiB = 1 << 20;

test(
  "releaseChunk recycles receive frames; double and foreign releases are harmless",
  { timeout: 120_000 },
  async () => {
    const s = await startSamba();
    try {
      const client = await connectClient(s, { timeoutMs: 60_000 });
      try {
        const tree = await client.tree("share");
        const size = 40 * MiB + 4321;
        const expected = await sha256Of(generatedData(size, 3));
        await tree.writeFile("r.bin", generatedData(size, 3));

        // Baseline: chunks kept by nobody but never handed back each arrive in a buffer of their own.
        const kept = new Set<ArrayBufferLike>();
        let keptChunks = 0;
        for await (const c of tree.createReadStream("r.bin")) {
          kept.add((c as Buffer).buffer);
          keptChunks++;
        }
        assert.ok(keptChunks >= 40);
        assert.equal(kept.size, keptChunks, "without releases every READ gets a fresh frame");

        const depth = 4;
        const rs = tree.createReadStream("r.bin", { depth });
        const hash = createHash("sha256");
        const seen = new Set<ArrayBufferLike>();
        let chunks = 0;
        let bytes = 0;
        /** The last chunk handed back in each frame. */
        const releasedIn = new Map<ArrayBufferLike, Buffer>();
        let doubleReleases = 0;
        let previous: { chunk: Buffer; copy: Buffer } | undefined;
        for await (const c of rs) {
          const chunk = c as Buffer;
          seen.add(chunk.buffer);
          chunks++;
          bytes += chunk.length;
          hash.update(chunk);
          // Foreign buffers and other views of a chunk are not the stream's to take back.
          rs.releaseChunk(Buffer.alloc(chunk.length));
          rs.releaseChunk(chunk.subarray(1));
          // A second release of an old chunk whose frame now carries this one, which is held below.
          const old = releasedIn.get(chunk.buffer);
          if (old) {
            rs.releaseChunk(old);
            doubleReleases++;
          }
          if (previous) {
            // Held across the arrival of a newer chunk: a wrong release would have let a READ
            // overwrite it.
            assert.ok(previous.chunk.equals(previous.copy), `chunk ${chunks - 1} changed while held`);
            rs.releaseChunk(previous.chunk);
            releasedIn.set(previous.chunk.buffer, previous.chunk);
          }
          previous = { chunk, copy: Buffer.from(chunk) };
        }
        assert.ok(previous!.chunk.equals(previous!.copy));
        assert.ok(doubleReleases > 0, "frames were reused, so old chunks were released again");
        assert.deepEqual({ hash: hash.digest("hex"), bytes }, expected);
        assert.equal(chunks, keptChunks);
        // `depth` in flight, up to 2 more prefetched, one held by this loop, plus pool slack.
        assert.ok(seen.size <= depth + 8, `${seen.size} distinct frames for ${chunks} chunks`);

        // The connection goes on working with recycled frames: another full read is exact.
        assert.deepEqual(await sha256Of(tree.createReadStream("r.bin")), expected);
      } finally {
        await client.close();
      }
    } finally {
      await s.stop();
    }
  },
);
