/**
 * SharePoint connectors under the connector network policy, through the HTTP API of the real
 * server (every feature route) against the Graph + Entra emulator on https://127.0.0.1. With the
 * default policy nothing reaches the emulator (its request counters stay empty): not MSAL's token
 * request, not Graph. With SCAIDRIVE_CONNECTOR_ALLOW_NETWORKS=127.0.0.1/32 the same connector
 * works — and a download URL that Graph answers with a 302 to another address (127.0.0.2, outside
 * the allow list) is refused without a request reaching that address.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { GraphEmulator } from "../emulators/graph/emulator.js";
import { control, startEmulator } from "../connectors/sharepoint/sharepoint-test-kit.js";
import { startTestServer, type ConnectorNetworks, type TestServer } from "../harness/server.js";
import { makeTempDir, type TempDir } from "../harness/temp-dir.js";
import { waitForJob } from "../harness/api-helpers.js";

const SP = "/api/v1/sharepoint-connectors";
const refusal = (host: string, address: string) =>
  `${host} resolves to ${address}, which this server's connector network ` +
  `policy refuses (SCAIDRIVE_CONNECTOR_DENY_NETWORKS / _ALLOW_NETWORKS)`;

describe(
  "SharePoint connectors and the connector network " + "policy (Graph emulator on 127.0.0.1, the real server)",
  () => {
    let emu: GraphEmulator;
    let data: TempDir;
    let server: TestServer | undefined;
    let elsewhere: Server;
    let elsewherePort: number;
    let elsewhereHits = 0;
    const adminToken = `test-admin-${randomBytes(16).toString("hex")}`;
    let shareId: string;
    let connectorId: string;
    let folder: string;

    const start = async (connectorNetworks: ConnectorNetworks) => {
      server = await startTestServer({ dataDir: data.path, adminToken, withFeatureRoutes: true, connectorNetworks });
    };
    const api: TestServer["api"] = (method, path, opts) => server!.api(method, path, opts);
    const counters = () => control<Record<string, number>>(emu, "counters", undefined, "GET");

    before(async () => {
      emu = await startEmulator();
      process.env.SCAIDRIVE_ENTRA_AUTHORITY_HOST = emu.info.authority_host;
      process.env.SCAIDRIVE_GRAPH_BASE_URL = emu.info.graph_base_url;
      folder = `np-${randomBytes(4).toString("hex")}`;
      await control(emu, "content/files", { path: `${folder}/hello.txt`, content: "hello from SharePoint" });
      // Linux routes all of 127/8 to loopback: 127.0.0.2 stands for another host.
      elsewhere = createServer((_req, res) => {
        elsewhereHits++;
        res.end("not for connectors");
      });
      await new Promise<void>((r) => elsewhere.listen(0, "127.0.0.2", r));
      elsewherePort = (elsewhere.address() as AddressInfo).port;
      data = makeTempDir("netpolicy-sp");
      await start({});
      shareId = (await api("POST", "/api/v1/shares", { json: { name: "Marketing" } })).body.id;
      const info = emu.info;
      const created = await api("POST", SP, {
        json: {
          name: "Marketing",
          drive_id: info.drive_id,
          site_id: info.site_id,
          base_path: folder,
          azure_tenant_id: info.tenant_id,
          azure_client_id: info.client_id,
          azure_client_secret: info.client_secret,
          target_share_id: shareId,
          target_path: "/From SharePoint",
        },
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      connectorId = created.body.id;
    });
    after(async () => {
      await server?.close();
      elsewhere?.closeAllConnections();
      await new Promise((r) => elsewhere?.close(r));
      await emu?.close();
      data?.remove();
    });

    test(
      "default policy: /test, a sync and the helper routes answer " +
        "DESTINATION_DENIED and nothing reaches the emulator",
      async () => {
        await control(emu, "counters", undefined, "DELETE");
        const t = await api("POST", `${SP}/${connectorId}/test`);
        assert.equal(t.status, 200, JSON.stringify(t.body));
        assert.deepEqual(t.body, {
          success: false,
          error: "DESTINATION_DENIED",
          message: refusal("127.0.0.1", "127.0.0.1"),
          site_accessible: false,
          permissions: { access: "none", via: null },
        });
        const sync = await api("POST", `${SP}/${connectorId}/sync`);
        assert.equal(sync.status, 202, JSON.stringify(sync.body));
        const job = await waitForJob(api, connectorId, sync.body.id, { type: "sharepoint" });
        assert.equal(job.status, "failed", JSON.stringify(job));
        assert.equal(job.error.code, "DESTINATION_DENIED");
        assert.equal(job.error.message, refusal("127.0.0.1", "127.0.0.1"));
        const sites = await api("GET", `${SP}/${connectorId}/sites?search=marketing`);
        assert.equal(sites.status, 400, JSON.stringify(sites.body));
        assert.equal(sites.body.error.code, "DESTINATION_DENIED");
        assert.equal(
          (await api("GET", `${SP}/${connectorId}`)).body.enabled,
          true,
          "a refused destination is not an authentication failure",
        );
        assert.deepEqual(await counters(), {});
      },
    );

    test(
      "ALLOW=127.0.0.1/32: the same connector tests and syncs; a download " +
        "Graph redirects outside the allow list is refused, nothing reaches it",
      async () => {
        await server!.close({ keepData: true });
        await start({ allow: "127.0.0.1/32" });
        const t = await api("POST", `${SP}/${connectorId}/test`);
        assert.equal(t.body.success, true, JSON.stringify(t.body));
        const first = await api("POST", `${SP}/${connectorId}/sync`);
        const done = await waitForJob(api, connectorId, first.body.id, { type: "sharepoint" });
        assert.equal(done.status, "completed", JSON.stringify(done));
        const file = await api(
          "GET",
          `/api/v1/shares/${shareId}/content?path=${encodeURIComponent("/From SharePoint/hello.txt")}`,
        );
        assert.equal(file.status, 200);
        assert.equal(file.body, "hello from SharePoint");

        await control(emu, "content/files", { path: `${folder}/second.txt`, content: "second file" });
        const rule = await control<{ id: string }>(emu, "faults", {
          kind: "redirect",
          path: "^/_download/",
          location: `http://127.0.0.2:${elsewherePort}/steal`,
        });
        try {
          const sync = await api("POST", `${SP}/${connectorId}/sync`);
          const job = await waitForJob(api, connectorId, sync.body.id, { type: "sharepoint" });
          assert.equal(job.status, "failed", JSON.stringify(job));
          assert.equal(job.error.code, "DESTINATION_DENIED");
          assert.equal(job.error.message, refusal("127.0.0.2", "127.0.0.2"));
          const fired = (
            await control<{ value: Array<{ id: string; fired: number }> }>(emu, "faults", undefined, "GET")
          ).value.find((r) => r.id === rule.id);
          assert.ok(fired && fired.fired > 0, "the emulator answered the download with the redirect");
          assert.equal(elsewhereHits, 0);
        } finally {
          await control(emu, `faults/${rule.id}`, undefined, "DELETE");
        }
      },
    );
  },
);
