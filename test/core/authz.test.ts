import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { startTestServer, type TestServer } from "../harness/server.js";

const q = encodeURIComponent;

describe("authorization matrix", () => {
  let s: TestServer;
  let shareId: string;
  const tokens: Record<string, string> = {};
  const ids: Record<string, string> = {};
  let fileId: string;
  let versionId: string;
  let secretFileId: string;

  async function user(key: string) {
    const u = await s.api("POST", "/api/v1/users", { json: { email: `${key}@example.com`, name: key } });
    assert.equal(u.status, 201);
    ids[key] = u.body.id;
    tokens[key] = (await s.api("POST", "/api/v1/tokens", { json: { user_id: u.body.id, name: "t" } })).body.token;
  }

  async function put(path: string, body: string, token: string) {
    const res = await fetch(`${s.url}/api/v1/shares/${shareId}/content?path=${q(path)}`, {
      method: "PUT",
      headers: { authorization: `Bearer ${token}` },
      body,
    });
    return { status: res.status, body: (await res.json()) as any };
  }

  async function setAcl(path: string, aces: { principal_id: string; permissions: string[] }[], inherit = true) {
    const r = await s.api("PUT", `/api/v1/shares/${shareId}/acl?path=${q(path)}`, { json: { aces, inherit } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
  }

  before(async () => {
    s = await startTestServer();
    for (const k of ["owner", "reader", "stranger", "member", "deleter"]) await user(k);
    const sh = await s.api("POST", "/api/v1/shares", { token: tokens.owner, json: { name: "Team" } });
    assert.equal(sh.status, 201);
    shareId = sh.body.id;
    const f = await put("/docs/a.txt", "alpha", tokens.owner);
    assert.equal(f.status, 201);
    fileId = f.body.id;
    versionId = f.body.current_version_id;
    secretFileId = (await put("/secret/plan.txt", "secret", tokens.owner)).body.id;
    await put("/secret/shared/ok.txt", "ok", tokens.owner);
    // Owner (share creator, not admin) grants READ on the root to reader.
    const r = await s.api("PUT", `/api/v1/shares/${shareId}/acl?path=/`, {
      token: tokens.owner,
      json: {
        aces: [
          { principal_id: ids.owner, permissions: ["READ", "WRITE", "DELETE", "MANAGE_PERMISSIONS"] },
          { principal_id: ids.reader, permissions: ["READ"] },
        ],
        inherit: true,
      },
    });
    assert.equal(r.status, 200);
  });
  after(async () => s.close());

  test("no token, wrong token and malformed header answer 401 UNAUTHENTICATED", async () => {
    const routes: [string, string][] = [
      ["GET", "/api/v1/users"],
      ["GET", "/api/v1/shares"],
      ["GET", `/api/v1/shares/${shareId}`],
      ["GET", `/api/v1/shares/${shareId}/files?path=/`],
      ["GET", `/api/v1/files/${fileId}`],
      ["GET", `/api/v1/files/${fileId}/versions`],
      ["GET", `/api/v1/shares/${shareId}/content?path=/docs/a.txt`],
    ];
    for (const [m, p] of routes) {
      for (const headers of [
        {},
        { authorization: "Bearer sdt_wrongwrongwrongwrongwrong" },
        { authorization: "Basic abc" },
      ] as Record<string, string>[]) {
        const r = await fetch(s.url + p, { method: m, headers });
        assert.equal(r.status, 401, `${m} ${p} ${JSON.stringify(headers)}`);
        const body = (await r.json()) as any;
        assert.equal(body.error.code, "UNAUTHENTICATED");
        assert.match(r.headers.get("www-authenticate") ?? "", /Bearer/);
      }
    }
  });

  test("authentication comes before validation and before the upload body is read", async () => {
    const invalid = await s.api("POST", "/api/v1/users", { token: null, json: { nonsense: true } });
    assert.equal(invalid.status, 401);
    const up = await fetch(`${s.url}/api/v1/shares/${shareId}/content?path=/x.bin`, { method: "PUT", body: "data" });
    assert.equal(up.status, 401);
    const unknown = await s.api("GET", "/api/v1/nothing-here", { token: null });
    assert.equal(unknown.status, 404);
    assert.equal((await s.api("GET", "/api/v1/openapi.json", { token: null })).status, 200);
  });

  test("non-admins cannot create users or groups or change membership", async () => {
    assert.equal(
      (await s.api("POST", "/api/v1/users", { token: tokens.owner, json: { email: "x@y.z", name: "x" } })).status,
      403,
    );
    assert.equal((await s.api("POST", "/api/v1/groups", { token: tokens.owner, json: { name: "g" } })).status, 403);
  });

  test("a user without any ACE sees nothing: 404 everywhere", async () => {
    const t = tokens.stranger;
    assert.deepEqual((await s.api("GET", "/api/v1/shares", { token: t })).body.items, []);
    const checks: [string, string, unknown?][] = [
      ["GET", `/api/v1/shares/${shareId}`],
      ["GET", `/api/v1/shares/${shareId}/files?path=/`],
      ["GET", `/api/v1/shares/${shareId}/files/stat?path=/docs/a.txt`],
      ["GET", `/api/v1/shares/${shareId}/content?path=/docs/a.txt`],
      ["GET", `/api/v1/files/${fileId}`],
      ["GET", `/api/v1/files/${fileId}/versions`],
      ["GET", `/api/v1/files/${fileId}/versions/${versionId}/content`],
      ["GET", `/api/v1/files/${fileId}/metadata`],
      ["PATCH", `/api/v1/files/${fileId}/metadata`, { a: 1 }],
      ["GET", `/api/v1/shares/${shareId}/acl?path=/docs`],
      ["DELETE", `/api/v1/shares/${shareId}/files?path=/docs/a.txt`],
      ["POST", `/api/v1/shares/${shareId}/move`, { from: "/docs/a.txt", to: "/docs/b.txt" }],
      ["POST", `/api/v1/shares/${shareId}/folders`, { path: "/docs/new" }],
      ["DELETE", `/api/v1/shares/${shareId}`],
    ];
    for (const [m, p, json] of checks) {
      const r = await s.api(m, p, { token: t, json });
      assert.equal(r.status, 404, `${m} ${p}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.error.code, "NOT_FOUND");
    }
    assert.equal((await put("/docs/a.txt", "evil", t)).status, 404);
    assert.equal((await put("/docs/new.txt", "evil", t)).status, 404);
  });

  test("a READ-only user can read but not write, delete, move, or change ACLs", async () => {
    const t = tokens.reader;
    assert.equal((await s.api("GET", `/api/v1/shares/${shareId}`, { token: t })).status, 200);
    assert.equal((await s.api("GET", `/api/v1/shares/${shareId}/files?path=/docs`, { token: t })).body.items.length, 1);
    const dl = await fetch(`${s.url}/api/v1/shares/${shareId}/content?path=/docs/a.txt`, {
      headers: { authorization: `Bearer ${t}` },
    });
    assert.equal(await dl.text(), "alpha");
    const denied: [string, string, unknown?][] = [
      ["PATCH", `/api/v1/files/${fileId}/metadata`, { a: 1 }],
      ["DELETE", `/api/v1/shares/${shareId}/files?path=/docs/a.txt`],
      ["POST", `/api/v1/shares/${shareId}/move`, { from: "/docs/a.txt", to: "/docs/b.txt" }],
      ["POST", `/api/v1/shares/${shareId}/folders`, { path: "/docs/new" }],
      ["PUT", `/api/v1/shares/${shareId}/acl?path=/docs`, { aces: [], inherit: true }],
      ["POST", `/api/v1/files/${fileId}/versions/${versionId}/restore`],
      ["DELETE", `/api/v1/shares/${shareId}`],
    ];
    for (const [m, p, json] of denied) {
      const r = await s.api(m, p, { token: t, json });
      assert.equal(r.status, 403, `${m} ${p}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.error.code, "FORBIDDEN");
    }
    const w1 = await put("/docs/a.txt", "overwrite", t);
    assert.equal(w1.status, 403);
    assert.equal((await put("/docs/brand-new.txt", "new", t)).status, 403);
    const still = await fetch(`${s.url}/api/v1/shares/${shareId}/content?path=/docs/a.txt`, {
      headers: { authorization: `Bearer ${t}` },
    });
    assert.equal(await still.text(), "alpha");
  });

  test("access granted to a group applies to its members only while they are members", async () => {
    const g = await s.api("POST", "/api/v1/groups", { json: { name: "writers" } });
    await s.api("POST", `/api/v1/groups/${g.body.id}/members`, { json: { user_id: ids.member } });
    await setAcl("/docs", [{ principal_id: g.body.id, permissions: ["READ", "WRITE"] }]);
    const w = await put("/docs/by-member.txt", "m", tokens.member);
    assert.equal(w.status, 201);
    assert.equal(w.body.owner_id, ids.member);
    // Inherited from /docs, not granted on the root.
    assert.equal((await s.api("GET", `/api/v1/shares/${shareId}/files?path=/`, { token: tokens.member })).status, 404);
    assert.ok(
      (await s.api("GET", "/api/v1/shares", { token: tokens.member })).body.items.some((x: any) => x.id === shareId),
    );
    assert.equal(
      (await s.api("DELETE", `/api/v1/shares/${shareId}/files?path=/docs/by-member.txt`, { token: tokens.member }))
        .status,
      403,
    );
    assert.equal((await put("/docs/by-stranger.txt", "s", tokens.stranger)).status, 404);
    await s.api("DELETE", `/api/v1/groups/${g.body.id}/members/${ids.member}`);
    assert.equal(
      (await s.api("GET", `/api/v1/shares/${shareId}/files/stat?path=/docs/by-member.txt`, { token: tokens.member }))
        .status,
      404,
    );
  });

  test("broken inheritance hides a subtree; ACEs below it still apply", async () => {
    await setAcl(
      "/secret",
      [{ principal_id: ids.owner, permissions: ["READ", "WRITE", "DELETE", "MANAGE_PERMISSIONS"] }],
      false,
    );
    const t = tokens.reader;
    const root = await s.api("GET", `/api/v1/shares/${shareId}/files?path=/`, { token: t });
    assert.equal(root.status, 200);
    assert.deepEqual(
      root.body.items.map((x: any) => x.name),
      ["docs"],
    );
    assert.equal((await s.api("GET", `/api/v1/shares/${shareId}/files/stat?path=/secret`, { token: t })).status, 404);
    assert.equal((await s.api("GET", `/api/v1/files/${secretFileId}`, { token: t })).status, 404);
    const dl = await s.api("GET", `/api/v1/shares/${shareId}/content?path=/secret/plan.txt`, { token: t });
    assert.equal(dl.status, 404);
    // The owner still sees it (explicit ACE on the broken folder).
    assert.equal((await s.api("GET", `/api/v1/files/${secretFileId}`, { token: tokens.owner })).status, 200);
    // An ACE below the break gives access to that part only.
    await setAcl("/secret/shared", [{ principal_id: ids.reader, permissions: ["READ"] }]);
    assert.equal(
      (await s.api("GET", `/api/v1/shares/${shareId}/files/stat?path=/secret/shared/ok.txt`, { token: t })).status,
      200,
    );
    assert.equal(
      (await s.api("GET", `/api/v1/shares/${shareId}/files/stat?path=/secret/plan.txt`, { token: t })).status,
      404,
    );
    const acl = await s.api("GET", `/api/v1/shares/${shareId}/acl?path=/secret`, { token: tokens.owner });
    assert.equal(acl.body.inherit, false);
    assert.deepEqual(acl.body.inherited_aces, []);
  });

  test("deleting a folder needs DELETE on descendants that break inheritance", async () => {
    await put("/tree/keep/k.txt", "k", tokens.owner);
    await put("/tree/free/f.txt", "f", tokens.owner);
    await setAcl("/tree", [{ principal_id: ids.deleter, permissions: ["READ", "DELETE"] }]);
    await setAcl(
      "/tree/keep",
      [
        { principal_id: ids.deleter, permissions: ["READ"] },
        { principal_id: ids.owner, permissions: ["READ", "DELETE"] },
      ],
      false,
    );
    const r = await s.api("DELETE", `/api/v1/shares/${shareId}/files?path=/tree`, { token: tokens.deleter });
    assert.equal(r.status, 403);
    assert.equal((await s.api("GET", `/api/v1/shares/${shareId}/files/stat?path=/tree/free/f.txt`)).status, 200);
    const ok = await s.api("DELETE", `/api/v1/shares/${shareId}/files?path=/tree/free`, { token: tokens.deleter });
    assert.equal(ok.status, 204);
  });

  test("admins hold everything", async () => {
    assert.equal((await s.api("GET", `/api/v1/files/${secretFileId}`)).status, 200);
    assert.ok((await s.api("GET", "/api/v1/shares")).body.items.some((x: any) => x.id === shareId));
  });
});
