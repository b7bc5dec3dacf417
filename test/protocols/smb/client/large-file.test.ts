/**
 * A 1 GiB round trip through the client: generated data streamed up (pipelined multi-credit
 * WRITEs), checked on disk, streamed back (pipelined READs); SHA-256 equal everywhere.
 * SMB_TEST_LARGE_MIB sizes it down while developing; the committed default is 1024 MiB.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createReadStream } from "node:fs";
import { join } from "node:path";
import { startSamba } from "../../../harness/samba.js";
import { connectClient, generatedData, sha256Of } from "./smb-test-helpers.js";

const SIZE = Number(process.env.SMB_TEST_LARGE_MIB ?? 1024) * 1024 * 1024;

test(`${SIZE / 1048576} MiB file round trip keeps SHA-256`, async () => {
  const s = await startSamba();
  try {
    const client = await connectClient(s, { timeoutMs: 60_000 });
    try {
      const tree = await client.tree("share");
      const expected = await sha256Of(generatedData(SIZE));
      await tree.writeFile("big.bin", generatedData(SIZE));
      const onDisk = await sha256Of(createReadStream(join(s.shares.share, "big.bin"), { highWaterMark: 1 << 20 }));
      assert.deepEqual(onDisk, expected);
      assert.equal((await tree.stat("big.bin")).size, SIZE);
      const back = await sha256Of(tree.createReadStream("big.bin"));
      assert.deepEqual(back, expected);
      // a range across READ boundaries
      const start = SIZE / 2 - 12345;
      const end = SIZE / 2 + 3 * 1048576 + 777;
      const ranged = await sha256Of(tree.createReadStream("big.bin", { start, end }));
      const direct = await sha256Of(createReadStream(join(s.shares.share, "big.bin"), { start, end }));
      assert.deepEqual(ranged, direct);
      assert.equal(ranged.bytes, end - start + 1);
    } finally {
      await client.close();
    }
  } finally {
    await s.stop();
  }
});
