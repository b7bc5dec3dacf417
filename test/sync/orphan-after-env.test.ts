/** `SCAIDRIVE_SYNC_ORPHAN_AFTER_MS` reaches the server's sync engine; a malformed value is refused, not ignored. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { orphanAfterMsFromEnv } from "../../src/server/sync-engine-assembly.js";

test("SCAIDRIVE_SYNC_ORPHAN_AFTER_MS parses positive integers and refuses anything else", () => {
  assert.equal(orphanAfterMsFromEnv({}), undefined);
  assert.equal(orphanAfterMsFromEnv({ SCAIDRIVE_SYNC_ORPHAN_AFTER_MS: "" }), undefined);
  assert.equal(orphanAfterMsFromEnv({ SCAIDRIVE_SYNC_ORPHAN_AFTER_MS: "4000" }), 4000);
  for (const bad of ["0", "-5", "1.5", "soon"]) {
    assert.throws(() => orphanAfterMsFromEnv({ SCAIDRIVE_SYNC_ORPHAN_AFTER_MS: bad }), /positive integer/, bad);
  }
});
