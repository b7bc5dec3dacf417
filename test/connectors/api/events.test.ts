/**
 * `GET /api/v1/events` against the real server and a real SMB connector run (smbd): headers of an
 * unbuffered, uncompressed event stream; a sync of a few hundred files seen as `job.state` queued →
 * running → completed with `job.progress` events in between whose counts grow and which come at
 * most about four a second; a user who cannot see the connector gets none of its events and 404 for
 * its `connector_id`, and sees them once granted READ; disable/enable and an auth failure as
 * `connector.state` events; a stream read by a session cookie that outlives the request timeout
 * and carries heartbeats; and every subscription gone once its client disconnects. On both
 * dialects: with PostgreSQL the events take the cluster bus (NOTIFY), and a single node must see
 * each of its own events exactly once.
 */
import { after, afterEach, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { startSamba, writeShareFiles, type SambaInstance } from "../../harness/samba.js";
import { startTestServer, type TestServer } from "../../harness/server.js";
import { createUserWithToken } from "../../harness/api-helpers.js";
import { signIn } from "../../harness/session-client.js";
import { EventReader } from "../../harness/event-reader.js";

const BASE = "/api/v1/smb-connectors";
const FILES = 400;
const FILE_BYTES = 64 * 1024;

for (const dialect of ["sqlite", "postgres"] as const)
  describe(`GET /api/v1/events: live connector and job events (${dialect})`, () => {
    let samba: SambaInstance;
    let s: TestServer;
    let shareId: string;
    let connectorId: string;
    let bob: { id: string; token: string };
    const open: EventReader[] = [];

    const events = (token: string, query = "") =>
      EventReader.open(`${s.url}/api/v1/events${query}`, { authorization: `Bearer ${token}` }).then((r) => {
        open.push(r);
        return r;
      });
    const subscribers = () => s.built.context.connectorEvents.subscriberCount();
    const waitSubscribers = async (n: number) => {
      for (let i = 0; i < 200 && subscribers() !== n; i++) await new Promise((r) => setTimeout(r, 25));
      assert.equal(subscribers(), n);
    };

    before(async () => {
      samba = await startSamba();
      writeShareFiles(samba, "bulk", FILES, Buffer.alloc(FILE_BYTES, "x"));
      s = await startTestServer({
        dialect,
        withFeatureRoutes: true,
        sync: { retry: { attempts: 2, baseDelayMs: 50, maxDelayMs: 100 }, progressFlushMs: 100 },
        // A short whole-request timeout, which an event stream must outlive.
        config: { requestTimeoutMs: 2000, headersTimeoutMs: 1000 },
      });
      shareId = (await s.api("POST", "/api/v1/shares", { json: { name: "Events" } })).body.id;
      const c = await s.api("POST", BASE, {
        json: {
          name: "Event Fileserver",
          server_host: samba.host,
          server_port: samba.port,
          share_name: "share",
          domain: samba.domain,
          username: samba.username,
          password: samba.password,
          target_share_id: shareId,
          target_path: "/From Fileserver",
        },
      });
      assert.equal(c.status, 201, JSON.stringify(c.body));
      connectorId = c.body.id;
      bob = await createUserWithToken(s.api, "bob");
    });
    // A failed test leaves its streams open; the next one starts without them.
    afterEach(async () => {
      for (const r of open.splice(0)) await r.close();
    });
    after(async () => {
      await s?.close();
      await samba?.stop();
    });

    test("a sync: queued, running, throttled growing progress, completed; invisible without READ", async () => {
      const admin = await events(s.adminToken);
      const filtered = await events(s.adminToken, `?connector_id=${connectorId}`);
      const outsider = await events(bob.token);
      assert.equal(admin.status, 200);
      assert.match(admin.headers.get("content-type") ?? "", /^text\/event-stream/);
      assert.equal(admin.headers.get("content-encoding"), null);
      assert.match(admin.headers.get("cache-control") ?? "", /no-cache/);
      assert.equal(admin.headers.get("x-accel-buffering"), "no");
      // The preamble arrives at once (nothing is buffered until the first event).
      await admin.waitFor("the retry hint", () => /^retry: \d+\n/.test(admin.raw), 5000);

      const started = await s.api("POST", `${BASE}/${connectorId}/sync`);
      assert.equal(started.status, 202);
      const jobId = started.body.id as string;
      await admin.waitFor("the completed job", () =>
        admin.of(connectorId, "job.state").some((e) => e.data.status === "completed"),
      );

      const states = admin.of(connectorId, "job.state").map((e) => e.data);
      assert.deepEqual(
        states.map((d) => d.status),
        ["queued", "running", "completed"],
      );
      for (const d of states) {
        assert.equal(d.job_id, jobId);
        assert.equal(d.connector_type, "smb");
        assert.equal(d.trigger, "manual");
      }
      const final = states[2]!;
      assert.equal(final.error, null);
      // The folder counts as an item too.
      assert.ok(final.files_total >= FILES, `files_total ${final.files_total}`);
      assert.equal(final.files_done, final.files_total);
      assert.equal(final.bytes_done, FILES * FILE_BYTES);
      assert.equal(final.bytes_total, FILES * FILE_BYTES, "the plan's byte total, known before the copies");

      const progress = admin.of(connectorId, "job.progress");
      assert.ok(progress.length >= 2, `progress events: ${progress.length}`);
      for (const p of progress) assert.equal(p.data.job_id, jobId);
      for (let i = 1; i < progress.length; i++) {
        assert.ok(progress[i]!.data.files_done >= progress[i - 1]!.data.files_done, "files_done never shrinks");
        assert.ok(progress[i]!.data.bytes_done >= progress[i - 1]!.data.bytes_done, "bytes_done never shrinks");
      }
      assert.ok(
        progress.some((p) => p.data.files_done > 0 && p.data.files_done < final.files_total),
        `a partial count was seen: ${JSON.stringify(progress.map((p) => p.data.files_done))}`,
      );
      assert.ok(
        progress.some((p) => p.data.bytes_done < final.bytes_total && p.data.bytes_total === final.bytes_total),
        "part-way events already carry the byte total",
      );
      const COUNTERS = [
        "files_total",
        "bytes_total",
        "files_done",
        "bytes_done",
        "files_scanned",
        "files_synced",
        "error_count",
      ];
      for (const k of COUNTERS) assert.equal(progress.at(-1)!.data[k], final[k], `final progress ${k}`);
      // Throttled: events before the final one are ≥ ~250 ms apart (server time), i.e. at most ~4 a second.
      const at = progress.map((p) => Date.parse(p.data.at));
      for (let i = 1; i < at.length - 1; i++) assert.ok(at[i]! - at[i - 1]! >= 200, `gap ${at[i]! - at[i - 1]!} ms`);
      const seconds = (at.at(-1)! - at[0]!) / 1000;
      assert.ok(progress.length <= Math.ceil(seconds * 5) + 2, `${progress.length} events in ${seconds} s`);
      // The order on the wire: ids increase, the final progress precedes the final state.
      const ids = admin.of(connectorId).map((e) => Number(e.id));
      assert.deepEqual(
        ids,
        [...ids].sort((a, b) => a - b),
      );

      // The stream filtered by connector_id got the same events.
      assert.deepEqual(
        filtered.events.map((e) => e.id),
        admin.of(connectorId).map((e) => e.id),
      );
      // A user without READ on the target share gets nothing of this connector, and 404 when naming it.
      assert.equal(outsider.status, 200);
      assert.equal(outsider.of(connectorId).length, 0);
      const denied = await events(bob.token, `?connector_id=${connectorId}`);
      assert.equal(denied.status, 404);
      assert.equal(denied.body.error.code, "NOT_FOUND");
      const unknown = await events(s.adminToken, "?connector_id=con_nope");
      assert.equal(unknown.status, 404);
      const noAuth = await fetch(`${s.url}/api/v1/events`);
      assert.equal(noAuth.status, 401);
      await noAuth.arrayBuffer();
      for (const r of [admin, filtered, outsider]) await r.close();
      await waitSubscribers(0);
    });

    test("connector state: PATCH disable/enable, disabled by an auth failure; READ grants visibility", async () => {
      const grant = await s.api("PUT", `/api/v1/shares/${shareId}/acl?path=${encodeURIComponent("/")}`, {
        json: { aces: [{ principal_id: bob.id, permissions: ["READ"] }], inherit: true },
      });
      assert.equal(grant.status, 200, JSON.stringify(grant.body));
      const reader = await events(bob.token, `?connector_id=${connectorId}`);
      assert.equal(reader.status, 200);

      assert.equal((await s.api("PATCH", `${BASE}/${connectorId}`, { json: { enabled: false } })).status, 200);
      assert.equal((await s.api("PATCH", `${BASE}/${connectorId}`, { json: { enabled: true } })).status, 200);
      await reader.waitFor("disabled and enabled", () => reader.of(connectorId, "connector.state").length >= 2);
      const [off, on] = reader.of(connectorId, "connector.state").map((e) => e.data);
      assert.equal(off.status, "disabled");
      assert.equal(off.auth_failed, false);
      assert.equal(off.connector_type, "smb");
      assert.equal(on.status, "enabled");
      assert.equal(on.status_reason, null);

      // A wrong password: the run fails CONNECTOR_AUTH_FAILED and the guard disables the connector.
      const bad = await s.api("PATCH", `${BASE}/${connectorId}`, { json: { password: "wrong-password" } });
      assert.equal(bad.status, 200, JSON.stringify(bad.body));
      assert.equal((await s.api("POST", `${BASE}/${connectorId}/sync`)).status, 202);
      // The guard's connector.state comes before the job's failed state, so wait for both.
      await reader.waitFor(
        "the auth failure",
        () =>
          reader.of(connectorId, "connector.state").length >= 3 &&
          reader.of(connectorId, "job.state").some((e) => e.data.status === "failed"),
      );
      const failed = reader.of(connectorId, "job.state").find((e) => e.data.status === "failed");
      assert.equal(failed?.data.error.code, "CONNECTOR_AUTH_FAILED");
      const disabled = reader.of(connectorId, "connector.state")[2]!.data;
      assert.equal(disabled.status, "disabled");
      assert.equal(disabled.auth_failed, true);
      assert.match(disabled.status_reason, /^authentication failed: /);
      // Its state event comes after the connector.state one (the guard runs before the end is stored).
      assert.ok(Number(failed!.id) > Number(reader.of(connectorId, "connector.state")[2]!.id));
      await reader.close();
      await waitSubscribers(0);
    });

    test("a cookie stream outlives the request timeout, carries heartbeats; closing it unsubscribes", async () => {
      const email = `eve-${Date.now()}@example.com`;
      const password = "eve-long-password-1";
      const u = await s.api("POST", "/api/v1/users", { json: { email, name: "Eve" } });
      assert.equal((await s.api("PUT", `/api/v1/users/${u.body.id}/password`, { json: { password } })).status, 204);
      const session = await signIn(s.url, email, password);
      assert.ok(session.cookie);
      const reader = await EventReader.open(`${s.url}/api/v1/events`, { cookie: session.cookie });
      open.push(reader);
      assert.equal(reader.status, 200);
      await waitSubscribers(1);
      // 15 s heartbeat; the request timeout (2 s) would have cut the stream long before.
      await reader.waitFor("a heartbeat", () => reader.raw.includes(": heartbeat\n\n"), 20_000);
      assert.equal(subscribers(), 1);
      await reader.close();
      await waitSubscribers(0);
    });

    test("the OpenAPI document describes the stream: text/event-stream, its event types, 401 and 404", async () => {
      const doc = await (await fetch(`${s.url}/api/v1/openapi.json`)).json();
      const op = doc.paths["/api/v1/events"].get;
      assert.ok(op.responses["200"].content["text/event-stream"]);
      for (const st of ["401", "404"]) assert.ok(op.responses[st], st);
      for (const t of ["job.progress", "job.state", "connector.state"]) assert.ok(op.description.includes(t), t);
      assert.ok(op.parameters.some((p: any) => p.name === "connector_id" && p.in === "query"));
    });

    // Last: it closes the server.
    test("closing the server ends open streams instead of waiting for them", async () => {
      const reader = await events(s.adminToken);
      assert.equal(reader.status, 200);
      await waitSubscribers(1);
      const closed = s.built.close().then(() => "closed");
      const timeout = new Promise((r) => setTimeout(() => r("still waiting"), 10_000).unref());
      assert.equal(await Promise.race([closed, timeout]), "closed");
      assert.equal(subscribers(), 0);
      await reader.ended();
    });
  });
