/**
 * The helpers the API routes build on, against the emulator: connection test with effective
 * permissions, site and drive discovery, directory search, site URL + library name resolution,
 * and opening a Remote from stored connector settings.
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import type { GraphEmulator } from "../../emulators/graph/emulator.js";
import { isRemoteError } from "../../../src/sync/remote-errors.js";
import { scaidriveUserAgent } from "../../../src/connectors/sharepoint/graph-http.js";
import {
  openGraph,
  openSharePointRemote,
  type SharePointConnectorSettings,
} from "../../../src/connectors/sharepoint/sharepoint-connect.js";
import { testSharePointConnection } from "../../../src/connectors/sharepoint/sharepoint-connection-test.js";
import {
  listDrives,
  resolveSiteAndDrive,
  searchGroups,
  searchSites,
  searchUsers,
} from "../../../src/connectors/sharepoint/sharepoint-discovery.js";
import { sharePointNameProblem } from "../../../src/connectors/sharepoint/sharepoint-names.js";
import { anyNetwork, control, endpointsOf, startEmulator } from "./sharepoint-test-kit.js";

describe("SharePoint helpers for the API", () => {
  let emu: GraphEmulator;
  let secretApp: SharePointConnectorSettings;
  let certApp: SharePointConnectorSettings;
  const rt = () => ({ endpoints: endpointsOf(emu), network: anyNetwork });

  before(async () => {
    emu = await startEmulator();
    secretApp = {
      auth_type: "app_auth",
      azure_tenant_id: emu.info.tenant_id,
      azure_client_id: emu.info.client_id,
      azure_client_secret: emu.info.client_secret,
      site_id: emu.info.site_id,
      drive_id: emu.info.drive_id,
      base_path: "Campaigns/2026",
    };
    const cert = emu.info.apps.find((a) => a.cert_file)!;
    certApp = {
      auth_type: "app_auth",
      azure_tenant_id: emu.info.tenant_id,
      azure_client_id: cert.client_id,
      azure_client_certificate_pem: `${readFileSync(cert.key_file!, "utf8")}${readFileSync(cert.cert_file!, "utf8")}`,
      site_url: emu.info.site_url,
      library_name: "Documents",
    };
  });
  after(async () => {
    await emu.close();
  });

  test("User-Agent follows Microsoft's ISV pattern", () => {
    assert.match(scaidriveUserAgent(), /^ISV\|ScaiDrive\|ScaiDrive\/\d+\.\d+\.\d+/);
    assert.match(
      sharePointNameProblem("a\\b", false)!,
      /character \\/,
      "backslash rule (a path separator at the Remote interface)",
    );
  });

  test(
    "connection test: write via an application permission; " +
      "write / read via a Sites.Selected grant; refused secret",
    async () => {
      const ok = await testSharePointConnection(secretApp, rt());
      assert.equal(ok.success, true, ok.message);
      assert.equal(ok.error, null);
      assert.equal(ok.site_accessible, true);
      assert.deepEqual(ok.permissions, { access: "write", via: "application permission Sites.ReadWrite.All" });
      const entries = [];
      for await (const e of (await openSharePointRemote(secretApp, rt())).walk()) entries.push(e.path);
      assert.ok(!entries.some((p) => p.startsWith(".scaidrive-write-test")), "the write probe leaves nothing behind");

      const cert = await testSharePointConnection(certApp, rt());
      assert.equal(cert.success, true, cert.message);
      assert.equal(cert.permissions.access, "write");
      assert.match(cert.permissions.via!, /Sites\.Selected/);

      await control(emu, "tokens/site-grants", {
        app_id: certApp.azure_client_id,
        site: emu.info.site_url,
        roles: ["read"],
      });
      const ro = await testSharePointConnection(certApp, rt());
      assert.equal(ro.success, true, ro.message);
      assert.equal(ro.permissions.access, "read");
      await control(emu, "tokens/site-grants", { app_id: certApp.azure_client_id, site: emu.info.site_url, roles: [] });
      const none = await testSharePointConnection(certApp, rt());
      assert.equal(none.success, false);
      assert.equal(none.site_accessible, false);
      assert.equal(none.permissions.access, "none");
      await control(emu, "tokens/site-grants", {
        app_id: certApp.azure_client_id,
        site: emu.info.site_url,
        roles: ["write"],
      });

      const bad = await testSharePointConnection({ ...secretApp, azure_client_secret: "nope" }, rt());
      assert.equal(bad.success, false);
      assert.equal(bad.error, "invalid_client");
      assert.match(bad.message, /Authentication/);
      assert.ok(!bad.message.includes("nope"), "never echoes the secret");
      const missing = await testSharePointConnection({ ...secretApp, base_path: "No/Such/Folder" }, rt());
      assert.equal(missing.success, false);
      assert.equal(missing.site_accessible, true);
    },
  );

  test("sites, drives, users and groups", async () => {
    const { graph } = openGraph(secretApp, rt());
    const sites = await searchSites(graph, "marketing");
    assert.equal(sites.length, 1);
    assert.equal(sites[0]!.site_id, emu.info.site_id);
    assert.equal(sites[0]!.web_url, emu.info.site_url);
    assert.ok((await searchSites(graph, "")).length >= 2);
    const drives = await listDrives(graph, emu.info.site_id);
    assert.deepEqual(
      drives.map((d) => [d.drive_id, d.name]),
      [[emu.info.drive_id, "Documents"]],
    );
    const users = await searchUsers(graph, "alice");
    const alice = emu.info.users.find((u) => u.name === "Alice Cooper")!;
    assert.deepEqual(users, [{ id: alice.id, email: alice.email, name: "Alice Cooper" }]);
    assert.deepEqual(
      (await searchUsers(graph, "bob@")).map((u) => u.name),
      ["Bob Stone"],
    );
    const groups = await searchGroups(graph, "market");
    assert.equal(groups.length, 1);
    assert.equal(groups[0]!.name, "Marketing");
    assert.deepEqual(await searchUsers(graph, "nobody-like-this"), []);
  });

  test("site URL + library name resolve to ids; unknown library is not_found naming the libraries", async () => {
    const { graph } = openGraph(certApp, rt());
    const r = await resolveSiteAndDrive(graph, emu.info.site_url, "documents");
    assert.equal(r.siteId, emu.info.site_id);
    assert.equal(r.driveId, emu.info.drive_id);
    const byUrlName = await resolveSiteAndDrive(graph, emu.info.site_url, "Shared Documents");
    assert.equal(byUrlName.driveId, emu.info.drive_id);
    await assert.rejects(
      resolveSiteAndDrive(graph, emu.info.site_url, "Nope"),
      (e: unknown) => isRemoteError(e, "not_found") && /Documents/.test(e.message),
    );
    const remote = await openSharePointRemote({ ...certApp, base_path: "Campaigns/2026" }, rt());
    assert.equal((await remote.stat("Budget.xlsx")).kind, "file");
  });
});
