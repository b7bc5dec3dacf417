/**
 * The generic connector surface without a live SMB peer: field validation (400 naming the field),
 * defaults, MANAGE_PERMISSIONS (403), visibility (404), IMMUTABLE_FIELD (409), write-only
 * secrets, identity-mapping validation, pagination and the OpenAPI description.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { startConnectorApiServer, type ConnectorApiServer } from "./connector-api-server.js";

const BASE = "/api/v1/smb-connectors";

for (const dialect of ["sqlite", "postgres"] as const)
  describe(`connector API: validation and access (${dialect})`, () => {
    let s: ConnectorApiServer;
    let shareId: string;
    const valid = () => ({
      name: "Finance Fileserver",
      server_host: "fs01.corp.example.com",
      share_name: "Finance",
      username: "scaidrive-svc",
      password: "Validation-Secret-42",
      target_share_id: shareId,
      target_path: "/From Fileserver",
    });

    before(async () => {
      s = await startConnectorApiServer({}, { dialect });
      shareId = (await s.api("POST", "/api/v1/shares", { json: { name: "Finance" } })).body.id;
    });
    after(async () => {
      await s?.close();
    });

    test("create applies documented defaults, creates target_path and never returns the password", async () => {
      const r = await s.api("POST", BASE, { json: valid() });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      assert.match(r.body.id, /^cnn_/);
      assert.equal(r.body.server_port, 445);
      assert.equal(r.body.base_path, "");
      assert.equal(r.body.domain, "");
      assert.equal(r.body.sync_direction, "smb_to_scaidrive");
      assert.equal(r.body.conflict_resolution, "LAST_WRITER_WINS");
      assert.equal(r.body.sync_interval_minutes, 0);
      assert.equal(r.body.sync_hidden_files, false);
      assert.equal(r.body.sync_system_files, false);
      assert.equal(r.body.sync_permissions, false);
      assert.equal(r.body.max_delete_percent, 50);
      assert.equal(r.body.password_set, true);
      assert.equal("password" in r.body, false);
      const stat = await s.api(
        "GET",
        `/api/v1/shares/${shareId}/files/stat?path=${encodeURIComponent("/From Fileserver")}`,
      );
      assert.equal(stat.status, 200);
      assert.equal(stat.body.type, "folder");
      const got = await s.api("GET", `${BASE}/${r.body.id}`);
      assert.equal(got.status, 200);
      assert.equal(got.body.password_set, true);
      assert.doesNotMatch(JSON.stringify(got.body), /Validation-Secret-42/);
      assert.doesNotMatch(s.logText(), /Validation-Secret-42/);
    });

    const badCases: Array<[string, Record<string, unknown>, string]> = [
      ["missing server_host", { server_host: undefined }, "server_host"],
      ["port 0", { server_port: 0 }, "server_port"],
      ["port 65536", { server_port: 65536 }, "server_port"],
      ["port as text", { server_port: "abc" }, "server_port"],
      ["empty share_name", { share_name: "" }, "share_name"],
      ["share_name with a slash", { share_name: "a/b" }, "share_name"],
      ["absolute base_path", { base_path: "/2026" }, "base_path"],
      ["base_path escaping the share", { base_path: "2026/../../etc" }, "base_path"],
      ["relative target_path", { target_path: "From Fileserver" }, "target_path"],
      ["target_path with ..", { target_path: "/a/../b" }, "target_path"],
      ["unknown direction", { sync_direction: "both_ways" }, "sync_direction"],
      ["SharePoint spelling", { sync_direction: "sharepoint_to_scaidrive" }, "sync_direction"],
      ["unknown conflict strategy", { conflict_resolution: "NEWEST" }, "conflict_resolution"],
      ["negative interval", { sync_interval_minutes: -1 }, "sync_interval_minutes"],
      ["fractional interval", { sync_interval_minutes: 1.5 }, "sync_interval_minutes"],
      ["include_patterns not an object", { include_patterns: ["pdf"] }, "include_patterns"],
      ["include_patterns unknown key", { include_patterns: { suffixes: ["pdf"] } }, "include_patterns.suffixes"],
      [
        "exclude_patterns.patterns not strings",
        { exclude_patterns: { patterns: [{ glob: "*" }] } },
        "exclude_patterns.patterns.0",
      ],
      [
        "more than 200 exclude patterns",
        { exclude_patterns: { patterns: Array.from({ length: 201 }, (_, i) => `p${i}`) } },
        "exclude_patterns.patterns",
      ],
      [
        "an include pattern over 512 characters",
        { include_patterns: { patterns: ["*.tmp", `${"*a".repeat(256)}b`] } },
        "include_patterns.patterns.1",
      ],
      ["unknown field", { colour: "blue" }, "colour"],
      ["missing password", { password: undefined }, "password"],
      ["bad share id", { target_share_id: "shr_nope" }, "target_share_id"],
      ["missing name", { name: undefined }, "name"],
    ];
    for (const [what, change, field] of badCases) {
      test(`400 VALIDATION_FAILED naming ${field}: ${what}`, async () => {
        const body: Record<string, unknown> = { ...valid(), ...change };
        for (const k of Object.keys(change)) if (change[k] === undefined) delete body[k];
        const r = await s.api("POST", BASE, { json: body });
        assert.equal(r.status, 400, JSON.stringify(r.body));
        assert.equal(r.body.error.code, "VALIDATION_FAILED");
        assert.equal(r.body.error.details.field, field, JSON.stringify(r.body));
      });
    }

    test("unknown target share is a 400 naming target_share_id; no connector is left behind", async () => {
      const before = (await s.api("GET", `${BASE}?limit=1000`)).body.items.length;
      const r = await s.api("POST", BASE, { json: { ...valid(), target_share_id: "shr_01J3H000000000000000000000" } });
      assert.equal(r.status, 400);
      assert.equal(r.body.error.details.field, "target_share_id");
      assert.equal((await s.api("GET", `${BASE}?limit=1000`)).body.items.length, before);
    });

    test("403 without MANAGE_PERMISSIONS, 404 for a connector whose share the caller cannot read", async () => {
      const reader = await s.user("reader");
      const stranger = await s.user("stranger");
      const acl = await s.api("PUT", `/api/v1/shares/${shareId}/acl?path=/`, {
        json: { aces: [{ principal_id: reader.id, permissions: ["READ"] }], inherit: true },
      });
      assert.equal(acl.status, 200, JSON.stringify(acl.body));
      const denied = await s.api("POST", BASE, { token: reader.token, json: valid() });
      assert.equal(denied.status, 403);
      assert.equal(denied.body.error.code, "FORBIDDEN");

      const created = await s.api("POST", BASE, { json: valid() });
      const id = created.body.id;
      // READ on the share: the connector is visible, but not changeable.
      assert.equal((await s.api("GET", `${BASE}/${id}`, { token: reader.token })).status, 200);
      assert.ok(
        (await s.api("GET", `${BASE}?limit=1000`, { token: reader.token })).body.items.some((c: any) => c.id === id),
      );
      assert.equal((await s.api("GET", `${BASE}/${id}/jobs`, { token: reader.token })).status, 200);
      const patch = await s.api("PATCH", `${BASE}/${id}`, { token: reader.token, json: { sync_interval_minutes: 5 } });
      assert.equal(patch.status, 403);
      assert.equal((await s.api("DELETE", `${BASE}/${id}`, { token: reader.token })).status, 403);
      assert.equal((await s.api("POST", `${BASE}/${id}/sync`, { token: reader.token })).status, 403);
      // No access to the share: the connector does not exist for the caller.
      for (const [m, p] of [
        ["GET", `${BASE}/${id}`],
        ["GET", `${BASE}/${id}/jobs`],
        ["GET", `${BASE}/${id}/file-states`],
        ["POST", `${BASE}/${id}/test`],
        ["DELETE", `${BASE}/${id}`],
      ] as const) {
        const r = await s.api(m, p, { token: stranger.token });
        assert.equal(r.status, 404, `${m} ${p}`);
        assert.equal(r.body.error.code, "NOT_FOUND");
      }
      assert.equal((await s.api("GET", `${BASE}?limit=1000`, { token: stranger.token })).body.items.length, 0);
      assert.equal((await s.api("GET", `${BASE}/cnn_01J5X000000000000000000000`)).status, 404);
      assert.equal((await s.api("GET", `${BASE}/${id}/jobs/job_01J6A000000000000000000000`)).status, 404);
      assert.equal(
        (await s.api("DELETE", `${BASE}/${id}/identity-mappings/map_01J6B000000000000000000000`)).status,
        404,
      );
    });

    test(
      "PATCH: target_share_id is immutable (409), other " + "fields validate and change, the password rotates",
      async () => {
        const other = (await s.api("POST", "/api/v1/shares", { json: { name: "Other" } })).body.id;
        const c = (await s.api("POST", BASE, { json: valid() })).body;
        const imm = await s.api("PATCH", `${BASE}/${c.id}`, { json: { target_share_id: other } });
        assert.equal(imm.status, 409);
        assert.equal(imm.body.error.code, "IMMUTABLE_FIELD");
        assert.equal(imm.body.error.details.field, "target_share_id");
        const bad = await s.api("PATCH", `${BASE}/${c.id}`, { json: { server_port: 70000 } });
        assert.equal(bad.status, 400);
        assert.equal(bad.body.error.details.field, "server_port");
        const badBase = await s.api("PATCH", `${BASE}/${c.id}`, { json: { base_path: "../up" } });
        assert.equal(badBase.status, 400);
        assert.equal(badBase.body.error.details.field, "base_path");
        // {} is a save without changes (it re-enables a connector an auth failure disabled), not an error.
        const empty = await s.api("PATCH", `${BASE}/${c.id}`, { json: {} });
        assert.equal(empty.status, 200, JSON.stringify(empty.body));
        assert.equal(empty.body.enabled, true);
        // A connector an administrator disabled stays disabled on a save; enabled: true turns it back on.
        assert.equal((await s.api("PATCH", `${BASE}/${c.id}`, { json: { enabled: false } })).body.enabled, false);
        const stillOff = await s.api("PATCH", `${BASE}/${c.id}`, { json: {} });
        assert.equal(stillOff.body.enabled, false);
        assert.equal(stillOff.body.status_reason, "disabled by an administrator");
        assert.equal((await s.api("PATCH", `${BASE}/${c.id}`, { json: { enabled: true } })).body.enabled, true);
        const unknown = await s.api("PATCH", `${BASE}/${c.id}`, { json: { no_such_field: 1 } });
        assert.equal(unknown.status, 400, "unknown fields are still refused");
        const ok = await s.api("PATCH", `${BASE}/${c.id}`, {
          json: {
            sync_interval_minutes: 60,
            username: "new-svc",
            password: "Rotated-Secret-77",
            exclude_patterns: { patterns: ["~$*"] },
          },
        });
        assert.equal(ok.status, 200, JSON.stringify(ok.body));
        assert.equal(ok.body.sync_interval_minutes, 60);
        assert.equal(ok.body.username, "new-svc");
        assert.equal(ok.body.server_port, 445, "PATCH does not reset unspecified fields to defaults");
        assert.deepEqual(ok.body.exclude_patterns, { patterns: ["~$*"] });
        assert.equal(ok.body.password_set, true);
        const moved = await s.api("PATCH", `${BASE}/${c.id}`, { json: { target_path: "/Elsewhere//Deep/" } });
        assert.equal(moved.status, 200);
        assert.equal(moved.body.target_path, "/Elsewhere/Deep");
        const folder = await s.api(
          "GET",
          `/api/v1/shares/${shareId}/files/stat?path=${encodeURIComponent("/Elsewhere/Deep")}`,
        );
        assert.equal(folder.body.type, "folder", "a new target_path is created too");
        const stored = await s.runtime.stores.connectors.get(c.id);
        assert.doesNotMatch(JSON.stringify(stored), /Rotated-Secret-77/, "the password is sealed at rest");
        assert.equal(s.built.context.vault.open(stored!.secrets.password!), "Rotated-Secret-77");
        assert.doesNotMatch(s.logText(), /Rotated-Secret-77/);
      },
    );

    test("identity mappings validate type/prefix and existence, and refuse duplicates", async () => {
      const c = (await s.api("POST", BASE, { json: valid() })).body;
      const u = await s.user("alice");
      const path = `${BASE}/${c.id}/identity-mappings`;
      const wrongPrefix = await s.api("POST", path, {
        json: { identity_type: "group", smb_principal: "CORP\\alice", scaidrive_principal_id: u.id },
      });
      assert.equal(wrongPrefix.status, 400);
      assert.equal(wrongPrefix.body.error.details.field, "scaidrive_principal_id");
      const unknown = await s.api("POST", path, {
        json: {
          identity_type: "user",
          smb_principal: "CORP\\bob",
          scaidrive_principal_id: "usr_01J4M000000000000000000000",
        },
      });
      assert.equal(unknown.status, 400);
      const badType = await s.api("POST", path, {
        json: { identity_type: "robot", smb_principal: "CORP\\x", scaidrive_principal_id: u.id },
      });
      assert.equal(badType.status, 400);
      assert.equal(badType.body.error.details.field, "identity_type");
      const ok = await s.api("POST", path, {
        json: { identity_type: "user", smb_principal: "CORP\\alice", scaidrive_principal_id: u.id },
      });
      assert.equal(ok.status, 201);
      assert.match(ok.body.id, /^map_/);
      const dup = await s.api("POST", path, {
        json: { identity_type: "user", smb_principal: "corp\\ALICE", scaidrive_principal_id: u.id },
      });
      assert.equal(dup.status, 409, "remote principals are case-insensitive");
      assert.equal(dup.body.error.code, "ALREADY_EXISTS");
      const one = await s.api("GET", `${path}/${ok.body.id}`);
      assert.equal(one.body.smb_principal, "CORP\\alice");
    });

    test("lists paginate with limit and next_cursor", async () => {
      const ids = new Set<string>();
      let cursor: string | null = null;
      let pages = 0;
      do {
        const r: { body: any } = await s.api(
          "GET",
          `${BASE}?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
        );
        assert.ok(r.body.items.length <= 2);
        for (const c of r.body.items) ids.add(c.id);
        cursor = r.body.next_cursor;
        pages++;
      } while (cursor && pages < 50);
      const all = (await s.api("GET", `${BASE}?limit=1000`)).body.items;
      assert.equal(ids.size, all.length);
      assert.ok(pages >= 2);
      const badCursor = await s.api("GET", `${BASE}?cursor=garbage`);
      assert.equal(badCursor.status, 400);
      assert.equal(badCursor.body.error.details.field, "cursor");
    });

    test("OpenAPI documents the connector fields with their help text", async () => {
      const doc = await s.api("GET", "/api/v1/openapi.json");
      const post = doc.body.paths[BASE].post;
      // Each type's create body is one named component the operation refers to.
      const ref: string = post.requestBody.content["application/json"].schema.$ref;
      assert.match(ref, /^#\/components\/schemas\//);
      const schema = doc.body.components.schemas[ref.split("/").pop()!];
      assert.match(schema.properties.server_port.description, /default 445/);
      assert.match(schema.properties.sync_interval_minutes.description, /0 \(default\) disables/);
      assert.ok(doc.body.paths[`${BASE}/{id}/identity-mappings/{map_id}`]);
    });
  });
