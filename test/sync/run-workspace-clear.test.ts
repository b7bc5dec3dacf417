/**
 * Clearing a run's working set, on SQLite and PostgreSQL: a run larger than one delete range
 * (rows of both sides, the base and actions of several phases) leaves nothing behind, and the
 * working set of another run is untouched.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { sql } from "kysely";
import { DIALECTS, type TestDatabase } from "./helpers/test-databases.js";
import { createSyncStores, type SyncStores } from "../../src/store/sync/sync-stores.js";
import type { RunWorkspace } from "../../src/store/sync/run-workspace-store.js";
import type { RemoteEntry } from "../../src/sync/remote.js";

for (const dialect of DIALECTS) {
  describe(`run workspace clear on ${dialect.name}`, () => {
    let tdb: TestDatabase;
    let s: SyncStores;
    before(async () => {
      tdb = await dialect.open();
      s = createSyncStores(tdb.handle.db);
    });
    after(async () => tdb.cleanup());

    const rowsOf = async (runId: string) => {
      const { db } = tdb.handle;
      const n = async (table: "sync_run_rows" | "sync_run_actions") =>
        Number(
          (
            await db
              .selectFrom(table)
              .select(sql<number>`count(*)`.as("n"))
              .where("run_id", "=", runId)
              .executeTakeFirstOrThrow()
          ).n,
        );
      return { rows: await n("sync_run_rows"), actions: await n("sync_run_actions") };
    };

    /** `files` files listed on both sides and in the base, and one action per file in two phases. */
    async function fill(ws: RunWorkspace, files: number): Promise<void> {
      for (let from = 0; from < files; from += 1000) {
        const entries: Array<{ entry: RemoteEntry }> = [];
        for (let i = from; i < Math.min(files, from + 1000); i++)
          entries.push({
            entry: {
              path: `d${Math.floor(i / 100)}/f${i}.txt`,
              kind: "file" as const,
              size: 1,
              mtimeMs: 0,
              id: `id${i}`,
              fingerprint: `fp${i}`,
            },
          });
        await ws.addEntries("remote", entries);
        await ws.addEntries("scaidrive", entries);
        await ws.addBase(entries.map((e) => ({ path: e.entry.path, kind: "file" as const, base: null, note: null })));
        await ws.addActions(
          from % 2000 === 0 ? 1 : 2,
          entries.map((e) => ({ action: "forget", path: e.entry.path }) as never),
        );
      }
    }

    test("a run over several delete ranges leaves no row; another run keeps its own", async () => {
      const big = s.runWorkspace("run_clear_big", false);
      const other = s.runWorkspace("run_clear_other", false);
      await fill(big, 16_000); // 64,000 sequence numbers: four ranges
      await fill(other, 300);
      assert.deepEqual(await rowsOf("run_clear_big"), { rows: 48_000, actions: 16_000 });
      await big.clear();
      assert.deepEqual(await rowsOf("run_clear_big"), { rows: 0, actions: 0 });
      assert.deepEqual(await rowsOf("run_clear_other"), { rows: 900, actions: 300 });
      await other.clear();
      assert.deepEqual(await rowsOf("run_clear_other"), { rows: 0, actions: 0 });
    });
  });
}
