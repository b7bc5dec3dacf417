import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { startTestServer, type TestServer } from "../harness/server.js";

const q = encodeURIComponent;

for (const dialect of ["sqlite", "postgres"] as const)
  describe(`core API contract (design §5) on ${dialect}`, () => {
    let s: TestServer;
    let shareId: string;

    before(async () => {
      s = await startTestServer({ dialect });
      const r = await s.api("POST", "/api/v1/shares", { json: { name: "Contract", description: "d" } });
      assert.equal(r.status, 201);
      shareId = r.body.id;
    });
    after(async () => s.close());

    async function upload(
      path: string,
      content: string | Buffer,
      headers: Record<string, string> = {},
      token?: string,
    ) {
      const res = await fetch(`${s.url}/api/v1/shares/${shareId}/content?path=${q(path)}`, {
        method: "PUT",
        headers: {
          authorization: `Bearer ${token ?? s.adminToken}`,
          "content-type": "application/octet-stream",
          ...headers,
        },
        body: typeof content === "string" ? content : new Uint8Array(content),
      });
      return { status: res.status, headers: res.headers, body: (await res.json()) as any };
    }

    test("health answers without auth", async () => {
      const r = await s.api("GET", "/api/v1/health", { token: null });
      assert.equal(r.status, 200);
      assert.equal(r.body.status, "ok");
      assert.equal(r.headers.get("x-request-id")?.length, 26);
    });

    test("users, groups, members and tokens", async () => {
      const u = await s.api("POST", "/api/v1/users", { json: { email: "ann@example.com", name: "Ann" } });
      assert.equal(u.status, 201);
      assert.match(u.body.id, /^usr_[0-9A-Z]{26}$/);
      assert.deepEqual(Object.keys(u.body).sort(), [
        "created_at",
        "disabled",
        "email",
        "has_password",
        "id",
        "is_admin",
        "name",
      ]);
      assert.equal(u.body.disabled, false);
      assert.equal(u.body.has_password, false);
      assert.equal(u.body.is_admin, false);
      assert.ok(!Number.isNaN(Date.parse(u.body.created_at)) && u.body.created_at.endsWith("Z"));

      const dup = await s.api("POST", "/api/v1/users", { json: { email: "ANN@example.com", name: "Ann 2" } });
      assert.equal(dup.status, 409);
      assert.equal(dup.body.error.code, "CONFLICT");

      const got = await s.api("GET", `/api/v1/users/${u.body.id}`);
      assert.deepEqual(got.body, u.body);
      const missing = await s.api("GET", "/api/v1/users/usr_01ARZ3NDEKTSV4RRFFQ69G5FAV");
      assert.equal(missing.status, 404);
      assert.equal(missing.body.error.code, "NOT_FOUND");

      const g = await s.api("POST", "/api/v1/groups", { json: { name: "Editors" } });
      assert.equal(g.status, 201);
      assert.match(g.body.id, /^grp_/);
      const added = await s.api("POST", `/api/v1/groups/${g.body.id}/members`, { json: { user_id: u.body.id } });
      assert.equal(added.status, 200);
      assert.deepEqual(added.body.member_ids, [u.body.id]);
      const again = await s.api("POST", `/api/v1/groups/${g.body.id}/members`, { json: { user_id: u.body.id } });
      assert.deepEqual(again.body.member_ids, [u.body.id]);
      const removed = await s.api("DELETE", `/api/v1/groups/${g.body.id}/members`, { json: { user_id: u.body.id } });
      assert.equal(removed.status, 200);
      assert.deepEqual(removed.body.member_ids, []);
      const removedTwice = await s.api("DELETE", `/api/v1/groups/${g.body.id}/members/${u.body.id}`);
      assert.equal(removedTwice.status, 404);

      const t = await s.api("POST", "/api/v1/tokens", { json: { user_id: u.body.id, name: "laptop" } });
      assert.equal(t.status, 201);
      assert.match(t.body.id, /^tok_/);
      assert.equal(typeof t.body.token, "string");
      const me = await s.api("GET", "/api/v1/shares", { token: t.body.token });
      assert.equal(me.status, 200);
      assert.deepEqual(me.body.items, []);
      // A user can mint tokens for itself but not for others.
      const own = await s.api("POST", "/api/v1/tokens", {
        token: t.body.token,
        json: { user_id: u.body.id, name: "phone" },
      });
      assert.equal(own.status, 201);
      const other = await s.api("POST", "/api/v1/tokens", {
        token: t.body.token,
        json: { user_id: s.built.bootstrap.admin.id, name: "x" },
      });
      assert.equal(other.status, 403);
      assert.equal(other.body.error.code, "FORBIDDEN");
      const meRes = await s.api("GET", "/api/v1/users/me", { token: t.body.token });
      assert.equal(meRes.body.id, u.body.id);
      // Revocation: immediate; someone else's token is invisible to a non-admin.
      assert.equal((await s.api("DELETE", `/api/v1/tokens/${t.body.id}`, { token: own.body.token })).status, 204);
      assert.equal((await s.api("GET", "/api/v1/shares", { token: t.body.token })).status, 401);
      const adminTok = await s.api("POST", "/api/v1/tokens", {
        json: { user_id: s.built.bootstrap.admin.id, name: "spare" },
      });
      assert.equal(
        (await s.api("DELETE", `/api/v1/tokens/${adminTok.body.id}`, { token: own.body.token })).status,
        404,
      );
      assert.equal((await s.api("DELETE", `/api/v1/tokens/${adminTok.body.id}`)).status, 204);
    });

    test("tokens are listed without their secrets, with when each was last used", async () => {
      const u = await s.api("POST", "/api/v1/users", { json: { email: "lister@example.com", name: "Lister" } });
      const laptop = await s.api("POST", "/api/v1/tokens", { json: { user_id: u.body.id, name: "laptop" } });
      const phone = await s.api("POST", "/api/v1/tokens", { json: { user_id: u.body.id, name: "phone" } });
      const before = new Date().toISOString();
      const list = await s.api("GET", "/api/v1/tokens", { token: laptop.body.token });
      assert.equal(list.status, 200);
      assert.deepEqual(list.body.items.map((t: any) => t.name).sort(), ["laptop", "phone"]);
      for (const t of list.body.items)
        assert.deepEqual(Object.keys(t).sort(), ["created_at", "id", "last_used_at", "name", "user_id"]);
      const used = list.body.items.find((t: any) => t.id === laptop.body.id);
      assert.ok(used.last_used_at >= before && used.last_used_at <= new Date().toISOString(), used.last_used_at);
      assert.equal(list.body.items.find((t: any) => t.id === phone.body.id).last_used_at, null);
      // Recorded to the minute: a second request right away writes nothing new.
      const again = await s.api("GET", "/api/v1/tokens", { token: laptop.body.token });
      assert.equal(again.body.items.find((t: any) => t.id === laptop.body.id).last_used_at, used.last_used_at);

      const page1 = await s.api("GET", "/api/v1/tokens?limit=1", { token: laptop.body.token });
      assert.equal(page1.body.items.length, 1);
      const page2 = await s.api("GET", `/api/v1/tokens?limit=1&cursor=${q(page1.body.next_cursor)}`, {
        token: laptop.body.token,
      });
      assert.equal(page2.body.items.length, 1);
      assert.notEqual(page2.body.items[0].id, page1.body.items[0].id);
      assert.equal(page2.body.next_cursor, null);

      const asAdmin = await s.api("GET", `/api/v1/tokens?user_id=${u.body.id}`);
      assert.equal(asAdmin.body.items.length, 2);
      const others = await s.api("GET", `/api/v1/tokens?user_id=${s.built.bootstrap.admin.id}`, {
        token: laptop.body.token,
      });
      assert.equal(others.status, 403);
      assert.equal(others.body.error.code, "FORBIDDEN");
      assert.equal(
        (await s.api("GET", "/api/v1/tokens?user_id=usr_00000000000000000000000000")).body.error.code,
        "NOT_FOUND",
      );
      const bad = await s.api("GET", "/api/v1/tokens?user_id=nobody");
      assert.equal(bad.status, 400);
      assert.equal(bad.body.error.details.field, "user_id");
    });

    test("users list is paginated with an opaque cursor", async () => {
      for (let i = 0; i < 5; i++)
        await s.api("POST", "/api/v1/users", { json: { email: `page${i}@example.com`, name: `P${i}` } });
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const r: any = await s.api("GET", `/api/v1/users?limit=2${cursor ? `&cursor=${q(cursor)}` : ""}`);
        assert.equal(r.status, 200);
        assert.ok(r.body.items.length <= 2);
        seen.push(...r.body.items.map((x: any) => x.id));
        cursor = r.body.next_cursor;
        pages++;
      } while (cursor);
      const all = await s.api("GET", "/api/v1/users?limit=1000");
      assert.deepEqual(
        seen,
        all.body.items.map((x: any) => x.id),
      );
      assert.ok(pages >= 3);
      assert.equal(new Set(seen).size, seen.length);
      const bad = await s.api("GET", "/api/v1/users?cursor=garbage");
      assert.equal(bad.status, 400);
      assert.equal(bad.body.error.details.field, "cursor");
    });

    test("shares: create, get, list, delete", async () => {
      const r = await s.api("POST", "/api/v1/shares", { json: { name: "Temp" } });
      assert.equal(r.status, 201);
      assert.match(r.body.id, /^shr_/);
      assert.equal(r.body.created_by, s.built.bootstrap.admin.id);
      assert.equal(r.body.description, null);
      const got = await s.api("GET", `/api/v1/shares/${r.body.id}`);
      assert.deepEqual(got.body, r.body);
      const list = await s.api("GET", "/api/v1/shares");
      assert.ok(list.body.items.some((x: any) => x.id === r.body.id));
      assert.ok("next_cursor" in list.body);
      const del = await s.api("DELETE", `/api/v1/shares/${r.body.id}`);
      assert.equal(del.status, 204);
      assert.equal((await s.api("GET", `/api/v1/shares/${r.body.id}`)).status, 404);
    });

    test("upload answers 201 then 200 with the node; download honours ETag and Range", async () => {
      const first = await upload("/docs/report.txt", "hello world");
      assert.equal(first.status, 201);
      const node = first.body;
      assert.deepEqual(Object.keys(node).sort(), [
        "created_at",
        "current_version_id",
        "id",
        "modified_at",
        "name",
        "owner_id",
        "path",
        "sha256",
        "share_id",
        "size",
        "type",
      ]);
      assert.match(node.id, /^fil_/);
      assert.equal(node.path, "/docs/report.txt");
      assert.equal(node.name, "report.txt");
      assert.equal(node.type, "file");
      assert.equal(node.size, 11);
      assert.equal(node.sha256, createHash("sha256").update("hello world").digest("hex"));
      assert.match(node.current_version_id, /^ver_/);
      assert.equal(node.owner_id, s.built.bootstrap.admin.id);

      const second = await upload("/docs/report.txt", "hello world, again");
      assert.equal(second.status, 200);
      assert.equal(second.body.id, node.id);
      assert.notEqual(second.body.current_version_id, node.current_version_id);
      // Same bytes again: no new version.
      const same = await upload("/docs/report.txt", "hello world, again");
      assert.equal(same.status, 200);
      assert.equal(same.body.current_version_id, second.body.current_version_id);

      const url = `${s.url}/api/v1/shares/${shareId}/content?path=${q("/docs/report.txt")}`;
      const auth = { authorization: `Bearer ${s.adminToken}` };
      const full = await fetch(url, { headers: auth });
      assert.equal(full.status, 200);
      assert.equal(await full.text(), "hello world, again");
      const etag = full.headers.get("etag")!;
      assert.equal(etag, `"${second.body.sha256}"`);
      assert.equal(full.headers.get("accept-ranges"), "bytes");
      const head = await fetch(url, { method: "HEAD", headers: auth });
      assert.equal(head.status, 200);
      assert.equal(head.headers.get("content-length"), "18");
      assert.equal(head.headers.get("etag"), etag);
      const notModified = await fetch(url, { headers: { ...auth, "if-none-match": etag } });
      assert.equal(notModified.status, 304);
      const changed = await fetch(url, { headers: { ...auth, "if-none-match": '"abc"' } });
      assert.equal(changed.status, 200);
      await changed.arrayBuffer();
      const part = await fetch(url, { headers: { ...auth, range: "bytes=6-10" } });
      assert.equal(part.status, 206);
      assert.equal(part.headers.get("content-range"), "bytes 6-10/18");
      assert.equal(await part.text(), "world");
      const suffix = await fetch(url, { headers: { ...auth, range: "bytes=-5" } });
      assert.equal(await suffix.text(), "again");
      const open = await fetch(url, { headers: { ...auth, range: "bytes=13-" } });
      assert.equal(await open.text(), "again");
      const beyond = await fetch(url, { headers: { ...auth, range: "bytes=100-" } });
      assert.equal(beyond.status, 416);
      assert.equal(beyond.headers.get("content-range"), "bytes */18");
      assert.equal(((await beyond.json()) as any).error.code, "RANGE_NOT_SATISFIABLE");

      // If-Match on upload: stale ETag is refused, current one accepted.
      const stale = await upload("/docs/report.txt", "x", { "if-match": `"${node.sha256}"` });
      assert.equal(stale.status, 412);
      assert.equal(stale.body.error.code, "PRECONDITION_FAILED");
      const fresh = await upload("/docs/report.txt", "x", { "if-match": etag });
      assert.equal(fresh.status, 200);
      const onlyCreate = await upload("/docs/report.txt", "y", { "if-none-match": "*" });
      assert.equal(onlyCreate.status, 412);
      // Client-supplied modification time is kept.
      const timed = await upload("/docs/timed.txt", "t", { "x-modified-at": "2020-01-02T03:04:05.000Z" });
      assert.equal(timed.body.modified_at, "2020-01-02T03:04:05.000Z");
      // Empty file.
      const empty = await upload("/docs/empty.bin", Buffer.alloc(0));
      assert.equal(empty.status, 201);
      assert.equal(empty.body.size, 0);
      const emptyGet = await fetch(`${s.url}/api/v1/shares/${shareId}/content?path=${q("/docs/empty.bin")}`, {
        headers: auth,
      });
      assert.equal(emptyGet.status, 200);
      assert.equal((await emptyGet.arrayBuffer()).byteLength, 0);
    });

    test("stat, list (paginated), mkdir -p, node by id", async () => {
      const mk = await s.api("POST", `/api/v1/shares/${shareId}/folders`, { json: { path: "/tree/a/b" } });
      assert.equal(mk.status, 201);
      assert.equal(mk.body.type, "folder");
      assert.equal(mk.body.path, "/tree/a/b");
      assert.equal(mk.body.size, 0);
      assert.equal(mk.body.sha256, null);
      const again = await s.api("POST", `/api/v1/shares/${shareId}/folders`, { json: { path: "/tree/a/b" } });
      assert.equal(again.status, 200);
      assert.equal(again.body.id, mk.body.id);

      for (let i = 0; i < 7; i++) await upload(`/tree/f${i}.txt`, `file ${i}`);
      const stat = await s.api("GET", `/api/v1/shares/${shareId}/files/stat?path=${q("/tree/f3.txt")}`);
      assert.equal(stat.status, 200);
      assert.equal(stat.body.size, 6);
      const byId = await s.api("GET", `/api/v1/files/${stat.body.id}`);
      assert.deepEqual(byId.body, stat.body);

      const names: string[] = [];
      let cursor: string | null = null;
      do {
        const r: any = await s.api(
          "GET",
          `/api/v1/shares/${shareId}/files?path=${q("/tree")}&limit=3${cursor ? `&cursor=${q(cursor)}` : ""}`,
        );
        assert.equal(r.status, 200);
        names.push(...r.body.items.map((x: any) => x.name));
        cursor = r.body.next_cursor;
      } while (cursor);
      assert.deepEqual(names, ["a", "f0.txt", "f1.txt", "f2.txt", "f3.txt", "f4.txt", "f5.txt", "f6.txt"]);
      const root = await s.api("GET", `/api/v1/shares/${shareId}/files`);
      assert.ok(root.body.items.some((x: any) => x.path === "/tree"));

      const onFile = await s.api("POST", `/api/v1/shares/${shareId}/folders`, { json: { path: "/tree/f0.txt/sub" } });
      assert.equal(onFile.status, 409);
      const missing = await s.api("GET", `/api/v1/shares/${shareId}/files/stat?path=${q("/tree/nope")}`);
      assert.equal(missing.status, 404);
      assert.equal(missing.body.error.code, "NOT_FOUND");
      const noPath = await s.api("GET", `/api/v1/shares/${shareId}/files/stat`);
      assert.equal(noPath.status, 400);
      assert.equal(noPath.body.error.code, "VALIDATION_FAILED");
      assert.equal(noPath.body.error.details.field, "path");
    });

    test("move and rename keep ids; folders carry their subtree", async () => {
      const f = await upload("/mv/src/deep/x.txt", "x");
      const folder = await s.api("GET", `/api/v1/shares/${shareId}/files/stat?path=${q("/mv/src")}`);
      const moved = await s.api("POST", `/api/v1/shares/${shareId}/move`, {
        json: { from: "/mv/src", to: "/mv/dst/renamed" },
      });
      assert.equal(moved.status, 200);
      assert.equal(moved.body.id, folder.body.id);
      assert.equal(moved.body.path, "/mv/dst/renamed");
      const child = await s.api("GET", `/api/v1/files/${f.body.id}`);
      assert.equal(child.body.path, "/mv/dst/renamed/deep/x.txt");
      const content = await fetch(`${s.url}/api/v1/shares/${shareId}/content?path=${q("/mv/dst/renamed/deep/x.txt")}`, {
        headers: { authorization: `Bearer ${s.adminToken}` },
      });
      assert.equal(await content.text(), "x");
      assert.equal((await s.api("GET", `/api/v1/shares/${shareId}/files/stat?path=${q("/mv/src")}`)).status, 404);

      const rename = await s.api("POST", `/api/v1/shares/${shareId}/move`, {
        json: { from: "/mv/dst/renamed/deep/x.txt", to: "/mv/dst/renamed/deep/X.txt" },
      });
      assert.equal(rename.status, 200);
      assert.equal(rename.body.name, "X.txt");
      assert.equal(rename.body.id, f.body.id);

      await upload("/mv/other.txt", "o");
      const clash = await s.api("POST", `/api/v1/shares/${shareId}/move`, {
        json: { from: "/mv/other.txt", to: "/mv/dst/renamed/deep/X.txt" },
      });
      assert.equal(clash.status, 409);
      const replaced = await s.api("POST", `/api/v1/shares/${shareId}/move`, {
        json: { from: "/mv/other.txt", to: "/mv/dst/renamed/deep/X.txt", replace: true },
      });
      assert.equal(replaced.status, 200);
      assert.equal((await s.api("GET", `/api/v1/files/${f.body.id}`)).status, 404);
      const into = await s.api("POST", `/api/v1/shares/${shareId}/move`, {
        json: { from: "/mv/dst", to: "/mv/dst/renamed/inside" },
      });
      assert.equal(into.status, 400);
    });

    test("delete removes files and folders recursively", async () => {
      const f = await upload("/del/a/b/c.txt", "c");
      const r = await s.api("DELETE", `/api/v1/shares/${shareId}/files?path=${q("/del/a")}`);
      assert.equal(r.status, 204);
      assert.equal((await s.api("GET", `/api/v1/files/${f.body.id}`)).status, 404);
      assert.equal((await s.api("GET", `/api/v1/shares/${shareId}/files/stat?path=${q("/del/a/b")}`)).status, 404);
      const gone = await s.api("DELETE", `/api/v1/shares/${shareId}/files?path=${q("/del/a")}`);
      assert.equal(gone.status, 404);
      const root = await s.api("DELETE", `/api/v1/shares/${shareId}/files?path=${q("/")}`);
      assert.equal(root.status, 400);
    });

    test("versions: list newest first, download one, restore", async () => {
      const v1 = await upload("/ver/doc.txt", "one");
      const v2 = await upload("/ver/doc.txt", "two");
      const v3 = await upload("/ver/doc.txt", "three");
      const list = await s.api("GET", `/api/v1/files/${v1.body.id}/versions`);
      assert.equal(list.status, 200);
      assert.deepEqual(
        list.body.versions.map((v: any) => v.id),
        [v3.body.current_version_id, v2.body.current_version_id, v1.body.current_version_id],
      );
      assert.deepEqual(Object.keys(list.body.versions[0]).sort(), ["author_id", "created_at", "id", "sha256", "size"]);
      assert.equal(list.body.versions[2].size, 3);
      assert.equal(list.body.versions[0].author_id, s.built.bootstrap.admin.id);
      const paged = await s.api("GET", `/api/v1/files/${v1.body.id}/versions?limit=2`);
      assert.equal(paged.body.versions.length, 2);
      const rest = await s.api(
        "GET",
        `/api/v1/files/${v1.body.id}/versions?limit=2&cursor=${q(paged.body.next_cursor)}`,
      );
      assert.deepEqual(
        rest.body.versions.map((v: any) => v.id),
        [v1.body.current_version_id],
      );
      assert.equal(rest.body.next_cursor, null);

      const old = await fetch(`${s.url}/api/v1/files/${v1.body.id}/versions/${v1.body.current_version_id}/content`, {
        headers: { authorization: `Bearer ${s.adminToken}` },
      });
      assert.equal(await old.text(), "one");
      const restored = await s.api(
        "POST",
        `/api/v1/files/${v1.body.id}/versions/${v1.body.current_version_id}/restore`,
      );
      assert.equal(restored.status, 200);
      assert.equal(restored.body.sha256, v1.body.sha256);
      assert.notEqual(restored.body.current_version_id, v1.body.current_version_id);
      const after4 = await s.api("GET", `/api/v1/files/${v1.body.id}/versions`);
      assert.equal(after4.body.versions.length, 4);
      const cur = await fetch(`${s.url}/api/v1/shares/${shareId}/content?path=${q("/ver/doc.txt")}`, {
        headers: { authorization: `Bearer ${s.adminToken}` },
      });
      assert.equal(await cur.text(), "one");
      const foreign = await s.api("GET", `/api/v1/files/${v1.body.id}/versions/ver_01ARZ3NDEKTSV4RRFFQ69G5FAV/content`);
      assert.equal(foreign.status, 404);
    });

    test("metadata: GET, PATCH merges, null removes", async () => {
      const f = await upload("/meta/m.txt", "m");
      assert.deepEqual((await s.api("GET", `/api/v1/files/${f.body.id}/metadata`)).body, {});
      const p1 = await s.api("PATCH", `/api/v1/files/${f.body.id}/metadata`, {
        json: { project: "apollo", n: 3, tags: ["a", "b"] },
      });
      assert.equal(p1.status, 200);
      assert.deepEqual(p1.body, { project: "apollo", n: 3, tags: ["a", "b"] });
      const p2 = await s.api("PATCH", `/api/v1/files/${f.body.id}/metadata`, {
        json: { n: null, status: { ok: true } },
      });
      assert.deepEqual(p2.body, { project: "apollo", tags: ["a", "b"], status: { ok: true } });
      assert.deepEqual((await s.api("GET", `/api/v1/files/${f.body.id}/metadata`)).body, p2.body);
      const notObject = await s.api("PATCH", `/api/v1/files/${f.body.id}/metadata`, { json: [1, 2] });
      assert.equal(notObject.status, 400);
      assert.equal(notObject.body.error.code, "VALIDATION_FAILED");
    });

    test("ACL: GET shows own and inherited ACEs, PUT replaces", async () => {
      await s.api("POST", `/api/v1/shares/${shareId}/folders`, { json: { path: "/acl/sub" } });
      const u = await s.api("POST", "/api/v1/users", { json: { email: "acl@example.com", name: "Acl" } });
      const put = await s.api("PUT", `/api/v1/shares/${shareId}/acl?path=${q("/acl")}`, {
        json: { aces: [{ principal_id: u.body.id, permissions: ["READ", "WRITE"] }], inherit: true },
      });
      assert.equal(put.status, 200);
      assert.deepEqual(put.body.aces, [{ principal_id: u.body.id, permissions: ["READ", "WRITE"] }]);
      assert.equal(put.body.inherit, true);
      const sub = await s.api("GET", `/api/v1/shares/${shareId}/acl?path=${q("/acl/sub")}`);
      assert.equal(sub.status, 200);
      assert.deepEqual(sub.body.aces, []);
      assert.ok(sub.body.inherited_aces.some((a: any) => a.principal_id === u.body.id && a.from_path === "/acl"));
      assert.ok(
        sub.body.inherited_aces.some((a: any) => a.principal_id === s.built.bootstrap.admin.id && a.from_path === "/"),
      );
      const badPerm = await s.api("PUT", `/api/v1/shares/${shareId}/acl?path=${q("/acl")}`, {
        json: { aces: [{ principal_id: u.body.id, permissions: ["FLY"] }], inherit: true },
      });
      assert.equal(badPerm.status, 400);
      assert.match(badPerm.body.error.details.field, /aces/);
      const unknown = await s.api("PUT", `/api/v1/shares/${shareId}/acl?path=${q("/acl")}`, {
        json: { aces: [{ principal_id: "usr_01ARZ3NDEKTSV4RRFFQ69G5FAV", permissions: ["READ"] }], inherit: true },
      });
      assert.equal(unknown.status, 400);
    });

    test("errors use the envelope: unknown route, validation field, 415, 413, bad JSON", async () => {
      const nf = await s.api("GET", "/api/v1/does-not-exist");
      assert.equal(nf.status, 404);
      assert.equal(nf.body.error.code, "NOT_FOUND");
      assert.equal(typeof nf.body.error.message, "string");
      const v = await s.api("POST", "/api/v1/users", { json: { name: "No Email" } });
      assert.equal(v.status, 400);
      assert.equal(v.body.error.code, "VALIDATION_FAILED");
      assert.equal(v.body.error.details.field, "email");
      const badType = await s.api("POST", "/api/v1/shares", { json: { name: { x: 1 } } });
      assert.equal(badType.status, 400);
      assert.equal(badType.body.error.details.field, "name");
      // JSON bodies carry their own types: a number where a string belongs is reported, not converted.
      const numberName = await s.api("POST", "/api/v1/shares", { json: { name: 5 } });
      assert.equal(numberName.status, 400);
      assert.equal(numberName.body.error.code, "VALIDATION_FAILED");
      assert.equal(numberName.body.error.details.field, "name");
      const media = await fetch(`${s.url}/api/v1/shares`, {
        method: "POST",
        headers: { authorization: `Bearer ${s.adminToken}`, "content-type": "text/plain" },
        body: "name=x",
      });
      assert.equal(media.status, 415);
      assert.equal(((await media.json()) as any).error.code, "UNSUPPORTED_MEDIA_TYPE");
      const big = await fetch(`${s.url}/api/v1/shares`, {
        method: "POST",
        headers: { authorization: `Bearer ${s.adminToken}`, "content-type": "application/json" },
        body: JSON.stringify({ name: "x".repeat(2 * 1024 * 1024) }),
      });
      assert.equal(big.status, 413);
      assert.equal(((await big.json()) as any).error.code, "PAYLOAD_TOO_LARGE");
      const broken = await fetch(`${s.url}/api/v1/shares`, {
        method: "POST",
        headers: { authorization: `Bearer ${s.adminToken}`, "content-type": "application/json" },
        body: "{nope",
      });
      assert.equal(broken.status, 400);
      assert.equal(((await broken.json()) as any).error.code, "VALIDATION_FAILED");
      const limit = await s.api("GET", "/api/v1/users?limit=0");
      assert.equal(limit.status, 400);
      assert.equal(limit.body.error.details.field, "limit");
      // Query strings are text and are converted: limit=1 is the number 1.
      const one = await s.api("GET", "/api/v1/users?limit=1");
      assert.equal(one.status, 200);
      assert.equal(one.body.items.length, 1);
    });

    test("uploads over the configured limit answer 413 and store nothing", async () => {
      const small = await startTestServer({ dialect, config: { maxUploadBytes: 10 } });
      try {
        const sh = await small.api("POST", "/api/v1/shares", { json: { name: "S" } });
        const url = `${small.url}/api/v1/shares/${sh.body.id}/content?path=${q("/big.bin")}`;
        const declared = await fetch(url, {
          method: "PUT",
          headers: { authorization: `Bearer ${small.adminToken}` },
          body: new Uint8Array(11),
        });
        assert.equal(declared.status, 413);
        assert.equal(((await declared.json()) as any).error.code, "PAYLOAD_TOO_LARGE");
        // Chunked (no Content-Length): the blob store stops at the limit.
        const chunked = await fetch(url, {
          method: "PUT",
          headers: { authorization: `Bearer ${small.adminToken}` },
          body: new ReadableStream({
            start(c) {
              c.enqueue(new Uint8Array(8));
              c.enqueue(new Uint8Array(8));
              c.close();
            },
          }),
          duplex: "half",
        } as RequestInit);
        assert.equal(chunked.status, 413);
        assert.equal(
          (await small.api("GET", `/api/v1/shares/${sh.body.id}/files/stat?path=${q("/big.bin")}`)).status,
          404,
        );
      } finally {
        await small.close();
      }
    });

    test("OpenAPI document and docs page", async () => {
      const doc = await s.api("GET", "/api/v1/openapi.json", { token: null });
      assert.equal(doc.status, 200);
      assert.equal(doc.body.openapi, "3.0.3");
      for (const p of [
        "/api/v1/users",
        "/api/v1/shares/{share_id}/files",
        "/api/v1/shares/{share_id}/content",
        "/api/v1/files/{file_id}/versions",
        "/api/v1/shares/{share_id}/acl",
      ]) {
        assert.ok(doc.body.paths[p], `missing ${p}`);
      }
      assert.ok(doc.body.paths["/api/v1/users"].post.requestBody);
      assert.ok(
        doc.body.paths["/api/v1/shares/{share_id}/content"].put.requestBody.content["application/octet-stream"],
      );
      assert.ok(doc.body.paths["/api/v1/shares/{share_id}/files"].get.parameters.some((p: any) => p.name === "cursor"));
      const page = await fetch(`${s.url}/api/docs`, { redirect: "follow" });
      assert.equal(page.status, 200);
      assert.match(await page.text(), /swagger/i);
    });
  });

test("JSON answers end with a newline; downloads are byte for byte", async () => {
  const s = await startTestServer();
  try {
    for (const path of ["/api/v1/health", "/api/v1/users/me", "/api/v1/no-such-route"]) {
      const res = await fetch(`${s.url}${path}`, { headers: { authorization: `Bearer ${s.adminToken}` } });
      const text = await res.text();
      assert.ok(text.endsWith("}\n"), `${path}: ${JSON.stringify(text.slice(-5))}`);
      assert.equal(Number(res.headers.get("content-length") ?? Buffer.byteLength(text)), Buffer.byteLength(text));
    }
    const shareId = (await s.api("POST", "/api/v1/shares", { json: { name: "NL" } })).body.id;
    await s.api("PUT", `/api/v1/shares/${shareId}/content?path=${encodeURIComponent("/a.json")}`, { raw: '{"a":1}' });
    const raw = await fetch(`${s.url}/api/v1/shares/${shareId}/content?path=${encodeURIComponent("/a.json")}`, {
      headers: { authorization: `Bearer ${s.adminToken}` },
    });
    assert.equal(await raw.text(), '{"a":1}', "file content is not touched");
  } finally {
    await s.close();
  }
});
