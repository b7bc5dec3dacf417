import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { Readable } from "node:stream";
import pino from "pino";
import { openDatabase, type DatabaseHandle } from "../../src/store/db/database.js";
import { createFsBlobStore } from "../../src/store/blobs/fs-blob-store.js";
import { AclService } from "../../src/core/acl-service.js";
import { NodeService } from "../../src/core/node-service.js";
import { ShareService } from "../../src/core/share-service.js";
import { PrincipalService } from "../../src/core/principal-service.js";
import { SYSTEM_ACTOR, type Actor } from "../../src/core/actor.js";
import type { Node } from "../../src/core/node-types.js";
import { makeTempDir, type TempDir } from "../harness/temp-dir.js";
import { createPgDatabase, pgReachable, type PgDatabase } from "../harness/postgres-database.js";
import { readText } from "../harness/read-stream.js";

const body = (text: string) => Readable.from([Buffer.from(text)]);
/** The same store-level suite, once per dialect (habit 7: store tests run on SQLite and PostgreSQL). */
for (const dialect of ["sqlite", "postgres"] as const) {
  describe(`node service on ${dialect}`, () => {
    let dir: TempDir;
    let handle: DatabaseHandle;
    let schema: PgDatabase | undefined;
    let nodes: NodeService;
    let shares: ShareService;
    let principals: PrincipalService;
    let shareId: string;

    before(async () => {
      dir = makeTempDir(`dialect-${dialect}`);
      let databaseUrl: string | undefined;
      if (dialect === "postgres") {
        // The project's machines run PostgreSQL; a missing server is a failure, not a skip.
        assert.ok(
          await pgReachable(),
          "PostgreSQL must be reachable at SCAIDRIVE_TEST_PG_URL (default the local trust DB `test`)",
        );
        schema = await createPgDatabase();
        databaseUrl = schema.url;
      }
      handle = await openDatabase({ dataDir: dir.path, databaseUrl });
      assert.equal(handle.dialect, dialect);
      const acl = new AclService(handle.db);
      // As the server wires it: file writes share transactions on SQLite.
      nodes = new NodeService(handle.db, createFsBlobStore(`${dir.path}/blobs`), acl, pino({ level: "silent" }), {
        groupCommit: dialect === "sqlite",
      });
      shares = new ShareService(handle.db, acl);
      principals = new PrincipalService(handle.db);
      shareId = (await shares.create(SYSTEM_ACTOR, { name: "S" })).id;
    });

    after(async () => {
      if (handle) await handle.close();
      if (schema) await schema.drop();
      dir.remove();
    });

    test("concurrent writes into new folders all land once; a refused write leaves the others committed", async () => {
      await nodes.writeFile(shareId, "/conc/taken.txt", body("first"), { actor: SYSTEM_ACTOR });
      const writes = Array.from({ length: 40 }, (_, i) =>
        nodes.writeFile(shareId, `/conc/${i % 4}/deep/f${i}.txt`, body(`content ${i}`), { actor: SYSTEM_ACTOR }),
      );
      const refused = nodes.writeFile(shareId, "/conc/taken.txt", body("second"), {
        actor: SYSTEM_ACTOR,
        ifNoneMatch: true,
      });
      const results = await Promise.allSettled([...writes, refused]);
      assert.deepEqual(
        results.slice(0, 40).map((r) => (r.status === "rejected" ? String(r.reason) : r.status)),
        Array(40).fill("fulfilled"),
      );
      const last = results[40];
      assert.equal(last.status, "rejected");
      assert.equal((last as PromiseRejectedResult).reason.code, "PRECONDITION_FAILED");
      const content = async (path: string) =>
        readText(await nodes.openContent((await nodes.currentVersion(shareId, path, SYSTEM_ACTOR)).version.id));
      for (let i = 0; i < 40; i++) assert.equal(await content(`/conc/${i % 4}/deep/f${i}.txt`), `content ${i}`);
      assert.equal(await content("/conc/taken.txt"), "first");
      const folders = await nodes.list(shareId, "/conc", {}, SYSTEM_ACTOR);
      assert.deepEqual(folders.items.map((n: Node) => n.name).sort(), ["0", "1", "2", "3", "taken.txt"]);
    });

    test("writeFile: mtime kept, identical content adds no version, addVersion imports history", async () => {
      const mtime = new Date("2021-05-06T07:08:09.000Z");
      const a = await nodes.writeFile(shareId, "/d/e/f.txt", body("one"), { actor: SYSTEM_ACTOR, mtime });
      assert.equal(a.created, true);
      assert.equal(a.node.modified_at, mtime.toISOString());
      assert.equal(a.node.owner_id, null);
      const same = await nodes.writeFile(shareId, "/d/e/f.txt", body("one"), { actor: SYSTEM_ACTOR });
      assert.equal(same.created, false);
      assert.equal(same.node.current_version_id, a.node.current_version_id);
      const old = await nodes.addVersion(a.node.id, body("zero"), {
        authorId: null,
        createdAt: new Date("2000-01-01T00:00:00Z"),
      });
      const page = await nodes.listVersions(a.node.id, {}, SYSTEM_ACTOR);
      assert.deepEqual(
        page.items.map((v) => v.id),
        [a.node.current_version_id, old.id],
      );
      assert.equal((await nodes.statById(a.node.id, SYSTEM_ACTOR)).current_version_id, a.node.current_version_id);
      assert.equal(await readText(await nodes.openContent(old.id)), "zero");
      assert.equal(await readText(await nodes.openContent(a.node.current_version_id!, { start: 1, end: 2 })), "ne");
      await assert.rejects(
        nodes.writeFile(shareId, "/d/e/f.txt", body("two"), { actor: SYSTEM_ACTOR, ifMatchVersionId: old.id }),
        { code: "PRECONDITION_FAILED" },
      );
      await assert.rejects(nodes.writeFile(shareId, "/d/e", body("x"), { actor: SYSTEM_ACTOR }), { code: "CONFLICT" });
      await assert.rejects(nodes.writeFile(shareId, "/d/e/f.txt/g", body("x"), { actor: SYSTEM_ACTOR }), {
        code: "CONFLICT",
      });
    });

    test("concurrent creators of one path: one file, the rest new versions", async () => {
      const results = await Promise.all(
        [0, 1, 2, 3].map((i) => nodes.writeFile(shareId, "/race/r.txt", body(`r${i}`), { actor: SYSTEM_ACTOR })),
      );
      assert.equal(results.filter((r) => r.created).length, 1);
      assert.equal(new Set(results.map((r) => r.node.id)).size, 1);
      const versions = await nodes.listVersions(results[0].node.id, {}, SYSTEM_ACTOR);
      assert.equal(versions.items.length, 4);
    });

    test("move of a folder rewrites descendant paths (non-ASCII names included)", async () => {
      const f = await nodes.writeFile(shareId, "/Ünïcødé 📁/sub/😀.txt", body("u"), { actor: SYSTEM_ACTOR });
      await nodes.writeFile(shareId, "/Ünïcødé 📁 twin/keep.txt", body("k"), { actor: SYSTEM_ACTOR });
      const moved = await nodes.move(shareId, "/Ünïcødé 📁", "/moved/ñ", { actor: SYSTEM_ACTOR });
      assert.equal(moved.path, "/moved/ñ");
      assert.equal((await nodes.statById(f.node.id, SYSTEM_ACTOR)).path, "/moved/ñ/sub/😀.txt");
      assert.equal((await nodes.stat(shareId, "/moved/ñ/sub/😀.txt", SYSTEM_ACTOR)).id, f.node.id);
      // A sibling sharing the name prefix is untouched.
      assert.equal(
        (await nodes.stat(shareId, "/Ünïcødé 📁 twin/keep.txt", SYSTEM_ACTOR)).path,
        "/Ünïcødé 📁 twin/keep.txt",
      );
    });

    test("concurrent writes into a folder being moved never leave a stale path", async () => {
      for (let round = 0; round < 3; round++) {
        const base = `/cm${round}`;
        await nodes.mkdirp(shareId, `${base}/a/b/c`, { actor: SYSTEM_ACTOR });
        const ops: Promise<unknown>[] = [nodes.move(shareId, `${base}/a`, `${base}/x`, { actor: SYSTEM_ACTOR })];
        for (let i = 0; i < 8; i++)
          ops.push(nodes.writeFile(shareId, `${base}/a/b/c/f${i}.txt`, body(`f${i}`), { actor: SYSTEM_ACTOR }));
        const results = await Promise.allSettled(ops);
        for (const r of results)
          if (r.status === "rejected") assert.equal((r.reason as { code?: string }).code, "CONFLICT", String(r.reason));
      }
      const rows = await handle.db
        .selectFrom("nodes")
        .select(["id", "parent_id", "name", "path"])
        .where("share_id", "=", shareId)
        .execute();
      const byId = new Map(rows.map((r) => [r.id, r]));
      for (const r of rows) {
        if (!r.parent_id) continue;
        const parent = byId.get(r.parent_id)!;
        assert.equal(r.path, parent.path === "/" ? `/${r.name}` : `${parent.path}/${r.name}`);
      }
    });

    test("a folder written to, then moved, deleted or replaced by a file: the next write lands right", async () => {
      const write = (p: string) => nodes.writeFile(shareId, p, body(p), { actor: SYSTEM_ACTOR });
      const parentOf = async (id: string) =>
        (await handle.db.selectFrom("nodes").select("parent_id").where("id", "=", id).executeTakeFirstOrThrow())
          .parent_id;
      await write("/hint/a/f1.txt");
      await nodes.move(shareId, "/hint/a", "/hint/moved", { actor: SYSTEM_ACTOR });
      const f2 = await write("/hint/a/f2.txt");
      assert.equal(f2.node.path, "/hint/a/f2.txt");
      const a = await nodes.stat(shareId, "/hint/a", SYSTEM_ACTOR);
      assert.equal(await parentOf(f2.node.id), a.id);
      assert.equal(
        await parentOf((await nodes.stat(shareId, "/hint/moved/f1.txt", SYSTEM_ACTOR)).id),
        (await nodes.stat(shareId, "/hint/moved", SYSTEM_ACTOR)).id,
      );
      await nodes.delete(shareId, "/hint/a", SYSTEM_ACTOR);
      const f3 = await write("/hint/a/f3.txt");
      assert.equal((await nodes.stat(shareId, "/hint/a", SYSTEM_ACTOR)).id, await parentOf(f3.node.id));
      assert.notEqual(await parentOf(f3.node.id), a.id);
      await nodes.delete(shareId, "/hint/a", SYSTEM_ACTOR);
      await write("/hint/a");
      await assert.rejects(write("/hint/a/f4.txt"), (err: { code?: string }) => err.code === "CONFLICT");
      // An existing file with If-None-Match is still refused, a second write is a new version.
      await write("/hint/moved/f5.txt");
      await assert.rejects(
        nodes.writeFile(shareId, "/hint/moved/f5.txt", body("x"), { actor: SYSTEM_ACTOR, ifNoneMatch: true }),
        (err: { code?: string }) => err.code === "PRECONDITION_FAILED",
      );
      const again = await nodes.writeFile(shareId, "/hint/moved/f5.txt", body("new"), { actor: SYSTEM_ACTOR });
      assert.equal(again.created, false);
      assert.equal(await readText(await nodes.openContent(again.node.current_version_id!)), "new");
    });

    test("walk yields parents before children; list paginates; delete is recursive", async () => {
      for (const p of ["/w/a/1.txt", "/w/a/b/2.txt", "/w/c.txt", "/w/a/b/c/3.txt"])
        await nodes.writeFile(shareId, p, body(p), { actor: SYSTEM_ACTOR });
      const seen: Node[] = [];
      for await (const n of nodes.walk(shareId, "/w", SYSTEM_ACTOR)) seen.push(n);
      const paths = seen.map((n) => n.path);
      assert.deepEqual([...paths].sort(), [
        "/w/a",
        "/w/a/1.txt",
        "/w/a/b",
        "/w/a/b/2.txt",
        "/w/a/b/c",
        "/w/a/b/c/3.txt",
        "/w/c.txt",
      ]);
      for (const n of seen) {
        const parent = n.path.slice(0, n.path.lastIndexOf("/"));
        if (parent !== "/w") assert.ok(paths.indexOf(parent) < paths.indexOf(n.path), `${parent} before ${n.path}`);
      }
      const p1 = await nodes.list(shareId, "/w", { limit: 1 }, SYSTEM_ACTOR);
      const p2 = await nodes.list(shareId, "/w", { limit: 1, cursor: p1.next_cursor! }, SYSTEM_ACTOR);
      assert.deepEqual(
        [...p1.items, ...p2.items].map((n) => n.name),
        ["a", "c.txt"],
      );
      assert.equal(p2.next_cursor, null);
      await nodes.delete(shareId, "/w/a", SYSTEM_ACTOR);
      await assert.rejects(nodes.stat(shareId, "/w/a/b/c/3.txt", SYSTEM_ACTOR), { code: "NOT_FOUND" });
      assert.equal(await nodes.tryStat(shareId, "/w/a", SYSTEM_ACTOR), null);
      assert.equal((await nodes.tryStat(shareId, "/w/c.txt", SYSTEM_ACTOR))?.name, "c.txt");
      assert.deepEqual(
        (await nodes.list(shareId, "/w", {}, SYSTEM_ACTOR)).items.map((n) => n.name),
        ["c.txt"],
      );
    });

    test("metadata, owner, case twins and ACL inheritance", async () => {
      const u = await principals.insertUser({ email: `u-${dialect}@example.com`, name: "U" });
      const actor: Actor = { userId: u.id, isAdmin: false, groupIds: [] };
      const f = await nodes.writeFile(shareId, "/m/Doc.txt", body("d"), { actor: SYSTEM_ACTOR, ownerId: u.id });
      assert.equal(f.node.owner_id, u.id);
      await nodes.writeFile(shareId, "/m/DOC.txt", body("D"), { actor: SYSTEM_ACTOR });
      assert.deepEqual(
        (await nodes.findCaseTwins(shareId, "/m/Doc.txt", SYSTEM_ACTOR)).map((n) => n.name),
        ["DOC.txt"],
      );
      assert.deepEqual(await nodes.patchMetadata(f.node.id, { a: 1, b: "x" }, SYSTEM_ACTOR), { a: 1, b: "x" });
      assert.deepEqual(await nodes.patchMetadata(f.node.id, { a: null }, SYSTEM_ACTOR), { b: "x" });
      await Promise.all(
        Array.from({ length: 6 }, (_, i) => nodes.patchMetadata(f.node.id, { [`k${i}`]: i }, SYSTEM_ACTOR)),
      );
      assert.deepEqual(Object.keys(await nodes.getMetadata(f.node.id, SYSTEM_ACTOR)).sort(), [
        "b",
        "k0",
        "k1",
        "k2",
        "k3",
        "k4",
        "k5",
      ]);
      assert.equal((await nodes.setOwner(f.node.id, u.id, SYSTEM_ACTOR)).owner_id, u.id);

      await assert.rejects(nodes.stat(shareId, "/m/Doc.txt", actor), { code: "NOT_FOUND" });
      await nodes.setAcl(
        shareId,
        "/m",
        { aces: [{ principal_id: u.id, permissions: ["READ"] }], inherit: true },
        SYSTEM_ACTOR,
      );
      assert.equal((await nodes.stat(shareId, "/m/Doc.txt", actor)).id, f.node.id);
      await assert.rejects(nodes.writeFile(shareId, "/m/Doc.txt", body("no"), { actor }), { code: "FORBIDDEN" });
      await nodes.setAcl(shareId, "/m/Doc.txt", { aces: [], inherit: false }, SYSTEM_ACTOR);
      await assert.rejects(nodes.stat(shareId, "/m/Doc.txt", actor), { code: "NOT_FOUND" });
      assert.deepEqual(
        (await nodes.list(shareId, "/m", {}, actor)).items.map((n) => n.name),
        ["DOC.txt"],
      );
      const when = new Date("2019-09-09T09:09:09.000Z");
      assert.equal((await nodes.setModifiedAt(f.node.id, when, SYSTEM_ACTOR)).modified_at, when.toISOString());
    });

    test("paths deeper than one lookup query resolve the same way (chain, files in the way, ACL chain)", async () => {
      // 12 folders: past the segments one chain query joins, so the rest is walked per segment.
      const names = Array.from({ length: 12 }, (_, i) => `lvl${i}-ä`);
      const deep = `/${names.join("/")}`;
      const f = await nodes.writeFile(shareId, `${deep}/leaf.txt`, body("deep"), { actor: SYSTEM_ACTOR });
      assert.equal(f.created, true);
      assert.equal(f.node.path, `${deep}/leaf.txt`);
      for (const depth of [1, 7, 8, 9, 12]) {
        const path = `/${names.slice(0, depth).join("/")}`;
        const n = await nodes.stat(shareId, path, SYSTEM_ACTOR);
        assert.equal(n.path, path);
        assert.equal(n.type, "folder");
      }
      assert.equal((await nodes.stat(shareId, `${deep}/leaf.txt`, SYSTEM_ACTOR)).id, f.node.id);
      assert.equal(await readText(await nodes.openContent(f.node.current_version_id!)), "deep");
      assert.deepEqual(
        (await nodes.list(shareId, deep, {}, SYSTEM_ACTOR)).items.map((n) => n.name),
        ["leaf.txt"],
      );
      await assert.rejects(nodes.stat(shareId, `${deep}/nope`, SYSTEM_ACTOR), { code: "NOT_FOUND" });
      await assert.rejects(
        nodes.stat(shareId, `/${names.slice(0, 9).join("/")}/nope/${names.slice(9).join("/")}`, SYSTEM_ACTOR),
        { code: "NOT_FOUND" },
      );
      await assert.rejects(nodes.writeFile(shareId, `${deep}/leaf.txt/below`, body("x"), { actor: SYSTEM_ACTOR }), {
        code: "CONFLICT",
      });

      // A file at depth 3 blocks every deeper path, whether inside the joined depth or past it.
      await nodes.writeFile(shareId, "/blk/a/file", body("f"), { actor: SYSTEM_ACTOR });
      const below = `/blk/a/file/${names.join("/")}`;
      await assert.rejects(nodes.writeFile(shareId, below, body("x"), { actor: SYSTEM_ACTOR }), { code: "CONFLICT" });
      await assert.rejects(nodes.stat(shareId, below, SYSTEM_ACTOR), { code: "NOT_FOUND" });

      // Moving a deep folder keeps it reachable at the new depth, its old path gone.
      const moved = await nodes.move(
        shareId,
        `/${names.slice(0, 10).join("/")}`,
        `/${names.slice(0, 2).join("/")}/moved`,
        { actor: SYSTEM_ACTOR },
      );
      const newLeaf = `${moved.path}/${names.slice(10).join("/")}/leaf.txt`;
      assert.equal((await nodes.stat(shareId, newLeaf, SYSTEM_ACTOR)).id, f.node.id);
      await assert.rejects(nodes.stat(shareId, `${deep}/leaf.txt`, SYSTEM_ACTOR), { code: "NOT_FOUND" });

      // An ACE at depth 1 reaches a file past the joined depth; breaking inheritance deep down stops it.
      const u = await principals.insertUser({ email: `deep-${dialect}@example.com`, name: "Deep" });
      const actor: Actor = { userId: u.id, isAdmin: false, groupIds: [] };
      await assert.rejects(nodes.stat(shareId, newLeaf, actor), { code: "NOT_FOUND" });
      await nodes.setAcl(
        shareId,
        `/${names[0]}`,
        { aces: [{ principal_id: u.id, permissions: ["READ"] }], inherit: true },
        SYSTEM_ACTOR,
      );
      assert.equal((await nodes.stat(shareId, newLeaf, actor)).id, f.node.id);
      await nodes.setAcl(shareId, `${moved.path}/${names[10]}`, { aces: [], inherit: false }, SYSTEM_ACTOR);
      await assert.rejects(nodes.stat(shareId, newLeaf, actor), { code: "NOT_FOUND" });

      await assert.rejects(nodes.stat("shr_01ARZ3NDEKTSV4RRFFQ69G5FAV", "/x", SYSTEM_ACTOR), { code: "NOT_FOUND" });
    });
  });
}
