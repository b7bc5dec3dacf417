/**
 * A directory of 20,000 entries (made directly on disk) listed completely and exactly, in pages.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startSamba } from "../../../harness/samba.js";
import { connectClient } from "./smb-test-helpers.js";

test("lists a directory of 20,000 entries", async () => {
  const s = await startSamba();
  try {
    const dir = join(s.shares.share, "big");
    mkdirSync(dir);
    const expected = new Set<string>();
    for (let i = 0; i < 20_000; i++) {
      const name = i % 1000 === 0 ? `sub-${i}` : `file-${i}-${"x".repeat(i % 40)}.dat`;
      if (name.startsWith("sub-")) mkdirSync(join(dir, name));
      else writeFileSync(join(dir, name), i % 7 === 0 ? "seven" : "");
      expected.add(name);
    }
    const client = await connectClient(s);
    try {
      const tree = await client.tree("share");
      let pages = 0;
      const seen = new Map<string, { size: number; dir: boolean }>();
      for await (const page of tree.readdirPages("big")) {
        pages++;
        for (const e of page) {
          assert.ok(!seen.has(e.name), `duplicate ${e.name}`);
          seen.set(e.name, { size: e.size, dir: e.isDirectory });
        }
      }
      assert.equal(seen.size, 20_000);
      assert.deepEqual(new Set(seen.keys()), expected);
      assert.ok(pages > 1, `pages=${pages}`);
      assert.deepEqual(seen.get("sub-5000"), { size: 0, dir: true });
      assert.deepEqual(seen.get("file-7-xxxxxxx.dat"), { size: 5, dir: false });
      // the async-iterable form agrees
      let count = 0;
      for await (const _ of tree.readdir("big")) count++;
      assert.equal(count, 20_000);
    } finally {
      await client.close();
    }
  } finally {
    await s.stop();
  }
});
