/**
 * The optional `remote_display_name` of an identity mapping: kept (trimmed) and shown by create, list and get;
 * blank or absent is null; never used for matching (a second mapping of the same principal under another label is
 * still 409 ALREADY_EXISTS); too long is a 400 that names the field. On SQLite and PostgreSQL (migration 0104).
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { startConnectorApiServer, type ConnectorApiServer } from "./connector-api-server.js";

const BASE = "/api/v1/smb-connectors";

for (const dialect of ["sqlite", "postgres"] as const)
  describe(`identity mappings: remote_display_name (${dialect})`, () => {
    let s: ConnectorApiServer;
    let connectorId: string;
    let userId: string;

    before(async () => {
      s = await startConnectorApiServer({ schedulerTickMs: 3_600_000 }, { dialect });
      const shareId = (await s.api("POST", "/api/v1/shares", { json: { name: "Labels" } })).body.id;
      const c = await s.api("POST", BASE, {
        json: {
          name: "Labels",
          server_host: "127.0.0.1",
          share_name: "share",
          username: "svc",
          password: "secret password",
          target_share_id: shareId,
        },
      });
      assert.equal(c.status, 201, JSON.stringify(c.body));
      connectorId = c.body.id;
      userId = (await s.user("mapped")).id;
    });
    after(async () => s?.close());

    const add = (body: Record<string, unknown>) =>
      s.api("POST", `${BASE}/${connectorId}/identity-mappings`, {
        json: { identity_type: "user", scaidrive_principal_id: userId, ...body },
      });

    test("kept trimmed and shown by create, list and get", async () => {
      const r = await add({
        smb_principal: "CORP\\alice",
        remote_display_name: "  Alice Smith <alice@corp.example>  ",
      });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      assert.equal(r.body.remote_display_name, "Alice Smith <alice@corp.example>");
      const got = (await s.api("GET", `${BASE}/${connectorId}/identity-mappings/${r.body.id}`)).body;
      assert.equal(got.remote_display_name, "Alice Smith <alice@corp.example>");
      const list = (await s.api("GET", `${BASE}/${connectorId}/identity-mappings`)).body.identity_mappings;
      assert.equal(list.find((m: { id: string }) => m.id === r.body.id).remote_display_name, got.remote_display_name);
    });

    test("absent, null or blank: null", async () => {
      for (const [principal, label] of [
        ["CORP\\bob", undefined],
        ["CORP\\carol", null],
        ["CORP\\dave", "   "],
      ] as const) {
        const r = await add({
          smb_principal: principal,
          ...(label !== undefined ? { remote_display_name: label } : {}),
        });
        assert.equal(r.status, 201, JSON.stringify(r.body));
        assert.equal(r.body.remote_display_name, null, principal);
      }
    });

    test("never matched on: the same principal under another label is 409 ALREADY_EXISTS", async () => {
      const r = await add({ smb_principal: "corp\\ALICE", remote_display_name: "Someone else" });
      assert.equal(r.status, 409);
      assert.equal(r.body.error.code, "ALREADY_EXISTS");
      assert.match(r.body.error.message, /already mapped/);
    });

    test("longer than 512 characters: 400 naming the field", async () => {
      const r = await add({ smb_principal: "CORP\\erin", remote_display_name: "x".repeat(513) });
      assert.equal(r.status, 400);
      assert.match(JSON.stringify(r.body.error), /remote_display_name/);
    });
  });
