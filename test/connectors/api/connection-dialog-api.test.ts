/**
 * What the connection dialog asks the server, over real HTTP against a real smbd:
 * - `POST /smb-connectors/test` tests a create body and stores nothing (no connector, no target folder), with the
 *   checks of create (validation, the target share);
 * - `POST /{id}/test` with PATCH fields tests the edited configuration and saves nothing; without a body (or `{}`) it
 *   tests the stored one; an immutable field is 409 as on PATCH;
 * - `POST /connectors/filter-preview` answers with the sync engine's filter, folders first;
 * - `GET /connectors/permissions` says who may create connectors.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { startSamba, type SambaInstance } from "../../harness/samba.js";
import { startTestServer, type TestServer } from "../../harness/server.js";
import { createUserWithToken } from "../../harness/api-helpers.js";

const SMB = "/api/v1/smb-connectors";

describe("connection test before saving, and of edited fields", () => {
  let samba: SambaInstance;
  let s: TestServer;
  let shareId: string;
  let otherShareId: string;
  const body = (over: Record<string, unknown> = {}) => ({
    name: "Finance",
    server_host: samba.host,
    server_port: samba.port,
    share_name: "share",
    domain: samba.domain,
    username: samba.username,
    password: samba.password,
    target_share_id: shareId,
    target_path: "/In/Here",
    ...over,
  });

  before(async () => {
    samba = await startSamba();
    s = await startTestServer({ withFeatureRoutes: true });
    shareId = (await s.api("POST", "/api/v1/shares", { json: { name: "Dept" } })).body.id;
    otherShareId = (await s.api("POST", "/api/v1/shares", { json: { name: "Other" } })).body.id;
  });
  after(async () => {
    await s?.close();
    await samba?.stop();
  });

  test("POST /test with a create body connects and stores nothing", async () => {
    const ok = await s.api("POST", `${SMB}/test`, { json: body() });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.deepEqual(Object.keys(ok.body).sort(), ["error", "message", "success"]);
    assert.equal(ok.body.success, true, JSON.stringify(ok.body));
    assert.equal((await s.api("GET", SMB)).body.items.length, 0);
    const folder = await s.api("GET", `/api/v1/shares/${shareId}/files?path=${encodeURIComponent("/In")}`);
    assert.equal(folder.status, 404, "the target folder is not created");

    const wrong = await s.api("POST", `${SMB}/test`, { json: body({ password: "not the password" }) });
    assert.equal(wrong.status, 200);
    assert.equal(wrong.body.success, false);
    assert.equal(wrong.body.error, "STATUS_LOGON_FAILURE");
    const noShare = await s.api("POST", `${SMB}/test`, { json: body({ share_name: "nosuchshare" }) });
    assert.equal(noShare.body.error, "STATUS_BAD_NETWORK_NAME");
  });

  test("POST /test validates like create", async () => {
    const { password: _p, ...noPassword } = body();
    const missing = await s.api("POST", `${SMB}/test`, { json: noPassword });
    assert.equal(missing.status, 400, JSON.stringify(missing.body));
    assert.equal(missing.body.error.code, "VALIDATION_FAILED");
    const badBase = await s.api("POST", `${SMB}/test`, { json: body({ base_path: "../up" }) });
    assert.equal(badBase.status, 400);
    assert.equal(badBase.body.error.details.field, "base_path");
    const noSuchShare = await s.api("POST", `${SMB}/test`, {
      json: body({ target_share_id: "shr_00000000000000000000000000" }),
    });
    assert.equal(noSuchShare.status, 400, JSON.stringify(noSuchShare.body));
    assert.equal(noSuchShare.body.error.details.field, "target_share_id");
  });

  test("POST /{id}/test tests edited fields without saving them; no body tests the stored configuration", async () => {
    const created = await s.api("POST", SMB, { json: body() });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = created.body.id;
    const bare = await s.api("POST", `${SMB}/${id}/test`);
    assert.equal(bare.status, 200, JSON.stringify(bare.body));
    assert.equal(bare.body.success, true);
    assert.equal((await s.api("POST", `${SMB}/${id}/test`, { json: {} })).body.success, true);

    const wrong = await s.api("POST", `${SMB}/${id}/test`, { json: { password: "not the password" } });
    assert.equal(wrong.status, 200, JSON.stringify(wrong.body));
    assert.equal(wrong.body.error, "STATUS_LOGON_FAILURE");
    const moved = await s.api("POST", `${SMB}/${id}/test`, {
      json: { share_name: "nosuchshare", password: samba.password, name: "Renamed" },
    });
    assert.equal(moved.body.error, "STATUS_BAD_NETWORK_NAME");
    const now = (await s.api("GET", `${SMB}/${id}`)).body;
    assert.equal(now.share_name, "share");
    assert.equal(now.name, "Finance");
    assert.equal((await s.api("POST", `${SMB}/${id}/test`)).body.success, true, "the stored password is unchanged");

    const immutable = await s.api("POST", `${SMB}/${id}/test`, { json: { target_share_id: otherShareId } });
    assert.equal(immutable.status, 409, JSON.stringify(immutable.body));
    assert.equal(immutable.body.error.code, "IMMUTABLE_FIELD");
    const unknown = await s.api("POST", `${SMB}/${id}/test`, { json: { bogus: 1 } });
    assert.equal(unknown.status, 400);
  });

  test("filter preview: the engine's verdicts, folders first, in words", async () => {
    const r = await s.api("POST", "/api/v1/connectors/filter-preview", {
      json: {
        include_patterns: { extensions: ["pdf", ".DOCX"] },
        exclude_patterns: { patterns: ["~$*", "Archive"], extensions: ["tmp"] },
        names: ["Report.PDF", "notes.txt", "~$report.docx", "Archive/old.pdf", "x.TMP", "a/b/Plan.docx", "Archive/"],
      },
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const byName = Object.fromEntries(r.body.results.map((v: { name: string }) => [v.name, v]));
    assert.equal(byName["Report.PDF"].included, true);
    assert.equal(byName["Report.PDF"].message, "would be synced");
    assert.equal(byName["notes.txt"].reason, "not_included");
    assert.equal(byName["~$report.docx"].reason, "excluded");
    assert.equal(byName["Archive/old.pdf"].reason, "inside_skipped_folder");
    assert.match(byName["Archive/old.pdf"].message, /its folder Archive is skipped/);
    assert.equal(byName["x.TMP"].reason, "excluded");
    assert.equal(byName["a/b/Plan.docx"].included, true);
    assert.equal(byName["Archive/"].reason, "excluded");

    const hidden = await s.api("POST", "/api/v1/connectors/filter-preview", {
      json: { names: ["x.txt"], hidden: true, sync_hidden_files: false },
    });
    assert.equal(hidden.body.results[0].reason, "hidden");
    const tooMany = await s.api("POST", "/api/v1/connectors/filter-preview", {
      json: { names: Array.from({ length: 21 }, (_, i) => `f${i}`) },
    });
    assert.equal(tooMany.status, 400);
    const costly = await s.api("POST", "/api/v1/connectors/filter-preview", {
      json: { names: ["x"], exclude_patterns: { patterns: Array.from({ length: 20 }, () => "*a".repeat(250)) } },
    });
    assert.equal(costly.status, 400, JSON.stringify(costly.body));
    assert.match(costly.body.error.message, /at most 8192 characters/);
    const anonymous = await s.api("POST", "/api/v1/connectors/filter-preview", {
      token: null,
      json: { names: ["x"] },
    });
    assert.equal(anonymous.status, 401);
  });

  test("permissions: administrators may create; others not under the default setting", async () => {
    const admin = await s.api("GET", "/api/v1/connectors/permissions");
    assert.deepEqual(admin.body, { can_create: true, creators: "admins" });
    const user = await createUserWithToken(s.api, "someone");
    const mine = await s.api("GET", "/api/v1/connectors/permissions", { token: user.token });
    assert.deepEqual(mine.body, { can_create: false, creators: "admins" });
  });
});
