/**
 * Core API hardening, each attack performed through HTTP against the real server:
 *
 * - a 404 never tells "hidden" from "missing": reads, writes, mkdir and moves under a folder the
 *   caller cannot read answer exactly what the same request under a missing folder answers (or,
 *   for writes that would create folders, name only the requested path);
 * - JSON bodies are closed: an undocumented field (`POST /tokens` with a chosen `token`) is a 400
 *   naming it, on every route;
 * - a revoked SCAIDRIVE_ADMIN_TOKEN stays revoked after a restart;
 * - the data dir is 0700 and what the server writes there 0600;
 * - share names follow the rules of file names.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { startTestServer, type TestServer } from "../harness/server.js";
import { createUserWithToken } from "../harness/api-helpers.js";
import { makeTempDir } from "../harness/temp-dir.js";
import { startScaidriveProcess } from "../harness/scaidrive-process.js";

const q = (path: string) => `path=${encodeURIComponent(path)}`;

describe("404 bodies: hidden and missing look the same", () => {
  let s: TestServer;
  let eve: { id: string; token: string };
  let shareId: string;
  const asEve = (method: string, path: string, opts: { json?: unknown; raw?: string } = {}) =>
    s.api(method, path, { token: eve.token, ...opts });

  before(async () => {
    s = await startTestServer();
    eve = await createUserWithToken(s.api, "eve");
    shareId = (await s.api("POST", "/api/v1/shares", { json: { name: "Corp" } })).body.id;
    // Eve may read and write the share, except /secret (inheritance broken, admin only).
    await s.api("PUT", `/api/v1/shares/${shareId}/acl?${q("/")}`, {
      json: { aces: [{ principal_id: eve.id, permissions: ["READ", "WRITE", "DELETE"] }], inherit: true },
    });
    for (const p of ["/secret/plan.txt", "/secret/file.txt", "/pub/a.txt"]) {
      assert.equal((await s.api("PUT", `/api/v1/shares/${shareId}/content?${q(p)}`, { raw: "x" })).status, 201);
    }
    await s.api("PUT", `/api/v1/shares/${shareId}/acl?${q("/secret")}`, { json: { aces: [], inherit: false } });
  });
  after(async () => s?.close());

  /** The body for `hidden` must equal the body for `missing` with the path swapped. */
  const same = (
    hidden: { status: number; body: any },
    missing: { status: number; body: any },
    hiddenPath: string,
    missingPath: string,
  ) => {
    assert.equal(hidden.status, 404, JSON.stringify(hidden.body));
    assert.equal(missing.status, 404, JSON.stringify(missing.body));
    assert.equal(
      JSON.stringify(hidden.body).replaceAll(hiddenPath, "<p>"),
      JSON.stringify(missing.body).replaceAll(missingPath, "<p>"),
    );
  };

  for (const [what, call] of [
    ["stat", (p: string) => asEve("GET", `/api/v1/shares/${shareId}/files/stat?${q(p)}`)],
    ["list", (p: string) => asEve("GET", `/api/v1/shares/${shareId}/files?${q(p)}`)],
    ["download", (p: string) => asEve("GET", `/api/v1/shares/${shareId}/content?${q(p)}`)],
    ["delete", (p: string) => asEve("DELETE", `/api/v1/shares/${shareId}/files?${q(p)}`)],
    ["acl", (p: string) => asEve("GET", `/api/v1/shares/${shareId}/acl?${q(p)}`)],
    [
      "move from",
      (p: string) => asEve("POST", `/api/v1/shares/${shareId}/move`, { json: { from: p, to: "/pub/b.txt" } }),
    ],
  ] as const) {
    test(`${what}: a hidden path answers like a missing one`, async () => {
      same(await call("/secret/plan.txt"), await call("/nosuch/plan.txt"), "/secret/plan.txt", "/nosuch/plan.txt");
      same(await call("/secret"), await call("/nosuch"), "/secret", "/nosuch");
    });
  }

  test("writes under a hidden folder name the requested path, never the folder that exists", async () => {
    const cases = [
      {
        r: await asEve("PUT", `/api/v1/shares/${shareId}/content?${q("/secret/new.txt")}`, { raw: "y" }),
        path: "/secret/new.txt",
      },
      {
        r: await asEve("POST", `/api/v1/shares/${shareId}/folders`, { json: { path: "/secret/sub/deeper" } }),
        path: "/secret/sub/deeper",
      },
      {
        r: await asEve("POST", `/api/v1/shares/${shareId}/move`, { json: { from: "/pub/a.txt", to: "/secret/a.txt" } }),
        path: "/secret/a.txt",
      },
      // A file below the hidden folder must not show through as "is a file" (CONFLICT).
      {
        r: await asEve("POST", `/api/v1/shares/${shareId}/folders`, { json: { path: "/secret/file.txt/sub" } }),
        path: "/secret/file.txt/sub",
      },
      {
        r: await asEve("PUT", `/api/v1/shares/${shareId}/content?${q("/secret/file.txt/x")}`, { raw: "y" }),
        path: "/secret/file.txt/x",
      },
    ];
    for (const { r, path } of cases) {
      assert.equal(r.status, 404, `${path}: ${JSON.stringify(r.body)}`);
      assert.deepEqual(r.body, { error: { code: "NOT_FOUND", message: `${path} not found`, details: { path } } });
    }
    // The admin sees nothing was written.
    const list = await s.api("GET", `/api/v1/shares/${shareId}/files?${q("/secret")}`);
    assert.deepEqual(list.body.items.map((i: { name: string }) => i.name).sort(), ["file.txt", "plan.txt"]);
  });
});

describe("closed JSON bodies, token secrets and share names", () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(async () => s?.close());

  test("POST /tokens refuses a caller-chosen token (400 naming the field); nothing is created", async () => {
    const me = (await s.api("GET", "/api/v1/users/me")).body.id;
    const before = (await s.api("GET", "/api/v1/tokens")).body.items.length;
    for (const token of [s.adminToken, "a-token-of-my-choice-123456"]) {
      const r = await s.api("POST", "/api/v1/tokens", { json: { user_id: me, name: "chosen", token } });
      assert.equal(r.status, 400, JSON.stringify(r.body));
      assert.equal(r.body.error.code, "VALIDATION_FAILED");
      assert.equal(r.body.error.details.field, "token");
    }
    assert.equal((await s.api("GET", "/api/v1/tokens")).body.items.length, before);
    assert.equal((await s.api("GET", "/api/v1/users/me", { token: "a-token-of-my-choice-123456" })).status, 401);
  });

  test("every JSON body refuses unknown fields", async () => {
    const me = (await s.api("GET", "/api/v1/users/me")).body.id;
    const shareId = (await s.api("POST", "/api/v1/shares", { json: { name: "Closed" } })).body.id;
    const groupId = (await s.api("POST", "/api/v1/groups", { json: { name: "closed" } })).body.id;
    for (const [path, json] of [
      ["/api/v1/users", { email: "x@example.com", name: "X", is_admin: false, role: "owner" }],
      ["/api/v1/groups", { name: "g2", members: [me] }],
      [`/api/v1/groups/${groupId}/members`, { user_id: me, admin: true }],
      ["/api/v1/shares", { name: "S2", owner: me }],
      [`/api/v1/shares/${shareId}/folders`, { path: "/a", mode: 777 }],
      [`/api/v1/shares/${shareId}/move`, { from: "/a", to: "/b", force: true }],
    ] as const) {
      const r = await s.api("POST", path, { json });
      assert.equal(r.status, 400, `${path}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.error.code, "VALIDATION_FAILED");
    }
    const acl = await s.api("PUT", `/api/v1/shares/${shareId}/acl?${q("/")}`, {
      json: { aces: [{ principal_id: me, permissions: ["READ"], deny: true }], inherit: true },
    });
    assert.equal(acl.status, 400, JSON.stringify(acl.body));
    assert.equal(acl.body.error.details.field, "aces.0.deny");
  });

  test("share names follow the file name rules", async () => {
    for (const name of ["a\u0000b", "..", ".", "a/b", "tab\there", "\ud800lone", "x".repeat(256)]) {
      const r = await s.api("POST", "/api/v1/shares", { json: { name } });
      assert.equal(r.status, 400, `${JSON.stringify(name)}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.error.code, "INVALID_NAME");
      assert.equal(r.body.error.details.field, "name");
    }
    const ok = await s.api("POST", "/api/v1/shares", { json: { name: "  Café  " } });
    assert.equal(ok.status, 201);
    assert.equal(ok.body.name, "Café");
  });
});

describe("a revoked SCAIDRIVE_ADMIN_TOKEN stays revoked across restarts", () => {
  test("revoke, restart with the same variable: 401, and a new value works", async () => {
    const dir = makeTempDir("revoked-admin");
    const token = `admin-${"t".repeat(24)}`;
    try {
      let s = await startTestServer({ dataDir: dir.path, adminToken: token });
      const mine = (await s.api("GET", "/api/v1/tokens")).body.items.find(
        (t: { name: string }) => t.name === "SCAIDRIVE_ADMIN_TOKEN",
      );
      // Another admin token first, so revoking the configured one does not lock the admin out.
      const me = (await s.api("GET", "/api/v1/users/me")).body.id;
      const spare = (await s.api("POST", "/api/v1/tokens", { json: { user_id: me, name: "spare" } })).body.token;
      assert.equal((await s.api("DELETE", `/api/v1/tokens/${mine.id}`)).status, 204);
      assert.equal((await s.api("GET", "/api/v1/users/me")).status, 401);
      await s.close({ keepData: true });

      s = await startTestServer({ dataDir: dir.path, adminToken: token });
      assert.equal(s.built.bootstrap.revokedAdminToken, true);
      assert.equal((await s.api("GET", "/api/v1/users/me")).status, 401, "the revoked token is not re-created");
      assert.equal((await s.api("GET", "/api/v1/users/me", { token: spare })).status, 200);
      await s.close({ keepData: true });

      const fresh = `admin-${"u".repeat(24)}`;
      s = await startTestServer({ dataDir: dir.path, adminToken: fresh });
      assert.equal((await s.api("GET", "/api/v1/users/me")).status, 200);
      await s.close({ keepData: true });
    } finally {
      dir.remove();
    }
  });
});

describe("the data dir is private", () => {
  test("`scaidrive serve` keeps its data dir 0700 and creates its files 0600", async () => {
    const parent = makeTempDir("private-data");
    const dataDir = join(parent.path, "data");
    const server = await startScaidriveProcess({ dataDir });
    try {
      const shareId = (await server.api("POST", "/api/v1/shares", { json: { name: "P" } })).body.id;
      const big = Buffer.alloc(100_000, 1);
      assert.equal(
        (await server.api("PUT", `/api/v1/shares/${shareId}/content?${q("/big.bin")}`, { raw: big })).status,
        201,
      );
      const walk = (dir: string, out: string[] = []): string[] => {
        for (const name of readdirSync(dir)) {
          const p = join(dir, name);
          out.push(p);
          if (statSync(p).isDirectory()) walk(p, out);
        }
        return out;
      };
      // The harness made the dir (0755 under the usual umask) for its log; the server tightens it.
      assert.equal(statSync(dataDir).mode & 0o777, 0o700);
      const all = walk(dataDir).filter((p) => p !== join(dataDir, "server.log"));
      assert.ok(all.some((p) => p.endsWith("scaidrive.db")));
      assert.ok(
        all.some((p) => p.includes(`${join(dataDir, "blobs")}/`) && statSync(p).isFile()),
        "the upload is a blob file",
      );
      for (const p of all) {
        const mode = statSync(p).mode & 0o777;
        if (statSync(p).isDirectory()) assert.equal(mode, 0o700, p);
        else assert.equal(mode, 0o600, p);
      }
    } finally {
      await server.stop();
      parent.remove();
    }
  });
});

describe("a unique index refusing a write is a 409, never a 500", () => {
  test("toErrorResponse maps SQLite and PostgreSQL unique violations to 409 ALREADY_EXISTS", async () => {
    const { toErrorResponse } = await import("../../src/server/error-envelope.js");
    const request = { id: "req", log: { warn() {}, error() {} } } as never;
    for (const code of ["SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY", "23505"]) {
      const err = Object.assign(new Error("UNIQUE constraint failed: tokens.token_hash"), { code });
      const r = toErrorResponse(err, request);
      assert.equal(r.status, 409);
      assert.equal(r.body.error.code, "ALREADY_EXISTS");
      assert.doesNotMatch(r.body.error.message, /tokens|token_hash/);
    }
  });
});

describe("JSON bodies must be valid UTF-8", () => {
  test("a share name with invalid UTF-8 bytes is refused (400), not stored as U+FFFD", async () => {
    const s = await startTestServer();
    try {
      const body = Buffer.concat([Buffer.from('{"name":"bad'), Buffer.from([0xff, 0xfe]), Buffer.from('name"}')]);
      const res = await fetch(`${s.url}/api/v1/shares`, {
        method: "POST",
        headers: { authorization: `Bearer ${s.adminToken}`, "content-type": "application/json" },
        body,
      });
      const json = (await res.json()) as { error: { code: string; details: { field: string } } };
      assert.equal(res.status, 400);
      assert.equal(json.error.code, "VALIDATION_FAILED");
      assert.equal(json.error.details.field, "body");
      const shares = (await s.api("GET", "/api/v1/shares")).body.items;
      assert.ok(!shares.some((x: { name: string }) => x.name.includes("\ufffd")));
    } finally {
      await s.close();
    }
  });
});
