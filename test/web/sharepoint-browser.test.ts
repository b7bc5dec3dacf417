/**
 * SharePoint connections in the browser against the real server and the Graph + Entra emulator (in-process, its CA
 * trusted here; Chromium accepts its certificate in this test's context only):
 * - a certificate connection opened with `?browse=1`: search the sites, open the demo site's library and a
 *   sub-folder, "Sync this folder" (the certificate is asked again), the effective permission with the read-only
 *   warning, then a run brings the folder's files into ScaiDrive;
 * - a delegated connection: "Sign in with Microsoft" through the emulator's sign-in page lands back on the page with
 *   "Signed in with Microsoft as …"; choosing another folder asks the app secret again and signs in again; its
 *   grant revoked, a run disables it and "Sign in with Microsoft again" in the banner re-enables it;
 * - an app whose client secret was replaced in Entra: Run now → the banner and the header's alert badge; the new
 *   secret entered from the banner → Enabled, banner and badge gone.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { startGraphEmulator, type GraphEmulator } from "../emulators/graph/emulator.js";
import { trustCaInProcess } from "../emulators/graph/tls.js";
import { startTestServer, type TestServer } from "../harness/server.js";
import { adminAccount } from "./accounts.js";
import { launchBrowser, screenshot } from "./browser.js";
import { animationsSettled, assertAccessible, isFocused, waitForText } from "./page-checks.js";

const SP = "/api/v1/sharepoint-connectors";
const SITE_URL = "https://contoso.sharepoint.com/sites/marketing";
const ALICE = { upn: "alice@contoso.onmicrosoft.com", password: "alice-demo-password" };

describe("SharePoint browser, Microsoft sign-in and the fix from the banner", () => {
  let emu: GraphEmulator;
  let s: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let shareId: string;
  const saved: Record<string, string | undefined> = {};

  async function control(route: string, body: unknown): Promise<void> {
    const res = await fetch(`${emu.info.graph_base_url}/_emulator/${route}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    assert.ok(res.ok, `control ${route}: ${res.status} ${await res.text()}`);
  }

  async function create(body: Record<string, unknown>): Promise<string> {
    const r = await s.api("POST", SP, {
      json: {
        azure_tenant_id: emu.info.tenant_id,
        target_share_id: shareId,
        ...body,
      },
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return r.body.id as string;
  }

  before(async () => {
    emu = await startGraphEmulator();
    await trustCaInProcess(readFileSync(emu.info.ca_file, "utf8"));
    for (const k of ["SCAIDRIVE_ENTRA_AUTHORITY_HOST", "SCAIDRIVE_GRAPH_BASE_URL", "SCAIDRIVE_PUBLIC_URL"])
      saved[k] = process.env[k];
    process.env.SCAIDRIVE_ENTRA_AUTHORITY_HOST = emu.info.authority_host;
    process.env.SCAIDRIVE_GRAPH_BASE_URL = emu.info.graph_base_url;
    delete process.env.SCAIDRIVE_PUBLIC_URL;
    s = await startTestServer({ withFeatureRoutes: true, sync: { progressFlushMs: 50 } });
    shareId = (await s.api("POST", "/api/v1/shares", { json: { name: "Marketing" } })).body.id;
    browser = await launchBrowser();
    const admin = await adminAccount(s);
    // The emulator's sign-in page is served with a certificate of its own CA: accepted in this context only.
    context = await browser.newContext({
      baseURL: s.url,
      viewport: { width: 1280, height: 800 },
      ignoreHTTPSErrors: true,
    });
    const r = await context.request.post(`${s.url}/api/v1/auth/sign-in`, {
      data: { email: admin.email, password: admin.password },
    });
    assert.equal(r.status(), 200, await r.text());
    page = await context.newPage();
  });
  after(async () => {
    await context?.close();
    await browser?.close();
    await s?.close();
    await emu?.close();
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  const dialog = () => page.getByRole("dialog", { name: "Choose what to sync" });
  const jobsTable = () => page.getByRole("table", { name: "Jobs" });
  const alertBadge = () => page.getByRole("link", { name: /open alerts?$/ });

  test("certificate connection: browse site → library → sub-folder, Sync this folder, access, run", async () => {
    const app = (emu.info.apps as Array<{ client_id: string; cert_file?: string; key_file?: string }>).find(
      (a) => a.cert_file,
    )!;
    const pem = readFileSync(app.key_file!, "utf8") + "\n" + readFileSync(app.cert_file!, "utf8");
    const id = await create({
      name: "Marketing library",
      site_url: SITE_URL,
      library_name: "Documents",
      azure_client_id: app.client_id,
      azure_client_certificate_pem: pem,
      target_path: "/From SharePoint",
      sync_direction: "bidirectional",
    });
    // Only read access on the site for now: the browser must warn, as the direction writes to SharePoint.
    await control("tokens/site-grants", { app_id: app.client_id, site: SITE_URL, roles: ["read"] });

    await page.goto(`/connectors/sharepoint/${id}?browse=1`);
    await dialog().waitFor();
    assert.ok(!page.url().includes("browse=1"), "the query leaves the address once the browser opened");
    const search = dialog().getByRole("textbox", { name: "Search sites" });
    await dialog()
      .getByRole("list", { name: "Sites" })
      .getByRole("button", { name: /Marketing/ })
      .waitFor();
    const searched = page.waitForResponse((r) => r.url().includes("/sites?search=market") && r.ok());
    await search.fill("market");
    await searched;
    await waitForText(dialog().getByRole("list", { name: "Sites" }), /Marketing/);
    // Keyboard: from the search box to the first site, Enter opens it.
    await search.focus();
    await page.keyboard.press("Tab");
    const site = dialog()
      .getByRole("button", { name: /Marketing/ })
      .first();
    assert.ok(await isFocused(site), "Tab moves from the search box to the first site");
    await page.keyboard.press("Enter");
    await dialog()
      .getByRole("list", { name: "Document libraries" })
      .waitFor({ timeout: 10_000 })
      .catch(async (err: unknown) => {
        throw new Error(`no libraries: ${await dialog().innerText()}`, { cause: err });
      });
    await dialog()
      .getByRole("list", { name: "Document libraries" })
      .getByRole("button", { name: /Documents/ })
      .click();
    const folders = dialog().getByRole("list", { name: "Folders" });
    await folders.getByRole("button", { name: /Campaigns/ }).click();
    await folders.getByRole("button", { name: /^2026/ }).waitFor();
    await folders.getByRole("button", { name: /^2025/ }).waitFor();
    const crumbs = dialog().getByRole("navigation", { name: "Location" });
    assert.match(await crumbs.innerText(), /Sites\s*›\s*Marketing\s*›\s*Documents\s*›\s*Campaigns/);
    await assertAccessible(page, "SharePoint browser");
    await animationsSettled(page);
    await screenshot(page, "sharepoint-browser");
    await folders.getByRole("button", { name: /^2026/ }).click();
    await dialog()
      .getByText(/No folders in here/)
      .waitFor();
    // Back up through the breadcrumbs and down again.
    await crumbs.getByRole("button", { name: "Campaigns" }).click();
    await folders.getByRole("button", { name: /^2026/ }).click();
    await dialog().getByRole("button", { name: "Sync this folder" }).click();

    // The place decides where the certificate goes: it is asked again.
    await dialog().getByText("Marketing › Documents › Campaigns › 2026").waitFor();
    await dialog().getByRole("button", { name: "Save" }).click();
    await waitForText(dialog().getByRole("alert"), /Enter the client secret or certificate again/);
    await dialog().getByRole("button", { name: "Paste PEM text instead" }).click();
    await dialog()
      .getByRole("textbox", { name: /Certificate \(PEM\)/ })
      .fill(pem);
    await dialog().getByRole("button", { name: "Save" }).click();
    await dialog().getByRole("status").filter({ hasText: "Saved" }).waitFor();
    await waitForText(dialog(), /SharePoint access:\s*Read(?! and)/);
    await waitForText(dialog().getByRole("alert"), /Write access is missing/);
    await assertAccessible(page, "SharePoint browser, saved");
    await dialog().getByRole("button", { name: "Done" }).click();
    await dialog().waitFor({ state: "hidden" });

    const settings = page.getByRole("region", { name: "Settings" });
    await waitForText(settings, /Folder in the library\s*Campaigns\/2026/);
    const stored = (await s.api("GET", `${SP}/${id}`)).body;
    assert.equal(stored.drive_id, emu.info.drive_id);
    assert.equal(stored.base_path, "Campaigns/2026");
    assert.equal(stored.library_name, "Documents");

    await control("tokens/site-grants", { app_id: app.client_id, site: SITE_URL, roles: ["write"] });
    await page.getByRole("button", { name: "Run now" }).click();
    await jobsTable().getByText("Succeeded").waitFor({ timeout: 60_000 });
    const content = await s.api(
      "GET",
      `/api/v1/shares/${shareId}/content?path=${encodeURIComponent("/From SharePoint/Budget.xlsx")}`,
    );
    assert.equal(content.status, 200);
    assert.equal(content.body, "Budget 2026: 120000 EUR\n");
  });

  test("delegated connection: Sign in with Microsoft on the sign-in page, back with who it is", async () => {
    const id = await create({
      name: "Alice's library",
      site_url: SITE_URL,
      site_id: emu.info.site_id,
      drive_id: emu.info.drive_id,
      library_name: "Documents",
      base_path: "Campaigns/2025",
      azure_client_id: emu.info.client_id,
      azure_client_secret: emu.info.client_secret,
      auth_type: "user_auth",
      target_path: "/Alice",
    });
    await page.goto(`/connectors/sharepoint/${id}`);
    await page.getByText("Not signed in with Microsoft").waitFor();
    await signInThroughEmulator(page, "Sign in with Microsoft");
    await page.waitForURL(new RegExp(`/connectors/sharepoint/${id}$`));
    const notice = page.getByRole("status").filter({ hasText: "Signed in with Microsoft as" });
    await waitForText(notice, /Signed in with Microsoft as Alice Cooper \(alice@contoso\.onmicrosoft\.com\)/);
    await waitForText(page.getByRole("region", { name: "Settings" }), /Microsoft account\s*Alice Cooper/);
    assert.equal(await page.getByText("Not signed in with Microsoft").count(), 0);
    await assertAccessible(page, "SharePoint connection, signed in");

    // A new place drops the sign-in: the app's secret is asked again, then Microsoft's sign-in follows.
    await page.getByRole("button", { name: "Choose library" }).click();
    await dialog()
      .getByRole("list", { name: "Sites" })
      .getByRole("button", { name: /Marketing/ })
      .click();
    await dialog()
      .getByRole("list", { name: "Document libraries" })
      .getByRole("button", { name: /Documents/ })
      .click();
    await dialog()
      .getByRole("list", { name: "Folders" })
      .getByRole("button", { name: /Campaigns/ })
      .click();
    await dialog().getByRole("list", { name: "Folders" }).getByRole("button", { name: /^2026/ }).click();
    await dialog().getByRole("button", { name: "Sync this folder" }).click();
    await dialog()
      .getByText(/you will sign in with Microsoft again/)
      .waitFor();
    await dialog()
      .getByRole("textbox", { name: /^Client secret/ })
      .fill(emu.info.client_secret);
    await dialog().getByRole("button", { name: "Save and sign in with Microsoft" }).click();
    await page.waitForURL(/\/oauth2\/v2\.0\/authorize/);
    await page.getByLabel("Email, phone, or Skype").fill(ALICE.upn);
    await page.getByLabel("Password").fill(ALICE.password);
    await page.getByRole("button", { name: "Accept" }).click();
    await page.waitForURL(new RegExp(`/connectors/sharepoint/${id}$`));
    await waitForText(page.getByRole("status").filter({ hasText: "Signed in" }), /Alice Cooper/);
    await waitForText(page.getByRole("region", { name: "Settings" }), /Folder in the library\s*Campaigns\/2026/);

    // Entra revokes Alice's sessions: the run fails, the connection is disabled; signing in again fixes it.
    await control("tokens/revoke", { user: ALICE.upn });
    await page.getByRole("button", { name: "Run now" }).click();
    const banner = page.getByRole("alert").filter({ hasText: "Disabled after an authentication failure" });
    await banner.waitFor({ timeout: 60_000 });
    await signInThroughEmulator(page, "Sign in with Microsoft again", banner);
    await page.waitForURL(new RegExp(`/connectors/sharepoint/${id}$`));
    await waitForText(page.getByRole("status").filter({ hasText: "Signed in" }), /Alice Cooper/);
    await page.getByText("Enabled", { exact: true }).first().waitFor();
    assert.equal(await banner.count(), 0);
    await page.getByRole("button", { name: "Run now" }).click();
    await jobsTable().getByText("Succeeded").first().waitFor({ timeout: 60_000 });
  });

  test("client secret replaced in Entra: Run now → banner and badge; a new secret from the banner", async () => {
    const id = await create({
      name: "Secret app library",
      site_id: emu.info.site_id,
      drive_id: emu.info.drive_id,
      site_url: SITE_URL,
      library_name: "Documents",
      base_path: "Campaigns/2026",
      azure_client_id: emu.info.client_id,
      azure_client_secret: emu.info.client_secret,
      target_path: "/Secret app",
    });
    await control("tokens/app-secrets", { app_id: emu.info.client_id, secrets: ["rotated-secret-value"] });
    try {
      await page.goto(`/connectors/sharepoint/${id}`);
      const before = (await s.api("GET", "/api/v1/alerts?open=true")).body.items.length as number;
      await page.getByRole("button", { name: "Run now" }).click();
      const banner = page.getByRole("alert").filter({ hasText: "Disabled after an authentication failure" });
      await banner.waitFor({ timeout: 60_000 });
      // The badge is re-read every 30 s; a reload shows the count at once.
      await page.reload();
      await banner.waitFor();
      await waitForText(alertBadge(), new RegExp(`^${before + 1}$`));
      await animationsSettled(page);
      await screenshot(page, "sharepoint-auth-failed");

      await banner.getByRole("button", { name: "Enter a new secret or certificate" }).click();
      const fix = page.getByRole("dialog", { name: "Enter a new secret or certificate" });
      await fix.waitFor();
      await assertAccessible(page, "Fix credentials dialog");
      await fix.getByRole("textbox", { name: /^Client secret/ }).fill("rotated-secret-value");
      await fix.getByRole("button", { name: "Save and enable" }).click();
      await fix.waitFor({ state: "hidden" });
      await banner.waitFor({ state: "hidden" });
      await page.getByText("Enabled", { exact: true }).first().waitFor();
      if (before === 0) await alertBadge().waitFor({ state: "hidden" });
      else await waitForText(alertBadge(), new RegExp(`^${before}$`));
      await page.getByRole("button", { name: "Run now" }).click();
      await jobsTable().getByText("Succeeded").first().waitFor({ timeout: 60_000 });
    } finally {
      await control("tokens/app-secrets", { app_id: emu.info.client_id, secrets: [emu.info.client_secret] });
    }
  });
});

/** Clicks `button` (in `within`, default the page) and completes the emulator's sign-in form as Alice. */
async function signInThroughEmulator(page: Page, button: string, within: { getByRole: Page["getByRole"] } = page) {
  await within.getByRole("button", { name: button }).click();
  await page.waitForURL(/\/oauth2\/v2\.0\/authorize/);
  await page.getByLabel("Email, phone, or Skype").fill(ALICE.upn);
  await page.getByLabel("Password").fill(ALICE.password);
  await page.getByRole("button", { name: "Accept" }).click();
}
