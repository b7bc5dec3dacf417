/**
 * The Add / Edit connection dialog against the real server and a real smbd: an administrator adds an SMB connection
 * with a wrong password (Test connection says so in words), fixes it, tests again, sees the filter preview, saves, runs
 * it and watches the progress bar reach the end, then opens the per-file log. Editing keeps the password unless it is
 * replaced, shows the target share read-only, and asks for the password again when the server changes. The dialog is
 * usable with the keyboard alone and axe finds nothing serious.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { chownSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, BrowserContext, Locator, Page } from "playwright-core";
import { startSamba, type SambaInstance } from "../harness/samba.js";
import { startTestServer, type TestServer } from "../harness/server.js";
import { startTcpProxy, type TcpProxy } from "./tcp-proxy.js";
import { startEmulator } from "../connectors/sharepoint/sharepoint-test-kit.js";
import type { GraphEmulator } from "../emulators/graph/emulator.js";
import { makeTempDir } from "../harness/temp-dir.js";
import { adminAccount, createAccount, signedInContext } from "./accounts.js";
import { launchBrowser, screenshot } from "./browser.js";
import { assertAccessible, isFocused, waitForText } from "./page-checks.js";

const BASE = "/api/v1/smb-connectors";

/** Scrolls the dialog so the section headed `heading` is at the top, below the dialog's own sticky title. */
async function scrollDialogTo(dialog: Locator, heading: string): Promise<void> {
  await dialog.getByRole("heading", { name: heading }).evaluate((h) => {
    h.scrollIntoView({ block: "start" });
    const content = h.closest(".mantine-Modal-content");
    if (content) content.scrollTop -= 72;
  });
}

/** The input labelled exactly `label` (a required field's label ends in an asterisk hidden from screen readers). */
const field = (scope: Locator | Page, label: string): Locator =>
  scope.getByLabel(new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}( \\*)?$`));
const FILE_COUNT = 200;

describe("connection dialog (SMB)", () => {
  let samba: SambaInstance;
  // Between the server and smbd, so the test can hold a run while the page shows its progress.
  let smbProxy: TcpProxy;
  let s: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let connectorId: string;

  before(async () => {
    samba = await startSamba();
    const dir = join(samba.shares.share!, "reports");
    mkdirSync(dir);
    chownSync(dir, samba.uid, samba.gid);
    for (let i = 0; i < FILE_COUNT; i++) {
      const file = join(dir, `report-${String(i).padStart(3, "0")}.txt`);
      writeFileSync(file, `quarterly report ${i}\n`.repeat(100));
      chownSync(file, samba.uid, samba.gid);
    }
    for (const name of ["draft.tmp", "~$budget.xlsx"]) {
      writeFileSync(join(samba.shares.share!, name), "lock");
      chownSync(join(samba.shares.share!, name), samba.uid, samba.gid);
    }
    smbProxy = await startTcpProxy(`http://${samba.host}:${samba.port}`);
    s = await startTestServer({ withFeatureRoutes: true, sync: { progressFlushMs: 20 } });
    await s.api("POST", "/api/v1/shares", { json: { name: "Finance" } });
    browser = await launchBrowser();
    context = await signedInContext(browser, s.url, await adminAccount(s));
    page = await context.newPage();
  });
  after(async () => {
    await context?.close();
    await browser?.close();
    await s?.close();
    await smbProxy?.close();
    await samba?.stop();
  });

  const proxyPort = () => Number(new URL(smbProxy.url).port);
  const testResult = (d: Locator) => d.getByRole("region", { name: "Test result" });

  test("add an SMB connection: a wrong password is refused in words, fixed, tested, saved", async () => {
    await page.goto("/connectors");
    await page.getByRole("button", { name: "Add connection" }).click();
    const dialog = page.getByRole("dialog", { name: "Add connection" });
    await dialog.getByRole("radio", { name: "Windows file share (SMB)" }).click();
    await assertAccessible(page, "the dialog's type step");
    await dialog.getByRole("button", { name: "Continue" }).click();

    await field(dialog, "Name").fill("Finance reports");
    await field(dialog, "Server").fill(samba.host);
    await field(dialog, "Port").fill(String(proxyPort()));
    await field(dialog, "SMB share").fill("share");
    await field(dialog, "Domain").fill(samba.domain);
    await field(dialog, "User name").fill(samba.username);
    await field(dialog, "Password").fill("not the password");
    await dialog.getByRole("combobox", { name: "Share" }).click();
    await page.getByRole("option", { name: "Finance" }).click();
    await dialog.getByLabel("Folder in ScaiDrive").fill("/From Fileserver");

    await dialog.getByRole("button", { name: "Test connection" }).click();
    const refused = await waitForText(testResult(dialog), /refused the user name or password/, 30_000);
    assert.match(refused, /STATUS_LOGON_FAILURE/);
    assert.equal((await s.api("GET", BASE)).body.items.length, 0, "a test stores nothing");
    await assertAccessible(page, "the dialog with a failed test");

    await field(dialog, "Password").fill(samba.password);
    await dialog.getByRole("button", { name: "Test connection" }).click();
    const works = await waitForText(testResult(dialog), /Connection works/, 30_000);
    assert.match(works, /Connected to/);

    // Filters: the preview asks the server's sync filter about sample names.
    await dialog.getByLabel("Extensions to exclude").fill("tmp");
    await dialog.getByLabel("Extensions to exclude").press("Enter");
    await dialog.getByLabel("Patterns to exclude").fill("~$*");
    await dialog.getByLabel("Patterns to exclude").press("Enter");
    await dialog.getByLabel("Try a name").fill("reports/q1.txt, draft.tmp, ~$budget.xlsx");
    const preview = dialog.getByRole("status", { name: "Filter preview" });
    await waitForText(preview, /draft\.tmp would be skipped because it matches an exclude/);
    const said = await waitForText(preview, /reports\/q1\.txt would be synced/);
    assert.match(said, /~\$budget\.xlsx would be skipped/);
    await dialog.getByRole("radio", { name: "Both ways" }).check();
    await dialog.getByText("Changes on either side reach the other").waitFor();
    await assertAccessible(page, "the filled dialog");
    await scrollDialogTo(dialog, "General");
    await screenshot(page, "connection-dialog");

    await dialog.getByRole("button", { name: "Save" }).click();
    await page.getByRole("heading", { name: "Finance reports", level: 1 }).waitFor();
    const list = (await s.api("GET", BASE)).body.items;
    assert.equal(list.length, 1);
    connectorId = list[0].id;
    assert.match(page.url(), new RegExp(`/connectors/smb/${connectorId}$`));
    assert.equal(list[0].password_set, true);
    assert.equal(list[0].target_path, "/From Fileserver");
    assert.equal(list[0].sync_direction, "bidirectional");
    assert.deepEqual(list[0].exclude_patterns, { extensions: ["tmp"], patterns: ["~$*"] });
  });

  test("run it: the progress bar reaches the end, then the per-file log", async () => {
    // Record every value the bar shows, whatever the timing of the renders.
    await page.evaluate(() => {
      const w = window as unknown as { seen: number[] };
      w.seen = [];
      new MutationObserver(() => {
        for (const bar of document.querySelectorAll('[role="progressbar"][aria-label="Job progress"]')) {
          const v = bar.getAttribute("aria-valuenow");
          if (v !== null) w.seen.push(Number(v));
        }
      }).observe(document.body, { subtree: true, childList: true, attributes: true });
    });
    smbProxy.hold();
    await page.getByRole("button", { name: "Run now" }).click();
    await page.getByRole("progressbar", { name: "Job progress" }).waitFor();
    smbProxy.release();
    const jobs = page.getByRole("table", { name: "Jobs" });
    await jobs.getByText("Succeeded").waitFor({ timeout: 60_000 });
    const seen = await page.evaluate(() => (window as unknown as { seen: number[] }).seen);
    assert.ok(seen.length > 0, "the bar showed how far the run got");
    const job = (await s.api("GET", `${BASE}/${connectorId}/jobs`)).body.jobs[0];
    assert.equal(job.status, "completed");
    assert.equal(job.files_done, job.files_total, "every planned action done");
    assert.ok(Math.max(...seen) >= 90 || job.files_done === job.files_total, `bar values ${seen.slice(-5)}`);
    const files = await s.api("GET", `/api/v1/shares`);
    const shareId = files.body.items[0].id;
    const inFolder = await s.api(
      "GET",
      `/api/v1/shares/${shareId}/files?path=${encodeURIComponent("/From Fileserver/reports")}&limit=1000`,
    );
    assert.equal(inFolder.body.items.length, FILE_COUNT);
    const root = await s.api("GET", `/api/v1/shares/${shareId}/files?path=${encodeURIComponent("/From Fileserver")}`);
    assert.deepEqual(
      root.body.items.map((i: { name: string }) => i.name),
      ["reports"],
      "the excluded files stayed out",
    );

    await jobs
      .getByRole("row")
      .nth(1)
      .getByRole("button", { name: /^Log of the job started/ })
      .click();
    const log = page.getByRole("dialog").getByRole("table", { name: "Job log" });
    await log.getByText(/report-000\.txt/).waitFor();
    await page.keyboard.press("Escape");
    await page.getByRole("dialog").waitFor({ state: "detached" });
  });

  test("edit: share read-only, password kept unless replaced, asked again when the server changes", async () => {
    await page.getByRole("button", { name: "Edit" }).click();
    const dialog = page.getByRole("dialog", { name: "Edit “Finance reports”" });
    const share = field(dialog, "Share");
    assert.equal(await share.inputValue(), "Finance");
    assert.equal(await share.getAttribute("readonly"), "");
    await dialog.getByText("Set", { exact: true }).waitFor();
    await dialog.getByRole("button", { name: "Replace password" }).waitFor();
    assert.equal(await field(dialog, "Password").count(), 0, "no password box until Replace");
    await assertAccessible(page, "the edit dialog");

    await field(dialog, "Name").fill("Finance reports 2026");
    await dialog.getByRole("button", { name: "Test connection" }).click();
    await waitForText(testResult(dialog), /Connection works/, 30_000);
    await dialog.getByRole("button", { name: "Save" }).click();
    await dialog.waitFor({ state: "detached" });
    await page.getByRole("heading", { name: "Finance reports 2026", level: 1 }).waitFor();
    const saved = (await s.api("GET", `${BASE}/${connectorId}`)).body;
    assert.equal(saved.password_set, true);
    assert.equal((await s.api("POST", `${BASE}/${connectorId}/test`)).body.success, true, "the password was kept");

    // Another server: the password must come again, and a save without it is refused and focuses it.
    await page.getByRole("button", { name: "Edit" }).click();
    const again = page.getByRole("dialog", { name: "Edit “Finance reports 2026”" });
    await field(again, "Port").fill(String(samba.port));
    const password = field(again, "Password");
    await password.waitFor();
    await again.getByText(/You changed the port: enter the password again/).waitFor();
    await again.getByRole("button", { name: "Save" }).click();
    await waitForText(again, /send password again/, 10_000);
    assert.ok(await isFocused(password), "the password box has the focus");
    assert.equal((await s.api("GET", `${BASE}/${connectorId}`)).body.server_port, proxyPort(), "nothing saved");
    await password.fill(samba.password);
    await again.getByRole("button", { name: "Save" }).click();
    await again.waitFor({ state: "detached" });
    assert.equal((await s.api("GET", `${BASE}/${connectorId}`)).body.server_port, samba.port);
  });

  test("keyboard only: open, move through, test and close the dialog; focus stays inside", async () => {
    await page.goto("/connectors");
    const add = page.getByRole("button", { name: "Add connection" });
    await add.focus();
    await page.keyboard.press("Enter");
    const dialog = page.getByRole("dialog", { name: "Add connection" });
    await dialog.waitFor();
    // The type step: arrows choose, Tab reaches Continue.
    await dialog.getByRole("radio", { name: "Windows file share (SMB)" }).focus();
    for (let i = 0; i < 6; i++) {
      await page.keyboard.press("Tab");
      if (await isFocused(dialog.getByRole("button", { name: "Continue" }))) break;
    }
    assert.ok(await isFocused(dialog.getByRole("button", { name: "Continue" })), "Tab reaches Continue");
    await page.keyboard.press("Enter");
    const name = field(dialog, "Name");
    await name.waitFor();
    assert.ok(await isFocused(name), "the first field has the focus");
    await page.keyboard.type("Keyboard only");
    // Tab through the whole form: focus never leaves the dialog.
    let reachedTest = false;
    for (let i = 0; i < 120; i++) {
      await page.keyboard.press("Tab");
      const inside = await dialog.evaluate((d) => d.contains(document.activeElement));
      assert.ok(inside, `focus left the dialog after ${i + 1} Tabs`);
      if (await isFocused(dialog.getByRole("button", { name: "Test connection" }))) {
        reachedTest = true;
        break;
      }
    }
    assert.ok(reachedTest, "Tab reaches Test connection");
    await page.keyboard.press("Enter");
    // Required fields left empty: the test does not run, the first gap gets the focus and says what is missing.
    await dialog.getByText("Enter the server.").waitFor();
    assert.ok(await isFocused(field(dialog, "Server")));
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });
    assert.equal((await s.api("GET", BASE)).body.items.length, 1);
  });

  test("Add connection is offered only to those the server lets create connections", async () => {
    const user = await createAccount(s, { email: "nadia@example.com", name: "Nadia Haddad" });
    const own = await signedInContext(browser, s.url, user);
    try {
      const p = await own.newPage();
      await p.goto("/connectors");
      await p.getByText("No connections yet").waitFor();
      assert.equal(await p.getByRole("button", { name: "Add connection" }).count(), 0);
    } finally {
      await own.close();
    }
  });
});

describe("connection dialog (SharePoint app registration with a certificate)", () => {
  const CERT_APP = "33333333-3333-3333-3333-333333333333";
  let emu: GraphEmulator;
  let s: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let temp: ReturnType<typeof makeTempDir>;
  let app: { cert_file: string; key_file: string; thumbprint_sha1: string };

  before(async () => {
    emu = await startEmulator();
    process.env.SCAIDRIVE_ENTRA_AUTHORITY_HOST = emu.info.authority_host;
    process.env.SCAIDRIVE_GRAPH_BASE_URL = emu.info.graph_base_url;
    temp = makeTempDir("dialog-pfx");
    app = (emu.info.apps as any[]).find((a) => a.client_id === CERT_APP && a.cert_file);
    s = await startTestServer({ withFeatureRoutes: true });
    await s.api("POST", "/api/v1/shares", { json: { name: "Marketing" } });
    browser = await launchBrowser();
    context = await signedInContext(browser, s.url, await adminAccount(s));
    page = await context.newPage();
  });
  after(async () => {
    await context?.close();
    await browser?.close();
    await s?.close();
    await emu?.close();
    temp?.remove();
  });

  test("add with a .pfx file, browse to a sub-folder and sync it; thumbprint and expiry on edit", async () => {
    const pfx = join(temp.path, "app.pfx");
    execFileSync("openssl", [
      "pkcs12",
      "-export",
      "-inkey",
      app.key_file,
      "-in",
      app.cert_file,
      "-out",
      pfx,
      "-passout",
      "pass:pfx pass",
    ]);
    await page.goto("/connectors");
    await page.getByRole("button", { name: "Add connection" }).click();
    const dialog = page.getByRole("dialog", { name: "Add connection" });
    await dialog.getByRole("radio", { name: "SharePoint document library" }).click();
    await dialog.getByRole("button", { name: "Continue" }).click();
    await field(dialog, "Name").fill("Marketing library");
    await dialog.getByRole("tab", { name: "App registration" }).click();
    await field(dialog, "Tenant ID").fill(emu.info.tenant_id);
    await field(dialog, "Client ID").fill(CERT_APP);
    // The segmented control's radios are visually hidden behind their labels.
    await dialog.locator("label", { hasText: /^Certificate$/ }).click();
    assert.ok(await dialog.getByRole("radio", { name: "Certificate" }).isChecked());
    await dialog.locator('input[type="file"]').setInputFiles(pfx);
    await field(dialog, "PFX password").fill("wrong");
    await field(dialog, "Site URL").fill(emu.info.site_url);
    await dialog.getByRole("combobox", { name: "Share" }).click();
    await page.getByRole("option", { name: "Marketing" }).click();

    await dialog.getByRole("button", { name: "Test connection" }).click();
    await waitForText(dialog, /password is wrong/, 30_000);
    assert.ok(await isFocused(field(dialog, "PFX password")), "the PFX password has the focus");
    await field(dialog, "PFX password").fill("pfx pass");
    await dialog.getByRole("button", { name: "Test connection" }).click();
    await waitForText(dialog.getByRole("region", { name: "Test result" }), /Connection works/, 30_000);
    await assertAccessible(page, "the SharePoint dialog");
    await scrollDialogTo(dialog, "Sign-in");
    await screenshot(page, "connection-dialog-sharepoint");

    await dialog.getByRole("button", { name: "Save" }).click();
    // Saved: the connection's page opens the library browser, which sends the certificate just entered with the
    // chosen place (the API wants it again for a new place) without asking for it a second time.
    const browse = page.getByRole("dialog", { name: "Choose what to sync" });
    await browse
      .getByRole("list", { name: "Sites" })
      .getByRole("button", { name: /Marketing/ })
      .click();
    await browse
      .getByRole("list", { name: "Document libraries" })
      .getByRole("button", { name: /Documents/ })
      .click();
    const folders = browse.getByRole("list", { name: "Folders" });
    await folders.getByRole("button", { name: /Campaigns/ }).click();
    await folders.getByRole("button", { name: /^2026/ }).click();
    await browse.getByRole("button", { name: "Sync this folder" }).click();
    await browse.getByText(/you entered when adding this connection/).waitFor();
    await browse.getByRole("button", { name: "Save" }).click();
    await browse.getByRole("status").filter({ hasText: "Saved" }).waitFor();
    await browse.getByRole("button", { name: "Done" }).click();
    await browse.waitFor({ state: "hidden" });
    const [c] = (await s.api("GET", "/api/v1/sharepoint-connectors")).body.items;
    assert.equal(c.azure_client_certificate_pem_set, true);
    assert.equal(c.azure_client_certificate_thumbprint, app.thumbprint_sha1);
    assert.ok(Date.parse(c.azure_client_certificate_expires_at) > Date.now());
    assert.equal(c.drive_id, emu.info.drive_id);
    assert.equal(c.base_path, "Campaigns/2026");

    await page.getByRole("button", { name: "Run now" }).click();
    await page.getByRole("table", { name: "Jobs" }).getByText("Succeeded").waitFor({ timeout: 60_000 });
    const target = c.target_path === "/" ? "" : c.target_path;
    const budget = await s.api(
      "GET",
      `/api/v1/shares/${c.target_share_id}/content?path=${encodeURIComponent(`${target}/Budget.xlsx`)}`,
    );
    assert.equal(budget.status, 200, "the sub-folder's file arrived");
    assert.equal(budget.body, "Budget 2026: 120000 EUR\n");

    await page.goto(`/connectors/sharepoint/${c.id}`);
    await page.getByRole("button", { name: "Edit" }).click();
    const edit = page.getByRole("dialog", { name: "Edit “Marketing library”" });
    const stored = edit.getByRole("group", { name: "Stored certificate" });
    await waitForText(stored, new RegExp(app.thumbprint_sha1));
    assert.match(await stored.innerText(), /Expires/);
    assert.ok(readFileSync(pfx).length > 0);
    await page.keyboard.press("Escape");
  });
});
