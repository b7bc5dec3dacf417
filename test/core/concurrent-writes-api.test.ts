import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { startTestServer, type TestServer } from "../harness/server.js";

const q = encodeURIComponent;

/**
 * Bursts of writers into one new folder through the HTTP API. On PostgreSQL these used to
 * collide (SERIALIZABLE conflicts between sibling inserts, retried until given up as 409);
 * every request must now succeed and every file be readable.
 */
for (const dialect of ["sqlite", "postgres"] as const) {
  describe(`concurrent writes through the API on ${dialect}`, () => {
    let s: TestServer;
    let shareId: string;
    const auth = () => ({ authorization: `Bearer ${s.adminToken}` });
    before(async () => {
      s = await startTestServer({ dialect });
      shareId = (await s.api("POST", "/api/v1/shares", { json: { name: "Burst" } })).body.id;
    });
    after(async () => s?.close());

    const put = (path: string, body: string) =>
      fetch(`${s.url}/api/v1/shares/${shareId}/content?path=${q(path)}`, {
        method: "PUT",
        headers: auth(),
        body,
      }).then(async (r) => ({ path, status: r.status, text: await r.text() }));
    const mkdir = (path: string) =>
      fetch(`${s.url}/api/v1/shares/${shareId}/folders`, {
        method: "POST",
        headers: { ...auth(), "content-type": "application/json" },
        body: JSON.stringify({ path }),
      }).then(async (r) => ({ path, status: r.status, text: await r.text() }));
    const read = async (path: string) => {
      const r = await fetch(`${s.url}/api/v1/shares/${shareId}/content?path=${q(path)}`, { headers: auth() });
      assert.equal(r.status, 200, `GET ${path} answered ${r.status}`);
      return r.text();
    };

    test("160 parallel PUTs into one new folder: all created, none refused, all readable", async () => {
      const n = 160;
      const results = await Promise.all(Array.from({ length: n }, (_, i) => put(`/burst/new/f${i}.txt`, `file ${i}`)));
      const failed = results.filter((r) => r.status !== 201);
      assert.deepEqual(
        failed.map((r) => `${r.path}: ${r.status} ${r.text}`),
        [],
      );
      for (let i = 0; i < n; i++) assert.equal(await read(`/burst/new/f${i}.txt`), `file ${i}`);
      const list = await s.api("GET", `/api/v1/shares/${shareId}/files?path=${q("/burst/new")}&limit=1000`);
      assert.equal(list.status, 200);
      assert.equal((list.body as { items: unknown[] }).items.length, n);
    });

    test("uploads into a new folder racing a file of the folder's name: one wins, the others are 409", async () => {
      const below = Array.from({ length: 24 }, (_, i) => put(`/race/x/f${i}.txt`, `f ${i}`));
      const file = put("/race/x", "a file where the folder would be");
      const results = await Promise.all([file, ...below]);
      assert.deepEqual(
        results.filter((r) => ![201, 409].includes(r.status)).map((r) => `${r.path}: ${r.status} ${r.text}`),
        [],
      );
      const x = await s.api("GET", `/api/v1/shares/${shareId}/files/stat?path=${q("/race/x")}`);
      assert.equal(x.status, 200, JSON.stringify(x.body));
      if ((x.body as { type: string }).type === "file") {
        // The file came first: every upload below it was refused as going through a file.
        assert.equal((await file).status, 201);
        for (const r of results.slice(1)) assert.match(r.text, /CONFLICT/, r.path);
        assert.equal(await read("/race/x"), "a file where the folder would be");
      } else {
        // The folder came first: the file of its name was refused, everything below it is stored.
        assert.equal((await file).status, 409);
        for (let i = 0; i < 24; i++) assert.equal(await read(`/race/x/f${i}.txt`), `f ${i}`);
      }
    });

    test("parallel mkdir -p of the same nested folders mixed with files below them", async () => {
      const ops: Promise<{ path: string; status: number; text: string }>[] = [];
      for (let i = 0; i < 40; i++) {
        ops.push(mkdir(`/deep/a/b/c/d${i % 4}`));
        ops.push(put(`/deep/a/b/c/d${i % 4}/e/x${i}.txt`, `x ${i}`));
        ops.push(put(`/deep/a/y${i}.txt`, `y ${i}`));
      }
      const results = await Promise.all(ops);
      const bad = results.filter((r) => ![200, 201].includes(r.status));
      assert.deepEqual(
        bad.map((r) => `${r.path}: ${r.status} ${r.text}`),
        [],
      );
      for (let i = 0; i < 40; i++) {
        assert.equal(await read(`/deep/a/b/c/d${i % 4}/e/x${i}.txt`), `x ${i}`);
        assert.equal(await read(`/deep/a/y${i}.txt`), `y ${i}`);
      }
      // Each folder exists once (the unique index would refuse twins; this checks none got lost).
      const c = await s.api("GET", `/api/v1/shares/${shareId}/files?path=${q("/deep/a/b/c")}`);
      assert.deepEqual(
        (c.body as { items: { name: string; type: string }[] }).items.map((x) => `${x.type}:${x.name}`),
        ["folder:d0", "folder:d1", "folder:d2", "folder:d3"],
      );
      for (let k = 0; k < 4; k++) {
        const e = await s.api("GET", `/api/v1/shares/${shareId}/files?path=${q(`/deep/a/b/c/d${k}/e`)}`);
        assert.equal((e.body as { items: unknown[] }).items.length, 10);
      }
    });

    test("a token revoked during a burst of requests with it: every later request is 401", async () => {
      // Concurrent requests with one token share its lookups (FreshLookup): none may be answered
      // from a lookup that was sent before the revocation committed.
      const u = await s.api("POST", "/api/v1/users", { json: { email: "burst@example.com", name: "burst" } });
      const t = await s.api("POST", "/api/v1/tokens", { json: { user_id: u.body.id, name: "burst" } });
      assert.equal(t.status, 201);
      let revoked = false;
      let stop = false;
      const late: number[] = [];
      let before200 = 0;
      const worker = async () => {
        while (!stop) {
          const sentAfterRevocation = revoked;
          const r = await fetch(`${s.url}/api/v1/shares`, { headers: { authorization: `Bearer ${t.body.token}` } });
          await r.arrayBuffer();
          if (sentAfterRevocation) late.push(r.status);
          else if (r.status === 200) before200++;
        }
      };
      const workers = Array.from({ length: 16 }, worker);
      while (before200 < 100) await new Promise((r) => setTimeout(r, 5));
      const del = await s.api("DELETE", `/api/v1/tokens/${t.body.id}`);
      assert.equal(del.status, 204);
      revoked = true;
      while (late.length < 200) await new Promise((r) => setTimeout(r, 5));
      stop = true;
      await Promise.all(workers);
      assert.deepEqual(
        late.filter((status) => status !== 401),
        [],
      );
    });
  });
}
