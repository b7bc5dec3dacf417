import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { applyChangePage } from "../../src/sync/delta-view.js";
import { memoryWorkspace } from "./helpers/memory-workspace.js";
import type { ChangePage, RemoteEntry } from "../../src/sync/remote.js";
import { normalizeConflict, normalizeDirection, directionValues } from "../../src/sync/sync-options.js";
import { conflictPath } from "../../src/sync/conflict-name.js";

const f = (path: string, id: string, fp = "1"): RemoteEntry => ({
  path,
  kind: "file",
  size: 1,
  mtimeMs: 0,
  id,
  fingerprint: fp,
});
const d = (path: string, id: string): RemoteEntry => ({
  path,
  kind: "folder",
  size: 0,
  mtimeMs: 0,
  id,
  fingerprint: "",
});

/** The previous listing with the pages applied, read back in key order (a folder right before its subtree). */
async function applyChangePages(previous: RemoteEntry[], pages: ChangePage[]): Promise<RemoteEntry[]> {
  const ws = await memoryWorkspace();
  try {
    await ws.addEntries(
      "remote",
      previous.map((entry) => ({ entry })),
    );
    for (const page of pages) await applyChangePage(ws, "remote", page);
    const out: RemoteEntry[] = [];
    for await (const row of ws.sideRows("remote")) out.push(row.entry);
    return out;
  } finally {
    await ws.clear();
  }
}

describe("delta view", () => {
  test("upserts add and change, renames move folders with their descendants, deletions remove subtrees", async () => {
    const previous = [d("A", "da"), f("A/x", "x"), f("A/y", "y"), d("B", "db"), f("B/z", "z"), f("top", "t")];
    const view = await applyChangePages(previous, [
      { upserts: [f("top", "t", "2"), f("new", "n")], deletions: [], cursor: "c1" },
      { upserts: [d("C", "da")], deletions: [{ id: "db" }, { id: "y" }], cursor: "c2" },
    ]);
    assert.deepEqual(
      view.map((e) => `${e.path}:${e.fingerprint}`),
      ["C:", "C/x:1", "new:1", "top:2"],
    );
  });
  test(
    "an id known at several paths (a link and its target): " + "a deletion removes every name, an upsert moves none",
    async () => {
      const previous = [f("link", "x"), f("target", "x"), d("D", "dd"), f("D/in", "i"), d("L", "dd"), f("L/in", "i")];
      const deleted = await applyChangePages(previous, [
        { upserts: [], deletions: [{ id: "x" }, { id: "dd" }], cursor: "c" },
      ]);
      assert.deepEqual(
        deleted.map((e) => e.path),
        [],
      );
      const upserted = await applyChangePages(previous, [
        { upserts: [f("third", "x", "2"), f("target", "x", "3")], deletions: [], cursor: "c" },
      ]);
      assert.deepEqual(
        upserted.map((e) => `${e.path}:${e.fingerprint}`),
        ["D:", "D/in:1", "L:", "L/in:1", "link:1", "target:3", "third:2"],
      );
      // Once one name is left, an upsert elsewhere is a rename again.
      const renamed = await applyChangePages(
        [f("only", "x")],
        [{ upserts: [f("moved", "x")], deletions: [], cursor: "c" }],
      );
      assert.deepEqual(
        renamed.map((e) => e.path),
        ["moved"],
      );
    },
  );
  test("an empty previous listing and one page is a full enumeration", async () => {
    assert.deepEqual(
      (await applyChangePages([], [{ upserts: [f("b/c", "c"), d("b", "b")], deletions: [], cursor: "x" }])).map(
        (e) => e.path,
      ),
      ["b", "b/c"],
    );
  });
});

describe("sync options", () => {
  test("connector spellings map to the engine's", () => {
    assert.deepEqual(directionValues("smb"), ["bidirectional", "smb_to_scaidrive", "scaidrive_to_smb"]);
    assert.equal(normalizeDirection("smb_to_scaidrive", "smb"), "remote_to_scaidrive");
    assert.equal(normalizeDirection("scaidrive_to_sharepoint", "sharepoint"), "scaidrive_to_remote");
    assert.equal(normalizeConflict("SHAREPOINT_WINS", "sharepoint"), "REMOTE_WINS");
    assert.equal(normalizeConflict("KEEP_BOTH", "smb"), "KEEP_BOTH");
    assert.throws(() => normalizeDirection("smb_to_scaidrive", "sharepoint"), /sync_direction must be one of/);
    assert.throws(() => normalizeConflict("SMB_WINS", "sharepoint"), /conflict_resolution/);
  });
  test("conflict names", async () => {
    assert.equal(await conflictPath("d/report.pdf", () => false), "d/report (conflict).pdf");
    assert.equal(await conflictPath("Makefile", () => false), "Makefile (conflict)");
    assert.equal(await conflictPath(".env", () => false), ".env (conflict)");
    assert.equal(await conflictPath("a.tar.gz", () => false), "a.tar (conflict).gz");
    const taken = new Set(["x (conflict).txt", "x (conflict 2).txt"]);
    assert.equal(await conflictPath("x.txt", (c) => taken.has(c)), "x (conflict 3).txt");
  });
});
