/**
 * CHANGE_NOTIFY: the watcher sees files created by Samba's smbclient (another session), in the
 * directory and — recursive — below it; closing the watcher ends the iteration.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSamba } from "../../../harness/samba.js";
import { connectClient } from "./smb-test-helpers.js";
import type { SmbChange } from "../../../../src/protocols/smb/index.js";

test("change notify sees a file created by smbclient", async () => {
  const s = await startSamba({ ownAddress: true });
  const local = mkdtempSync(join(tmpdir(), "smbn-"));
  try {
    writeFileSync(join(local, "up.txt"), "uploaded by smbclient");
    const client = await connectClient(s);
    try {
      const tree = await client.tree("share");
      await tree.mkdir("watched");
      await tree.mkdir("watched/deep");
      const watcher = tree.watch("watched", { recursive: true });
      await watcher.ready;
      const seen: SmbChange[] = [];
      const collecting = (async () => {
        for await (const change of watcher) {
          seen.push(change);
          if (seen.some((c) => c.name === "deep\\nested.txt" && c.action === "added")) break;
        }
      })();
      const put1 = await s.run("smbclient", [
        `//${s.host}/share`,
        "-c",
        `put ${join(local, "up.txt")} watched\\new-file.txt`,
      ]);
      assert.equal(put1.code, 0, put1.stderr + put1.stdout);
      const put2 = await s.run("smbclient", [
        `//${s.host}/share`,
        "-c",
        `put ${join(local, "up.txt")} watched\\deep\\nested.txt`,
      ]);
      assert.equal(put2.code, 0, put2.stderr + put2.stdout);
      await collecting; // breaking out of for-await closes the watcher (CANCEL + CLOSE)
      assert.ok(
        seen.some((c) => c.name === "new-file.txt" && c.action === "added"),
        JSON.stringify(seen),
      );
      // the tree stays usable after the cancelled watch
      assert.equal((await tree.readFile("watched/new-file.txt")).toString(), "uploaded by smbclient");

      // close() ends a pending iteration
      const w2 = tree.watch("watched");
      await w2.ready;
      const it = w2[Symbol.asyncIterator]();
      const pending = it.next();
      await w2.close();
      assert.deepEqual(await pending, { value: undefined, done: true });
    } finally {
      await client.close();
    }
  } finally {
    rmSync(local, { recursive: true, force: true });
    await s.stop();
  }
});
