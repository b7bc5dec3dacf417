import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { openDatabase, type DatabaseHandle } from "../../src/store/db/database.js";
import { inTransaction } from "../../src/store/core/db-executor.js";
import { runPrepared } from "../../src/store/core/prepared.js";
import { mountStore } from "../../src/store/core/mount-store.js";
import { nodeStore } from "../../src/store/core/node-store.js";
import { principalStore } from "../../src/store/core/principal-store.js";
import { makeTempDir, type TempDir } from "../harness/temp-dir.js";
import { createPgDatabase, pgReachable, type PgDatabase } from "../harness/postgres-database.js";

/** Queries compiled once and rerun with new parameters must behave as freshly built ones, on both dialects. */
for (const dialect of ["sqlite", "postgres"] as const) {
  describe(`prepared queries on ${dialect}`, () => {
    let dir: TempDir;
    let handle: DatabaseHandle;
    let schema: PgDatabase | undefined;

    before(async () => {
      dir = makeTempDir(`prepared-${dialect}`);
      let databaseUrl: string | undefined;
      if (dialect === "postgres") {
        assert.ok(
          await pgReachable(),
          "PostgreSQL must be reachable at SCAIDRIVE_TEST_PG_URL (default the local trust DB `test`)",
        );
        schema = await createPgDatabase();
        databaseUrl = schema.url;
      }
      handle = await openDatabase({ dataDir: dir.path, databaseUrl });
    });

    after(async () => {
      if (handle) await handle.close();
      if (schema) await schema.drop();
      dir.remove();
    });

    test(
      "parameters land in their slots, constants stay, " + "nulls pass through, transactions share templates",
      async () => {
        const { db } = handle;
        const at = "2024-01-02T03:04:05.000Z";
        for (const [i, admin] of [
          [1, true],
          [2, false],
          [3, true],
        ] as const) {
          await principalStore.insertUser(db, {
            id: `usr_${String(i).padStart(26, "0")}`,
            email: `p${i}@example.com`,
            name: `P${i}`,
            is_admin: admin,
            created_at: at,
          });
        }
        // Same key, different values: the second run must not reuse the first run's parameters.
        const admins = (n: number) =>
          runPrepared(db, "test.adminsBefore", [`usr_${String(n).padStart(26, "0")}`], (q, arg) =>
            q.selectFrom("users").select("id").where("is_admin", "=", 1).where("id", "<=", arg(0)).orderBy("id"),
          );
        assert.deepEqual(
          (await admins(1)).rows.map((r) => r.id),
          [`usr_${"0".repeat(25)}1`],
        );
        assert.deepEqual(
          (await admins(3)).rows.map((r) => r.id),
          [`usr_${"0".repeat(25)}1`, `usr_${"0".repeat(25)}3`],
        );

        // A null argument in an insert, then updates whose column sets differ.
        const root = {
          id: "fil_ROOT00000000000000000000",
          share_id: "shr_S",
          parent_id: null,
          name: "",
          name_key: "",
          path: "/",
          type: "folder" as const,
          size: 0,
          sha256: null,
          current_version_id: null,
          owner_id: null,
          created_at: at,
          modified_at: at,
          acl_inherit: true,
          metadata: "{}",
        };
        await db
          .insertInto("shares")
          .values({ id: "shr_S", name: "S", description: null, created_by: "usr_x", created_at: at })
          .execute();
        await inTransaction(db, async (trx) => {
          await nodeStore.insert(trx, root);
          await nodeStore.insert(trx, {
            ...root,
            id: "fil_CHILD0000000000000000000",
            parent_id: root.id,
            name: "a",
            name_key: "a",
            path: "/a",
            owner_id: "usr_x",
          });
        });
        const child = await nodeStore.child(db, root.id, "a");
        assert.equal(child?.owner_id, "usr_x");
        assert.equal(child?.parent_id, root.id);
        assert.equal((await nodeStore.get(db, root.id))?.parent_id, null);
        await nodeStore.update(db, child!.id, { modified_at: "2025-01-01T00:00:00.000Z" });
        await nodeStore.update(db, child!.id, { acl_inherit: false, owner_id: null, size: undefined });
        const after = await nodeStore.get(db, child!.id);
        assert.equal(after?.modified_at, "2025-01-01T00:00:00.000Z");
        assert.equal(after?.acl_inherit, false);
        assert.equal(after?.owner_id, null);
        assert.equal(after?.size, 0);

        const chain = await nodeStore.shareChain(db, "shr_S", ["a", "missing", "deeper"]);
        assert.deepEqual(
          chain?.chain.map((n) => n.path),
          ["/", "/a"],
        );
        assert.equal(chain?.share.name, "S");
        assert.equal(chain?.hasMounts, false);
        assert.equal(chain?.mountOnChain, false);
        assert.equal(await nodeStore.shareChain(db, "shr_unknown", ["a"]), undefined);
        // A mount shows on the chains through its folder and in the share's flag (uploads outside mounts rely on it).
        await mountStore.insert(db, {
          id: "mnt_A",
          share_id: "shr_S",
          node_id: child!.id,
          connector_id: "con_x",
          remote_path: "",
          created_by: "usr_x",
          created_at: at,
        });
        const flags = async (names: string[]) => {
          const c = await nodeStore.shareChain(db, "shr_S", names);
          return { mountOnChain: c?.mountOnChain, hasMounts: c?.hasMounts };
        };
        assert.deepEqual(await flags(["a"]), { mountOnChain: true, hasMounts: true });
        assert.deepEqual(await flags(["a", "below", "deeper"]), { mountOnChain: true, hasMounts: true });
        assert.deepEqual(await flags(["b"]), { mountOnChain: false, hasMounts: true });
        assert.deepEqual(await flags([]), { mountOnChain: false, hasMounts: true });
        await mountStore.delete(db, "mnt_A");
        assert.deepEqual(await flags(["a"]), { mountOnChain: false, hasMounts: false });
      },
    );

    test("a builder whose placeholders do not all reach the parameters is built with the real values", async () => {
      const { db } = handle;
      // arg(0) never reaches the query, so no template is kept and each run builds afresh.
      const run = (tag: string) =>
        runPrepared(db, "test.unused", [tag], (q) =>
          q.selectFrom("users").select("email").where("email", "=", "p1@example.com"),
        );
      assert.deepEqual((await run("one")).rows, [{ email: "p1@example.com" }]);
      assert.deepEqual((await run("two")).rows, [{ email: "p1@example.com" }]);
    });
  });
}
