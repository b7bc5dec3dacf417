/**
 * `next_run_at` of the connector view, computed by the scheduler's own rule (sync-schedule.ts): with an interval it
 * is the interval after the creation, then after the newest job (a failed run to a closed port here); manual-only
 * and disabled connectors have none; readers of the target share see it too. The scheduler timer is kept out of the
 * way (one-hour tick) so only the requests of the test make jobs.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { freePort } from "../../harness/free-port.js";
import { startConnectorApiServer, type ConnectorApiServer } from "./connector-api-server.js";

const BASE = "/api/v1/smb-connectors";
const MINUTE = 60_000;

describe("connector view: next_run_at", () => {
  let s: ConnectorApiServer;
  let shareId: string;
  let closedPort: number;

  const create = async (over: Record<string, unknown>) => {
    const r = await s.api("POST", BASE, {
      json: {
        name: "Schedule",
        server_host: "127.0.0.1",
        server_port: closedPort,
        share_name: "share",
        username: "svc",
        password: "secret password",
        target_share_id: shareId,
        ...over,
      },
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return r.body;
  };

  before(async () => {
    closedPort = await freePort();
    s = await startConnectorApiServer({ schedulerTickMs: 3_600_000 });
    shareId = (await s.api("POST", "/api/v1/shares", { json: { name: "Next run" } })).body.id;
  });
  after(async () => s?.close());

  test("an interval: due that long after the creation, then after the newest run", async () => {
    const c = await create({ sync_interval_minutes: 30 });
    assert.equal(Date.parse(c.next_run_at), Date.parse(c.created_at) + 30 * MINUTE);
    const read = (await s.api("GET", `${BASE}/${c.id}`)).body;
    assert.equal(read.next_run_at, c.next_run_at);

    const started = await s.api("POST", `${BASE}/${c.id}/sync`);
    assert.equal(started.status, 202, JSON.stringify(started.body));
    const job = await s.waitJob(c.id, started.body.id);
    assert.equal(job.status, "failed");
    const after = (await s.api("GET", `${BASE}/${c.id}`)).body;
    assert.equal(Date.parse(after.next_run_at), Date.parse(job.created_at) + 30 * MINUTE);
    assert.ok(Date.parse(after.next_run_at) > Date.parse(job.created_at), "after the last run");
    const listed = (await s.api("GET", BASE)).body.items.find((i: { id: string }) => i.id === c.id);
    assert.equal(listed.next_run_at, after.next_run_at);

    // A changed interval moves it at once.
    const patched = (await s.api("PATCH", `${BASE}/${c.id}`, { json: { sync_interval_minutes: 5 } })).body;
    assert.equal(Date.parse(patched.next_run_at), Date.parse(job.created_at) + 5 * MINUTE);
  });

  test("manual only (interval 0): null", async () => {
    const c = await create({ sync_interval_minutes: 0 });
    assert.equal(c.next_run_at, null);
    assert.equal((await s.api("GET", `${BASE}/${c.id}`)).body.next_run_at, null);
  });

  test("disabled: null, back when enabled again", async () => {
    const c = await create({ sync_interval_minutes: 60, enabled: false });
    assert.equal(c.next_run_at, null);
    const enabled = (await s.api("PATCH", `${BASE}/${c.id}`, { json: { enabled: true } })).body;
    assert.equal(Date.parse(enabled.next_run_at), Date.parse(c.created_at) + 60 * MINUTE);
    const disabled = (await s.api("PATCH", `${BASE}/${c.id}`, { json: { enabled: false } })).body;
    assert.equal(disabled.next_run_at, null);
  });

  test("a reader of the target share sees it; the OpenAPI document declares it", async () => {
    const c = await create({ sync_interval_minutes: 15 });
    const reader = await s.user("reader");
    const acl = await s.api("PUT", `/api/v1/shares/${shareId}/acl?path=/`, {
      json: { aces: [{ principal_id: reader.id, permissions: ["READ"] }], inherit: true },
    });
    assert.ok(acl.status < 300, JSON.stringify(acl.body));
    const seen = (await s.api("GET", `${BASE}/${c.id}`, { token: reader.token })).body;
    assert.equal(seen.server_host, undefined, "a reader does not see where it connects");
    assert.equal(seen.next_run_at, c.next_run_at);

    const doc = (await s.api("GET", "/api/v1/openapi.json", { token: null })).body;
    const smb = doc.components.schemas.SMBConnector;
    assert.equal(smb.properties.next_run_at.format, "date-time");
    assert.match(smb.properties.next_run_at.description, /sync_interval_minutes/);
  });
});
