/**
 * Filtering a scan: the same verdicts as the filter, and expensive (if linear) patterns over
 * many entries do not hold the event loop for the whole list.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { filterAll } from "./helpers/filter-entries.js";
import { SyncFilter } from "../../src/sync/sync-filter.js";
import type { RemoteEntry } from "../../src/sync/remote.js";

const file = (path: string): RemoteEntry => ({ path, kind: "file", size: 0, mtimeMs: 0, fingerprint: "f" });
const folder = (path: string): RemoteEntry => ({ path, kind: "folder", size: 0, mtimeMs: 0, fingerprint: "" });

describe("filterEntries", () => {
  test("drops excluded entries and their subtrees, reports reparse points", async () => {
    const filter = new SyncFilter({ exclude_patterns: { patterns: ["tmp", "*.bak"] } }, { caseInsensitive: false });
    const got = await filterAll(
      [folder("tmp"), file("tmp/a.txt"), file("b.bak"), file("c.txt"), { ...file("link"), reparsePoint: true }],
      filter,
    );
    assert.deepEqual(
      got.entries.map((e) => e.path),
      ["c.txt"],
    );
    assert.deepEqual(
      got.reported.map((r) => r.path),
      ["link"],
    );
  });

  test("lets other work run while it goes through a long, costly list", { timeout: 60_000 }, async () => {
    // 20 globs that keep ~500 NFA states alive over 255-character names: linear, but far more
    // than one 20 ms slice for the whole list on any machine.
    const patterns = Array.from({ length: 20 }, (_, i) => `${"*a".repeat(255)}${i}`);
    const filter = new SyncFilter({ exclude_patterns: { patterns } }, { caseInsensitive: false });
    const entries = Array.from({ length: 40 }, (_, i) => file(`${"a".repeat(250)}${String(i).padStart(5, "0")}`));
    let ranMeanwhile = false;
    setImmediate(() => (ranMeanwhile = true));
    const got = await filterAll(entries, filter);
    assert.equal(got.entries.length, 40);
    assert.ok(ranMeanwhile, "a callback queued before the filter ran before it finished");
  });
});
