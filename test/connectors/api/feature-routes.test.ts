/**
 * The production wiring: the application context builds the sync engine, `featureRoutes` of
 * routes/index.ts mounts the SMB connector routes, the scheduler starts with the app and stops on close (the server
 * closes
 * cleanly while a run against an unreachable host is in progress).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { startTestServer } from "../../harness/server.js";
import { freePort } from "../../harness/free-port.js";

test("featureRoutes mounts /api/v1/smb-connectors with the engine running", async () => {
  const s = await startTestServer({ withFeatureRoutes: true });
  try {
    const share = await s.api("POST", "/api/v1/shares", { json: { name: "Wired" } });
    const port = await freePort();
    const c = await s.api("POST", "/api/v1/smb-connectors", {
      json: {
        name: "n",
        server_host: "127.0.0.1",
        server_port: port,
        share_name: "s",
        username: "u",
        password: "Wiring-Secret-9",
        target_share_id: share.body.id,
      },
    });
    assert.equal(c.status, 201, JSON.stringify(c.body));
    assert.equal(c.body.target_path, "/");
    const job = await s.api("POST", `/api/v1/smb-connectors/${c.body.id}/sync`);
    assert.equal(job.status, 202);
    assert.equal(s.built.context.engine.types.get("smb")?.remoteName, "smb");
    const doc = await s.api("GET", "/api/v1/openapi.json");
    assert.ok(doc.body.paths["/api/v1/smb-connectors/{id}/jobs/{job_id}/cancel"]);
  } finally {
    // Closing cancels the run (which is retrying the closed port) before the database closes.
    await s.close();
  }
});
