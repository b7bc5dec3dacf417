/**
 * SMB connectors under the connector network policy, through the HTTP API of the real server
 * (every feature route) against a real smbd listening on 127.0.0.1. The connectors are created on
 * a server that denies nothing; the server is then restarted on the same data with the default
 * policy (loopback, link-local, unspecified refused), as when an operator upgrades or tightens it,
 * and finally with SCAIDRIVE_CONNECTOR_ALLOW_NETWORKS=127.0.0.1/32.
 *
 * "No connection" is what smbd itself logged: every TCP connection it accepts is a log line
 * (`logConnections`), and the count must not move while the policy refuses.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { setTimeout as delay } from "node:timers/promises";
import { startSamba, type SambaInstance } from "../harness/samba.js";
import { startTestServer, type ConnectorNetworks, type TestServer } from "../harness/server.js";
import { makeTempDir, type TempDir } from "../harness/temp-dir.js";
import { waitForJob } from "../harness/api-helpers.js";
import { putOnSmb } from "../mounts/mount-test-kit.js";

const BASE = "/api/v1/smb-connectors";
const refusal = (host: string, address: string) =>
  `${host} resolves to ${address}, which this server's connector network ` +
  `policy refuses (SCAIDRIVE_CONNECTOR_DENY_NETWORKS / _ALLOW_NETWORKS)`;

describe("SMB connectors and the connector network policy (real smbd on 127.0.0.1, the real server)", () => {
  let samba: SambaInstance;
  let data: TempDir;
  let server: TestServer | undefined;
  const adminToken = `test-admin-${randomBytes(16).toString("hex")}`;
  let shareId: string;
  /** Connector ids by server_host as stored. */
  const ids: Record<string, string> = {};
  let mountId: string;

  const start = async (connectorNetworks: ConnectorNetworks) => {
    server = await startTestServer({ dataDir: data.path, adminToken, withFeatureRoutes: true, connectorNetworks });
  };
  const restart = async (connectorNetworks: ConnectorNetworks) => {
    await server!.close({ keepData: true });
    server = undefined;
    await start(connectorNetworks);
  };
  const api: TestServer["api"] = (method, path, opts) => server!.api(method, path, opts);
  const connectorBody = (host: string) => ({
    name: `fs ${host} ${randomBytes(2).toString("hex")}`,
    server_host: host,
    server_port: samba.port,
    share_name: "Finance",
    base_path: "2026",
    domain: samba.domain,
    username: samba.username,
    password: samba.password,
    target_share_id: shareId,
    target_path: `/from ${host.replace(/[:.]/g, "-")}`,
  });

  before(async () => {
    samba = await startSamba({ shares: { Finance: {} }, logConnections: true });
    putOnSmb(samba, "Finance", "2026/report.txt", "quarterly report");
    data = makeTempDir("netpolicy-smb");
    await start({ deny: "none" });
    shareId = (await api("POST", "/api/v1/shares", { json: { name: "Finance" } })).body.id;
    for (const host of ["127.0.0.1", "::ffff:127.0.0.1", "169.254.169.254"]) {
      const r = await api("POST", BASE, { json: connectorBody(host) });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      ids[host] = r.body.id;
    }
    // A mount made while nothing was denied: after the restart it must stop reaching smbd.
    const m = await api("POST", "/api/v1/mounts", {
      json: { share_id: shareId, path: "/live", connector_id: ids["127.0.0.1"] },
    });
    assert.equal(m.status, 201, JSON.stringify(m.body));
    mountId = m.body.id;
    await restart({});
  });
  after(async () => {
    await server?.close();
    await samba?.stop();
    data?.remove();
  });

  test(
    "POST and PATCH refuse a server_host that is an IP " + "literal in a refused network; names are accepted",
    async () => {
      for (const host of ["127.0.0.1", "::ffff:127.0.0.1", "169.254.169.254", "::1", "[::1]", "0.0.0.0", "fe80::1"]) {
        const r = await api("POST", BASE, { json: connectorBody(host) });
        assert.equal(r.status, 400, `${host}: ${JSON.stringify(r.body)}`);
        assert.equal(r.body.error.code, "VALIDATION_FAILED");
        assert.equal(r.body.error.details.field, "server_host");
        assert.match(
          r.body.error.message,
          /connector network policy refuses \(SCAIDRIVE_CONNECTOR_DENY_NETWORKS \/ SCAIDRIVE_CONNECTOR_ALLOW_NETWORKS\)/,
        );
      }
      const patch = await api("PATCH", `${BASE}/${ids["127.0.0.1"]}`, { json: { server_host: "169.254.169.254" } });
      assert.equal(patch.status, 400, JSON.stringify(patch.body));
      assert.equal(patch.body.error.details.field, "server_host");
      // A stored address the policy now refuses does not block other changes (renaming, disabling).
      const rename = await api("PATCH", `${BASE}/${ids["127.0.0.1"]}`, { json: { name: "renamed" } });
      assert.equal(rename.status, 200, JSON.stringify(rename.body));
      // A name is checked when connecting: what it resolves to can change.
      const named = await api("POST", BASE, { json: connectorBody("localhost") });
      assert.equal(named.status, 201, JSON.stringify(named.body));
      ids.localhost = named.body.id;
    },
  );

  test(
    "/test answers DESTINATION_DENIED for 127.0.0.1, ::ffff:127.0.0.1, " +
      "169.254.169.254 and localhost, and smbd sees no connection",
    async () => {
      const seen = samba.acceptedConnections();
      for (const [host, address] of [
        ["127.0.0.1", "127.0.0.1"],
        ["::ffff:127.0.0.1", "127.0.0.1"],
        ["169.254.169.254", "169.254.169.254"],
      ]) {
        const r = await api("POST", `${BASE}/${ids[host]}/test`);
        assert.equal(r.status, 200, JSON.stringify(r.body));
        assert.deepEqual(r.body, { success: false, error: "DESTINATION_DENIED", message: refusal(host, address) });
      }
      const local = await api("POST", `${BASE}/${ids.localhost}/test`);
      assert.equal(local.body.success, false);
      assert.equal(local.body.error, "DESTINATION_DENIED");
      assert.match(
        local.body.message,
        /^localhost resolves to (127\.0\.0\.1|::1), which this server's connector network policy refuses/,
      );
      assert.equal(samba.acceptedConnections(), seen);
    },
  );

  test(
    "sync and pull jobs fail with DESTINATION_DENIED at once (no " +
      "retries); the connector stays enabled; smbd sees nothing",
    async () => {
      const seen = samba.acceptedConnections();
      for (const id of [ids["127.0.0.1"], ids.localhost]) {
        const sync = await api("POST", `${BASE}/${id}/sync`);
        assert.equal(sync.status, 202, JSON.stringify(sync.body));
        const job = await waitForJob(api, id, sync.body.id);
        assert.equal(job.status, "failed", JSON.stringify(job));
        assert.equal(job.error.code, "DESTINATION_DENIED");
        assert.match(job.error.message, /resolves to .*, which this server's connector network policy refuses/);
        const pull = await api("POST", `${BASE}/${id}/pull`, { json: { after_copy: "keep" } });
        assert.equal(pull.status, 202, JSON.stringify(pull.body));
        const pulled = await waitForJob(api, id, pull.body.id);
        assert.equal(pulled.status, "failed", JSON.stringify(pulled));
        assert.equal(pulled.error.code, "DESTINATION_DENIED");
        const c = await api("GET", `${BASE}/${id}`);
        assert.equal(c.body.enabled, true, "a refused destination is not an authentication failure");
      }
      assert.equal(samba.acceptedConnections(), seen);
    },
  );

  test("mounts: an existing mount answers 400 DESTINATION_DENIED, a new one is refused", async () => {
    const seen = samba.acceptedConnections();
    const list = await api("GET", `/api/v1/shares/${shareId}/files?path=${encodeURIComponent("/live")}`);
    assert.equal(list.status, 400, JSON.stringify(list.body));
    assert.equal(list.body.error.code, "DESTINATION_DENIED");
    assert.equal(list.body.error.message, refusal("127.0.0.1", "127.0.0.1"));
    const made = await api("POST", "/api/v1/mounts", {
      json: { share_id: shareId, path: "/live2", connector_id: ids["127.0.0.1"] },
    });
    assert.equal(made.status, 400, JSON.stringify(made.body));
    assert.equal(made.body.error.code, "DESTINATION_DENIED");
    assert.ok((await api("GET", `/api/v1/mounts/${mountId}`)).status === 200);
    assert.equal(samba.acceptedConnections(), seen);
  });

  test(
    "SCAIDRIVE_CONNECTOR_ALLOW_NETWORKS=127.0.0.1/32 lets the " +
      "same connector through: /test succeeds, a sync completes",
    async () => {
      await restart({ allow: "127.0.0.1/32" });
      const seen = samba.acceptedConnections();
      const id = ids["127.0.0.1"];
      const t = await api("POST", `${BASE}/${id}/test`);
      assert.equal(t.body.success, true, JSON.stringify(t.body));
      const sync = await api("POST", `${BASE}/${id}/sync`);
      const job = await waitForJob(api, id, sync.body.id);
      assert.equal(job.status, "completed", JSON.stringify(job));
      const file = await api(
        "GET",
        `/api/v1/shares/${shareId}/content?path=${encodeURIComponent("/from 127-0-0-1/report.txt")}`,
      );
      assert.equal(file.status, 200);
      assert.equal(file.body, "quarterly report");
      // Outside the allow list stays refused, whatever the deny list says.
      const other = await api("POST", `${BASE}/${ids["169.254.169.254"]}/test`);
      assert.equal(other.body.error, "DESTINATION_DENIED");
      // smbd logged the accepted connections (the count above is a live signal, not a constant).
      for (let i = 0; i < 100 && samba.acceptedConnections() === seen; i++) await delay(50);
      assert.ok(samba.acceptedConnections() > seen);
    },
  );
});
