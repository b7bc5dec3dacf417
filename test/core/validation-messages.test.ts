/**
 * Validation errors a client can act on: every problem of a body at once, an enum's or a union's
 * allowed values, known fields for an unknown one, the id form instead of its regular expression,
 * and the expected Content-Type when it is missing or wrong.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { startTestServer, type TestServer } from "../harness/server.js";

describe("validation messages", () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer({ withFeatureRoutes: true });
  });
  after(async () => s?.close());

  test("every missing field is reported at once", async () => {
    const r = await s.api("POST", "/api/v1/smb-connectors", { json: { name: "x" } });
    assert.equal(r.status, 400, JSON.stringify(r.body));
    const fields = r.body.error.details.errors.map((e: { field: string }) => e.field).sort();
    assert.deepEqual(fields, ["password", "server_host", "share_name", "target_share_id", "username"]);
    for (const f of fields) assert.match(r.body.error.message, new RegExp(`${f} is required`));
  });

  test("an enum or a union of constants lists its allowed values", async () => {
    const shareId = (await s.api("POST", "/api/v1/shares", { json: { name: "V" } })).body.id;
    const base = {
      name: "x",
      server_host: "fs",
      share_name: "s",
      username: "u",
      password: "p",
      target_share_id: shareId,
    };
    const dir = await s.api("POST", "/api/v1/smb-connectors", { json: { ...base, sync_direction: "sideways" } });
    assert.equal(dir.status, 400);
    assert.equal(dir.body.error.details.field, "sync_direction");
    assert.match(
      dir.body.error.message,
      /sync_direction must be one of: bidirectional, smb_to_scaidrive, scaidrive_to_smb/,
    );
    const auth = await s.api("POST", "/api/v1/sharepoint-connectors", {
      json: {
        name: "x",
        drive_id: "b!x",
        azure_tenant_id: "t",
        azure_client_id: "c",
        target_share_id: shareId,
        auth_type: "password",
      },
    });
    assert.equal(auth.status, 400);
    assert.equal(auth.body.error.details.field, "auth_type");
    assert.match(auth.body.error.message, /auth_type must be one of: app_auth, user_auth/);
    const perm = await s.api("PUT", `/api/v1/shares/${shareId}/acl?path=/`, {
      json: { aces: [{ principal_id: "usr_x", permissions: ["READ", "FLY"] }] },
    });
    assert.equal(perm.status, 400);
    assert.match(
      perm.body.error.message,
      /aces\.0\.permissions\.1 must be one of: READ, WRITE, DELETE, MANAGE_PERMISSIONS/,
    );
  });

  test("ids are described by their form, not a regular expression", async () => {
    const r = await s.api("POST", "/api/v1/smb-connectors", {
      json: { name: "x", server_host: "fs", share_name: "s", username: "u", password: "p", target_share_id: "Finance" },
    });
    assert.equal(r.status, 400);
    assert.equal(r.body.error.details.field, "target_share_id");
    assert.match(r.body.error.message, /target_share_id must be a share id \(shr_…\)/);
    assert.doesNotMatch(r.body.error.message, /0-9A-HJKMNP/);
    const acl = await s.api("POST", "/api/v1/groups/grp_nope/members", { json: { user_id: "ann@example.com" } });
    assert.equal(acl.status, 400);
    assert.match(acl.body.error.message, /must be a (group|user) id \((grp|usr)_…\)/);
  });

  test("an unknown field names the known ones", async () => {
    const r = await s.api("POST", "/api/v1/shares", { json: { name: "x", colour: "red" } });
    assert.equal(r.status, 400);
    assert.equal(r.body.error.details.field, "colour");
    assert.match(r.body.error.message, /colour is not a known field \(known: name, description\)/);
  });

  test("a body without Content-Type says which one is expected", async () => {
    for (const headers of [{}, { "content-type": "text/plain" }] as Array<Record<string, string>>) {
      const res = await fetch(`${s.url}/api/v1/shares`, {
        method: "POST",
        headers: { authorization: `Bearer ${s.adminToken}`, ...headers },
        body: '{"name":"x"}',
      });
      const body = (await res.json()) as { error: { code: string; message: string } };
      assert.equal(res.status, 415);
      assert.equal(body.error.code, "UNSUPPORTED_MEDIA_TYPE");
      assert.match(body.error.message, /Content-Type: application\/json/);
    }
  });
});
