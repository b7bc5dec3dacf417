import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { startTestServer, type TestServer } from "../harness/server.js";
import { createUserWithToken } from "../harness/api-helpers.js";

const q = encodeURIComponent;

/** GET /shares/{id}/search against the real server, once per database dialect. */
for (const dialect of ["sqlite", "postgres"] as const) {
  describe(`search on ${dialect}`, () => {
    let s: TestServer;
    let shareId: string;
    let bob: { id: string; token: string };

    const put = async (path: string, text = path) => {
      const r = await s.api("PUT", `/api/v1/shares/${shareId}/content?path=${q(path)}`, { raw: text });
      assert.ok(r.status === 201 || r.status === 200, `${path}: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    };
    const search = (query: string, o: { path?: string; limit?: number; cursor?: string; token?: string } = {}) => {
      const params = new URLSearchParams({ q: query });
      if (o.path !== undefined) params.set("path", o.path);
      if (o.limit !== undefined) params.set("limit", String(o.limit));
      if (o.cursor !== undefined) params.set("cursor", o.cursor);
      return s.api("GET", `/api/v1/shares/${shareId}/search?${params}`, { token: o.token });
    };
    const paths = (r: { body: { items: { path: string }[] } }) => r.body.items.map((n) => n.path);

    before(async () => {
      s = await startTestServer({ dialect });
      shareId = (await s.api("POST", "/api/v1/shares", { json: { name: "Search" } })).body.id;
      for (const p of [
        "/Reports/2024/Annual-REPORT.pdf",
        "/Reports/2024/notes.txt",
        "/Reports/summary report.docx",
        "/misc/reporter.png",
        "/misc/other.bin",
        "/odd/100%_done.txt",
        "/odd/100x done.txt",
        "/odd/back\\slash.txt",
        "/odd/Ärger.txt",
        "/team/report-team.md",
        "/team/private/report-secret.md",
        "/team/private/report-shared.md",
        "/mounted/report-behind-mount.txt",
      ])
        await put(p);
      bob = await createUserWithToken(s.api, "bob");
      const acl = (path: string, aces: unknown[], inherit = true) =>
        s.api("PUT", `/api/v1/shares/${shareId}/acl?path=${q(path)}`, { json: { aces, inherit } });
      assert.equal((await acl("/team", [{ principal_id: bob.id, permissions: ["READ"] }])).status, 200);
      assert.equal((await acl("/team/private", [], false)).status, 200);
      assert.equal(
        (await acl("/team/private/report-shared.md", [{ principal_id: bob.id, permissions: ["READ"] }])).status,
        200,
      );
    });
    after(async () => s?.close());

    test("finds files and folders whose name contains q, case-insensitively, ordered by path", async () => {
      const r = await search("RePoRt");
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.deepEqual(
        paths(r),
        [
          "/Reports",
          "/Reports/2024/Annual-REPORT.pdf",
          "/Reports/summary report.docx",
          "/misc/reporter.png",
          "/mounted/report-behind-mount.txt",
          "/team/private/report-secret.md",
          "/team/private/report-shared.md",
          "/team/report-team.md",
        ].sort(),
      );
      assert.equal(r.body.next_cursor, null);
      const folder = r.body.items.find((n: { path: string }) => n.path === "/Reports");
      assert.equal(folder.type, "folder");
      const file = r.body.items.find((n: { path: string }) => n.path === "/misc/reporter.png");
      assert.equal(file.type, "file");
      assert.equal(file.name, "reporter.png");
      assert.match(file.sha256, /^[0-9a-f]{64}$/);
      assert.equal(paths(await search("ärger")).join(), "/odd/Ärger.txt");
    });

    test("path limits the search to a folder's descendants (the folder itself is not a hit)", async () => {
      assert.deepEqual(paths(await search("report", { path: "/Reports" })), [
        "/Reports/2024/Annual-REPORT.pdf",
        "/Reports/summary report.docx",
      ]);
      assert.deepEqual(paths(await search("2024", { path: "/Reports/" })), ["/Reports/2024"]);
      assert.deepEqual(paths(await search("nothing-like-this")), []);
    });

    test("%, _ and \\ in q are plain characters", async () => {
      assert.deepEqual(paths(await search("100%_")), ["/odd/100%_done.txt"]);
      assert.deepEqual(paths(await search("0_d")), []);
      assert.deepEqual(paths(await search("k\\s")), ["/odd/back\\slash.txt"]);
    });

    test("pages of limit items with next_cursor add up to the whole answer", async () => {
      const all = paths(await search("r"));
      assert.ok(all.length > 5, all.join());
      const seen: string[] = [];
      let cursor: string | undefined;
      for (let i = 0; i < 20; i++) {
        const page = await search("r", { limit: 2, cursor });
        assert.equal(page.status, 200);
        assert.ok(page.body.items.length <= 2);
        seen.push(...paths(page));
        cursor = page.body.next_cursor ?? undefined;
        if (!cursor) break;
      }
      assert.deepEqual(seen, all);
    });

    test("only nodes the caller can read; a readable file below an unreadable folder is found", async () => {
      const r = await search("report", { path: "/team", token: bob.token });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.deepEqual(paths(r), ["/team/private/report-shared.md", "/team/report-team.md"]);
      // Paging skips what bob cannot read without ending early.
      const first = await search("report", { path: "/team", token: bob.token, limit: 1 });
      assert.deepEqual(paths(first), ["/team/private/report-shared.md"]);
      const second = await search("report", {
        path: "/team",
        token: bob.token,
        limit: 1,
        cursor: first.body.next_cursor,
      });
      assert.deepEqual(paths(second), ["/team/report-team.md"]);
      assert.equal(second.body.next_cursor, null);
      // The share root is not bob's to read: the same 404 as a missing folder.
      const root = await search("report", { token: bob.token });
      assert.equal(root.status, 404);
      assert.equal(root.body.error.code, "NOT_FOUND");
    });

    test("does not descend into a remote mount; a path inside one is refused", async () => {
      const point = (await s.api("GET", `/api/v1/shares/${shareId}/files/stat?path=/mounted`)).body;
      // A mount row as the mount service writes it (no remote needed: search never reaches it).
      await s.built.context.db
        .insertInto("mounts")
        .values({
          id: "mnt_01ARZ3NDEKTSV4RRFFQ69G5FAV",
          share_id: shareId,
          node_id: point.id,
          connector_id: "cnn_01ARZ3NDEKTSV4RRFFQ69G5FAV",
          remote_path: "",
          created_by: "usr_x",
          created_at: new Date().toISOString(),
        })
        .execute();
      try {
        assert.ok(!paths(await search("report")).includes("/mounted/report-behind-mount.txt"));
        assert.deepEqual(paths(await search("mounted")), ["/mounted"]);
        for (const path of ["/mounted", "/mounted/sub"]) {
          const inside = await search("report", { path });
          assert.equal(inside.status, 400);
          assert.equal(inside.body.error.details.reason, "inside_mount");
        }
      } finally {
        await s.built.context.db.deleteFrom("mounts").where("node_id", "=", point.id).execute();
      }
    });

    test("bad input: q missing, empty or too long, a file as path, a missing path, a bad cursor", async () => {
      const expect = async (url: string, status: number, code: string) => {
        const r = await s.api("GET", `/api/v1/shares/${shareId}/search${url}`);
        assert.equal(r.status, status, `${url}: ${JSON.stringify(r.body)}`);
        assert.equal(r.body.error.code, code);
        assert.ok(r.body.error.message.length > 0);
        return r.body.error;
      };
      assert.equal((await expect("", 400, "VALIDATION_FAILED")).details.field, "q");
      assert.equal((await expect("?q=", 400, "VALIDATION_FAILED")).details.field, "q");
      await expect(`?q=${"x".repeat(201)}`, 400, "VALIDATION_FAILED");
      assert.equal((await search("y".repeat(200))).status, 200);
      assert.equal((await expect(`?q=a&path=${q("/misc/other.bin")}`, 400, "VALIDATION_FAILED")).details.field, "path");
      await expect(`?q=a&path=${q("/nope")}`, 404, "NOT_FOUND");
      assert.equal((await expect("?q=a&cursor=bogus", 400, "VALIDATION_FAILED")).details.field, "cursor");
      const other = await s.api("GET", `/api/v1/shares/shr_01ARZ3NDEKTSV4RRFFQ69G5FAV/search?q=a`);
      assert.equal(other.status, 404);
    });
  });
}
