import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { sql } from "kysely";
import { fileCreationStatement } from "../../src/store/core/file-creation-statement.js";
import { nodeStore, type NodeRecord } from "../../src/store/core/node-store.js";
import { versionStore } from "../../src/store/core/version-store.js";
import { inlineBlobStore } from "../../src/store/blobs/inline-blob-store.js";
import type { DatabaseHandle } from "../../src/store/db/database.js";
import { fileCreation as creation, folderNode as folder, openPgShare } from "./helpers/pg-file-share.js";

/** PostgreSQL's one-statement file creation (file-creation-statement.ts), on a real server. */
describe("one-statement file creation on PostgreSQL", () => {
  let share: Awaited<ReturnType<typeof openPgShare>>;
  let handle: DatabaseHandle;
  let root: NodeRecord;

  before(async () => {
    share = await openPgShare();
    ({ handle, root } = share);
  });

  after(async () => share?.cleanup());

  test("a batch creates each file with its version and its own slice of the content", async () => {
    const a = folder(root, "a");
    const b = folder(a, "b");
    await nodeStore.insert(handle.db, a);
    await nodeStore.insert(handle.db, b);
    const contents = [randomBytes(4096), Buffer.alloc(0), randomBytes(16 * 1024), randomBytes(100), randomBytes(300)];
    const items = [
      creation([root, a, b], "four-kib.bin", contents[0]!),
      creation([root, a, b], "empty.bin", contents[1]!),
      creation([root, a], "sixteen-kib.bin", contents[2]!),
      creation([root], "small.bin", contents[3]!),
      // Content kept as a blob file: no inline slice, the ones after it keep theirs.
      creation([root, a, b], "not-inline.bin", contents[4]!, false),
    ];
    const inserted = await nodeStore.insertFilesWithVersions(handle.db, items);
    assert.deepEqual([...inserted].sort(), items.map((it) => it.file.id).sort());
    for (const [i, it] of items.entries()) {
      const node = await nodeStore.get(handle.db, it.file.id);
      assert.equal(node?.path, it.file.path);
      assert.equal(node?.parent_id, it.file.parent_id);
      assert.equal(node?.current_version_id, it.version.id);
      assert.equal((await versionStore.get(handle.db, it.version.id))?.sha256, it.file.sha256);
      const stored = await inlineBlobStore.get(handle.db, it.file.sha256!);
      if (it.inlineData) assert.ok(stored?.equals(contents[i]!), `${it.file.path}: content as written`);
      else assert.equal(stored, undefined, "no inline row for content kept as a file");
    }
  });

  test("a file whose folder moved, or whose name is taken, is left out; the rest of its batch is created", async () => {
    const c = folder(root, "c");
    const d = folder(root, "d");
    await nodeStore.insert(handle.db, c);
    await nodeStore.insert(handle.db, d);
    const taken = creation([root, c], "taken.bin", randomBytes(10));
    assert.equal((await nodeStore.insertFilesWithVersions(handle.db, [taken])).size, 1);
    // The caller resolved d at /d; a move put it at /moved before the statement ran.
    const intoMoved = creation([root, d], "lost.bin", randomBytes(10));
    await nodeStore.update(handle.db, d.id, { path: "/moved" });
    const twin = creation([root, c], "taken.bin", randomBytes(10));
    const fine = creation([root, c], "fine.bin", randomBytes(10));
    const sameContent = creation([root, c], "same.bin", Buffer.from("shared bytes"));
    const sameContent2 = creation([root, c], "same2.bin", Buffer.from("shared bytes"));
    const inserted = await nodeStore.insertFilesWithVersions(handle.db, [
      intoMoved,
      twin,
      fine,
      sameContent,
      sameContent2,
    ]);
    assert.deepEqual([...inserted].sort(), [fine.file.id, sameContent.file.id, sameContent2.file.id].sort());
    assert.equal(await nodeStore.get(handle.db, intoMoved.file.id), undefined);
    assert.equal(await versionStore.get(handle.db, twin.version.id), undefined, "no version for a file left out");
    assert.equal((await nodeStore.child(handle.db, c.id, "taken.bin"))?.id, taken.file.id);
    assert.equal((await inlineBlobStore.get(handle.db, sameContent.file.sha256!))?.toString(), "shared bytes");
  });

  test("its generic plan fetches folders by key: no sequential scan of nodes, whatever the table's size", async () => {
    // The statement is prepared, and PostgreSQL keeps a generic plan for it after a few runs. With
    // row estimates that do not depend on the batch, a plan that reads nodes whole would cost every
    // upload a scan of the tree (it did, on tables of a few thousand rows).
    const many = folder(root, "many");
    await nodeStore.insert(handle.db, many);
    const batch = Array.from({ length: 3000 }, (_, i) => creation([root, many], `f${i}`, randomBytes(8)));
    for (let i = 0; i < batch.length; i += 500)
      await nodeStore.insertFilesWithVersions(handle.db, batch.slice(i, i + 500));
    await sql`analyze nodes`.execute(handle.db);
    const compiled = fileCreationStatement([creation([root, many], "x", randomBytes(8))]).compile(handle.db);
    // One connection for the session setting and the prepared statement.
    await handle.db.connection().execute(async (conn) => {
      await sql`set plan_cache_mode = force_generic_plan`.execute(conn);
      try {
        await sql.raw(`prepare creation as ${compiled.sql}`).execute(conn);
        const explained = await sql
          .raw<{ "QUERY PLAN": string }>("explain execute creation('[]', '\\x', '[]')")
          .execute(conn);
        const plan = explained.rows.map((r) => r["QUERY PLAN"]).join("\n");
        assert.doesNotMatch(plan, /Seq Scan on nodes/, plan);
        assert.match(plan, /Index Scan using nodes_pkey on nodes/, plan);
      } finally {
        await sql`deallocate creation`.execute(conn);
        await sql`reset plan_cache_mode`.execute(conn);
      }
    });
  });

  test("inline content up to a page stays in the row (no TOAST), larger content still fits", async () => {
    const r = await sql<{ attstorage: string; reloptions: string[] | null }>`
      select a.attstorage, c.reloptions from pg_attribute a join pg_class c on c.oid = a.attrelid
      where c.oid = 'inline_blobs'::regclass and a.attname = 'data'`.execute(handle.db);
    assert.equal(r.rows[0]?.attstorage, "m");
    assert.deepEqual(r.rows[0]?.reloptions, ["toast_tuple_target=8160"]);
    const big = creation([root], "incompressible-16k.bin", randomBytes(16 * 1024));
    const page = creation([root], "four-kib-in-row.bin", randomBytes(4096));
    assert.equal((await nodeStore.insertFilesWithVersions(handle.db, [big, page])).size, 2);
    assert.ok((await inlineBlobStore.get(handle.db, big.file.sha256!))?.equals(big.inlineData!));
    const toast = await sql<{ n: string }>`
      select count(*) as n from pg_class c join pg_class t on t.oid = c.reltoastrelid
      where c.oid = 'inline_blobs'::regclass`.execute(handle.db);
    assert.equal(Number(toast.rows[0]?.n), 1, "the table keeps its TOAST table for rows over a page");
  });
});
