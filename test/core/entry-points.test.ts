import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { startTestServer, type TestServer } from "../harness/server.js";
import { createUserWithToken } from "../harness/api-helpers.js";

/**
 * GET /shares/{id}/entry-points: someone given a folder deep in a share (but not its root) lists the
 * share yet cannot list its root; this is where a client takes them instead.
 */
describe("share entry points", () => {
  let s: TestServer;
  let shareId: string;
  let ann: { id: string; token: string };
  let bob: { id: string; token: string };
  const acl = async (path: string, aces: { principal_id: string; permissions: string[] }[], inherit = true) => {
    const r = await s.api("PUT", `/api/v1/shares/${shareId}/acl?path=${encodeURIComponent(path)}`, {
      json: { aces, inherit },
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
  };
  const entries = async (token: string) => {
    const r = await s.api("GET", `/api/v1/shares/${shareId}/entry-points`, { token });
    return { status: r.status, paths: r.status === 200 ? r.body.items.map((n: any) => n.path) : r.body };
  };

  before(async () => {
    s = await startTestServer();
    ann = await createUserWithToken(s.api, "ann");
    bob = await createUserWithToken(s.api, "bob");
    shareId = (await s.api("POST", "/api/v1/shares", { json: { name: "Company" } })).body.id;
    for (const path of ["/Team/Plans", "/Team/Closed/Inner", "/Other/Deep", "/Hidden"])
      await s.api("POST", `/api/v1/shares/${shareId}/folders`, { json: { path } });
    await s.api("PUT", `/api/v1/shares/${shareId}/content?path=${encodeURIComponent("/Other/Deep/memo.txt")}`, {
      raw: "memo",
    });
    const group = (await s.api("POST", "/api/v1/groups", { json: { name: "Editors" } })).body.id;
    await s.api("POST", `/api/v1/groups/${group}/members`, { json: { user_id: ann.id } });
    await acl("/Team", [{ principal_id: group, permissions: ["READ", "WRITE"] }]);
    // Below a readable folder: not an entry point of its own.
    await acl("/Team/Plans", [{ principal_id: ann.id, permissions: ["READ"] }]);
    // Below a folder that breaks inheritance: Ann cannot read Closed, so Inner is where she gets in.
    await acl("/Team/Closed", [], false);
    await acl("/Team/Closed/Inner", [{ principal_id: ann.id, permissions: ["READ"] }]);
    await acl("/Other/Deep/memo.txt", [{ principal_id: ann.id, permissions: ["READ"] }]);
    // An ACE without READ opens nothing.
    await acl("/Hidden", [{ principal_id: ann.id, permissions: ["WRITE"] }]);
  });
  after(async () => {
    await s?.close();
  });

  test("the topmost readable nodes, by path, for someone who cannot read the root", async () => {
    const r = await s.api("GET", `/api/v1/shares/${shareId}/files?path=/`, { token: ann.token });
    assert.equal(r.status, 404, "the root itself stays unreadable");
    assert.deepEqual(await entries(ann.token), {
      status: 200,
      paths: ["/Other/Deep/memo.txt", "/Team", "/Team/Closed/Inner"],
    });
  });

  test("the root for whoever can read it; 404 for a share the caller cannot see", async () => {
    assert.deepEqual(await entries(s.adminToken), { status: 200, paths: ["/"] });
    const missing = await entries(bob.token);
    assert.equal(missing.status, 404);
    assert.equal(missing.paths.error.code, "NOT_FOUND");
    await acl("/", [{ principal_id: bob.id, permissions: ["READ"] }]);
    assert.deepEqual(await entries(bob.token), { status: 200, paths: ["/"] });
  });
});
