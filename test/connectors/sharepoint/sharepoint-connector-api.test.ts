/**
 * The spec's examples (`sharepoint-connector.md`) over real HTTP to ScaiDrive and HTTPS to the
 * Graph + Entra emulator: create (app secret), test, site search, drives, directory search,
 * identity mapping with an Entra object id, sync → 202 → completed, jobs; the certificate
 * credential end to end; site_url + library_name resolution; PEM validation.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import {
  SP,
  expectStatus,
  newShare,
  shareText,
  startApiWorld,
  syncToEnd,
  type ApiWorld,
} from "./sharepoint-api-kit.js";

const ALICE = "aaaaaaaa-0000-4000-8000-00000000a11c";

describe("SharePoint connector API (app auth)", () => {
  let w: ApiWorld;
  before(async () => {
    w = await startApiWorld();
  });
  after(async () => {
    await w?.close();
  });

  test("spec walkthrough: create, test, sites, drives, directory, mapping, sync, jobs", async () => {
    const info = w.emu.info;
    const shareId = await newShare(w);
    const created = expectStatus(
      await w.api("POST", SP, {
        name: "Marketing SP Site",
        description: "Marketing team SharePoint library",
        site_url: "https://contoso.sharepoint.com/sites/marketing",
        site_id: info.site_id,
        drive_id: info.drive_id,
        library_name: "Documents",
        base_path: "Campaigns/2026",
        azure_tenant_id: info.tenant_id,
        azure_client_id: info.client_id,
        azure_client_secret: info.client_secret,
        auth_type: "app_auth",
        target_share_id: shareId,
        target_path: "/From SharePoint",
        sync_direction: "bidirectional",
        sync_permissions: true,
        sync_versions: true,
        sync_metadata: true,
        sync_interval_minutes: 30,
      }),
      201,
      "create",
    );
    assert.match(created.id, /^cnn_/);
    assert.equal(created.type, "sharepoint");
    assert.equal(created.azure_client_secret_set, true);
    assert.equal(created.azure_client_certificate_pem_set, false);
    assert.equal(created.refresh_token_set, false);
    assert.equal("azure_client_secret" in created, false);
    assert.equal(JSON.stringify(created).includes(info.client_secret), false);
    assert.equal(created.sync_direction, "bidirectional");
    assert.equal(created.sync_versions, true);
    assert.equal(created.enabled, true);
    const id = created.id as string;

    const t = expectStatus(await w.api("POST", `${SP}/${id}/test`), 200, "test");
    assert.equal(t.success, true, JSON.stringify(t));
    assert.equal(t.error, null);
    assert.equal(t.site_accessible, true);
    assert.equal(t.permissions.access, "write");
    assert.match(t.permissions.via, /Sites\.ReadWrite\.All/);

    const sites = expectStatus(await w.api("GET", `${SP}/${id}/sites?search=marketing`), 200, "sites").sites;
    assert.ok(
      sites.some(
        (s: any) => s.site_id === info.site_id && s.web_url === "https://contoso.sharepoint.com/sites/marketing",
      ),
      JSON.stringify(sites),
    );

    const drives = expectStatus(
      await w.api("GET", `${SP}/${id}/drives?site_id=${encodeURIComponent(info.site_id)}`),
      200,
      "drives",
    ).drives;
    assert.ok(
      drives.some((d: any) => d.drive_id === info.drive_id && d.name === "Documents"),
      JSON.stringify(drives),
    );

    const users = expectStatus(
      await w.api("POST", `${SP}/${id}/azure/users/search`, { query: "alice" }),
      200,
      "users",
    ).users;
    assert.deepEqual(users, [{ id: ALICE, email: "alice@contoso.onmicrosoft.com", name: "Alice Cooper" }]);
    const groups = expectStatus(
      await w.api("POST", `${SP}/${id}/azure/groups/search`, { query: "marketing" }),
      200,
      "groups",
    ).groups;
    assert.ok(
      groups.length >= 1 &&
        groups.every((g: any) => typeof g.id === "string" && typeof g.name === "string" && "email" in g),
      JSON.stringify(groups),
    );
    assert.ok(groups.some((g: any) => g.name === "Marketing"));

    const user = expectStatus(
      await w.api("POST", "/api/v1/users", { email: "alice@example.com", name: "Alice" }),
      201,
      "user",
    );
    const mapping = expectStatus(
      await w.api("POST", `${SP}/${id}/identity-mappings`, {
        identity_type: "user",
        smb_principal: ALICE,
        scaidrive_principal_id: user.id,
      }),
      201,
      "mapping",
    );
    assert.equal(mapping.smb_principal, ALICE);
    assert.equal(mapping.scaidrive_principal_id, user.id);

    const job = await syncToEnd(w, id);
    assert.equal(job.status, "completed", JSON.stringify(job.error));
    assert.ok(job.files_synced >= 4, `files_synced ${job.files_synced}`);
    assert.equal(await shareText(w, shareId, "/From SharePoint/Brief.docx"), "Spring launch brief - final\n");
    const budget = expectStatus(
      await w.api(
        "GET",
        `/api/v1/shares/${shareId}/files/stat?path=${encodeURIComponent("/From SharePoint/Budget.xlsx")}`,
      ),
      200,
      "stat",
    );
    assert.equal(budget.type, "file");

    const jobs = expectStatus(await w.api("GET", `${SP}/${id}/jobs`), 200, "jobs").jobs;
    assert.equal(jobs[0].id, job.id);
    assert.equal(jobs[0].status, "completed");
  });

  test("certificate credential end to end; thumbprint derived; secret and PEM are write-only", async () => {
    const app = (w.emu.info.apps as any[]).find((a) => a.cert_file);
    assert.ok(app, "the demo tenant has a certificate app");
    const pem = readFileSync(app.key_file, "utf8") + "\n" + readFileSync(app.cert_file, "utf8");
    const shareId = await newShare(w);
    const created = expectStatus(
      await w.api("POST", SP, {
        name: "Cert",
        site_url: "https://contoso.sharepoint.com/sites/marketing",
        library_name: "Documents",
        base_path: "Campaigns/2026",
        azure_tenant_id: w.emu.info.tenant_id,
        azure_client_id: app.client_id,
        azure_client_certificate_pem: pem,
        auth_type: "app_auth",
        target_share_id: shareId,
      }),
      201,
      "create with certificate",
    );
    assert.equal(created.azure_client_certificate_pem_set, true);
    assert.equal(created.azure_client_certificate_thumbprint, app.thumbprint_sha1);
    assert.equal(JSON.stringify(created).includes("PRIVATE KEY"), false);
    assert.equal(created.sync_direction, "sharepoint_to_scaidrive");

    const t = expectStatus(await w.api("POST", `${SP}/${created.id}/test`), 200, "test");
    assert.equal(t.success, true, JSON.stringify(t));
    assert.equal(t.permissions.access, "write");
    assert.match(t.permissions.via, /Sites\.Selected/);

    const job = await syncToEnd(w, created.id);
    assert.equal(job.status, "completed", JSON.stringify(job.error));
    assert.equal(await shareText(w, shareId, "/Brief.docx"), "Spring launch brief - final\n");
    // site_url + library_name were resolved to ids and stored.
    const after = expectStatus(await w.api("GET", `${SP}/${created.id}`), 200, "get");
    assert.equal(after.drive_id, w.emu.info.drive_id);
    assert.equal(after.site_id, w.emu.info.site_id);

    // Switching credentials: a secret replaces the certificate, and back (thumbprint re-derived).
    const toSecret = expectStatus(
      await w.api("PATCH", `${SP}/${created.id}`, { azure_client_secret: "some-secret" }),
      200,
      "patch secret",
    );
    assert.equal(toSecret.azure_client_secret_set, true);
    assert.equal(toSecret.azure_client_certificate_pem_set, false);
    assert.equal("azure_client_certificate_thumbprint" in toSecret, false);
    const toCert = expectStatus(
      await w.api("PATCH", `${SP}/${created.id}`, { azure_client_certificate_pem: pem }),
      200,
      "patch certificate",
    );
    assert.equal(toCert.azure_client_secret_set, false);
    assert.equal(toCert.azure_client_certificate_pem_set, true);
    assert.equal(toCert.azure_client_certificate_thumbprint, app.thumbprint_sha1);
    assert.equal(expectStatus(await w.api("POST", `${SP}/${created.id}/test`), 200, "test again").success, true);
  });

  test("an unusable PEM or a wrong thumbprint is a 400 naming the field", async () => {
    const shareId = await newShare(w);
    const base = {
      name: "Bad cert",
      drive_id: w.emu.info.drive_id,
      site_id: w.emu.info.site_id,
      azure_tenant_id: w.emu.info.tenant_id,
      azure_client_id: "33333333-3333-3333-3333-333333333333",
      target_share_id: shareId,
    };
    const noPem = await w.api("POST", SP, { ...base, azure_client_certificate_pem: "not a pem" });
    expectStatus(noPem, 400, "garbage PEM");
    assert.equal(noPem.body.error.code, "VALIDATION_FAILED");
    assert.equal(noPem.body.error.details.field, "azure_client_certificate_pem");
    const app = (w.emu.info.apps as any[]).find((a) => a.cert_file);
    const certOnly = await w.api("POST", SP, {
      ...base,
      azure_client_certificate_pem: readFileSync(app.cert_file, "utf8"),
    });
    expectStatus(certOnly, 400, "certificate without key");
    assert.match(certOnly.body.error.message, /private key/);
    const pem = readFileSync(app.key_file, "utf8") + readFileSync(app.cert_file, "utf8");
    const wrongThumb = await w.api("POST", SP, {
      ...base,
      azure_client_certificate_pem: pem,
      azure_client_certificate_thumbprint: "00".repeat(20),
    });
    expectStatus(wrongThumb, 400, "wrong thumbprint");
    assert.equal(wrongThumb.body.error.details.field, "azure_client_certificate_thumbprint");
    const both = await w.api("POST", SP, { ...base, azure_client_certificate_pem: pem, azure_client_secret: "s" });
    expectStatus(both, 400, "secret and certificate");
    assert.equal(both.body.error.details.field, "azure_client_certificate_pem");
    const noScope = await w.api("POST", SP, {
      ...base,
      drive_id: undefined,
      site_id: undefined,
      azure_client_secret: "x",
    });
    // Saved before its library is chosen (the web client's library browser fills it in); until then its test says so.
    const unscoped = expectStatus(noScope, 201, "no library yet");
    const notYet = expectStatus(await w.api("POST", `${SP}/${unscoped.id}/test`), 200, "test without a library");
    assert.equal(notYet.success, false);
    const libraryOnly = await w.api("POST", SP, { ...base, drive_id: undefined, library_name: "Documents" });
    expectStatus(libraryOnly, 400, "library_name without site_url");
    assert.equal(libraryOnly.body.error.details.field, "site_url");
    // A PATCH with a bad PEM is refused and leaves the connector as it was.
    const ok = expectStatus(await w.api("POST", SP, { ...base, azure_client_certificate_pem: pem }), 201, "good cert");
    expectStatus(
      await w.api("PATCH", `${SP}/${ok.id}`, { azure_client_certificate_pem: "-----BEGIN nothing" }),
      400,
      "patch bad PEM",
    );
    assert.equal(expectStatus(await w.api("GET", `${SP}/${ok.id}`), 200, "get").azure_client_certificate_pem_set, true);
  });

  test("a wrong client secret fails the test with the Entra error code", async () => {
    const shareId = await newShare(w);
    const c = expectStatus(
      await w.api("POST", SP, {
        name: "Wrong secret",
        site_id: w.emu.info.site_id,
        drive_id: w.emu.info.drive_id,
        azure_tenant_id: w.emu.info.tenant_id,
        azure_client_id: w.emu.info.client_id,
        azure_client_secret: "not-the-secret-7f3a9c",
        target_share_id: shareId,
      }),
      201,
      "create",
    );
    const t = expectStatus(await w.api("POST", `${SP}/${c.id}/test`), 200, "test");
    assert.equal(t.success, false);
    assert.equal(t.error, "invalid_client");
    assert.equal(t.site_accessible, false);
    assert.deepEqual(t.permissions, { access: "none", via: null });
    assert.equal(JSON.stringify(t).includes("not-the-secret-7f3a9c"), false);

    // A run with the refused secret fails, disables the connector and raises an alert;
    // saving the right secret re-enables it and resolves the alert.
    const failed = await syncToEnd(w, c.id);
    assert.equal(failed.status, "failed");
    assert.equal(failed.error.code, "CONNECTOR_AUTH_FAILED");
    const disabled = expectStatus(await w.api("GET", `${SP}/${c.id}`), 200, "get");
    assert.equal(disabled.enabled, false);
    assert.match(disabled.status_reason, /^authentication failed: /);
    const open = expectStatus(await w.api("GET", `/api/v1/alerts?open=true&connector_id=${c.id}`), 200, "alerts").items;
    assert.equal(open.length, 1);
    assert.equal(open[0].kind, "connector_auth_failed");
    // A PATCH that says enabled: false keeps it disabled (and the alert open).
    assert.equal(
      expectStatus(await w.api("PATCH", `${SP}/${c.id}`, { enabled: false }), 200, "patch disabled").enabled,
      false,
    );
    assert.equal(
      expectStatus(await w.api("GET", `/api/v1/alerts?open=true&connector_id=${c.id}`), 200, "alerts").items.length,
      1,
    );
    const fixed = expectStatus(
      await w.api("PATCH", `${SP}/${c.id}`, { azure_client_secret: w.emu.info.client_secret, enabled: true }),
      200,
      "patch secret",
    );
    assert.equal(fixed.enabled, true);
    assert.equal(
      expectStatus(await w.api("GET", `/api/v1/alerts?open=true&connector_id=${c.id}`), 200, "alerts").items.length,
      0,
    );
    assert.equal((await syncToEnd(w, c.id)).status, "completed");
  });
});
