/**
 * The one-step fix of an SMB connection an authentication failure disabled, against a real smbd: a wrong password
 * fails the run, the page and the connections list show the banner, the header the alert badge; "Enter the new
 * password" in the list's banner saves the right one, which re-enables the connection and resolves the alert; the
 * next run succeeds.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { chownSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { startSamba, type SambaInstance } from "../harness/samba.js";
import { startTestServer, type TestServer } from "../harness/server.js";
import { adminAccount, signedInContext } from "./accounts.js";
import { launchBrowser } from "./browser.js";
import { assertAccessible, waitForText } from "./page-checks.js";

const BASE = "/api/v1/smb-connectors";

describe("fix an SMB connection from the banner", () => {
  let samba: SambaInstance;
  let s: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let id: string;

  before(async () => {
    samba = await startSamba();
    const file = join(samba.shares.share!, "minutes.txt");
    writeFileSync(file, "board minutes\n");
    chownSync(file, samba.uid, samba.gid);
    s = await startTestServer({ withFeatureRoutes: true });
    const shareId = (await s.api("POST", "/api/v1/shares", { json: { name: "Board" } })).body.id;
    const r = await s.api("POST", BASE, {
      json: {
        name: "Board fileserver",
        server_host: samba.host,
        server_port: samba.port,
        share_name: "share",
        domain: samba.domain,
        username: samba.username,
        password: "an old password",
        target_share_id: shareId,
        target_path: "/Board",
      },
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    id = r.body.id;
    browser = await launchBrowser();
    context = await signedInContext(browser, s.url, await adminAccount(s));
    page = await context.newPage();
  });
  after(async () => {
    await context?.close();
    await browser?.close();
    await s?.close();
    await samba?.stop();
  });

  test("wrong password → banners and badge; Enter the new password → Enabled, no badge, the run succeeds", async () => {
    await page.goto(`/connectors/smb/${id}`);
    await page.getByRole("button", { name: "Run now" }).click();
    const banner = page.getByRole("alert").filter({ hasText: "Disabled after an authentication failure" });
    await banner.waitFor({ timeout: 60_000 });
    await page.reload();
    const badge = page.getByRole("link", { name: "1 open alert" });
    await badge.waitFor();

    await assertAccessible(page, "an SMB connection disabled after an authentication failure");

    // The list shows the same banner with the same fix; it is made from there.
    await page.goto("/connectors");
    const listed = page
      .getByRole("alert")
      .filter({ hasText: "Board fileserver: disabled after an authentication failure" });
    await waitForText(listed, /refused this connection’s credentials/);
    await badge.waitFor();
    await assertAccessible(page, "Connections with a disabled connection");
    await listed.getByRole("button", { name: "Enter the new password" }).click();
    const fix = page.getByRole("dialog", { name: "Enter the new password" });
    await fix.waitFor();
    await assertAccessible(page, "Enter the new password");
    // Nothing typed: said in words, nothing sent.
    await fix.getByRole("button", { name: "Save and enable" }).click();
    await waitForText(fix.getByRole("alert"), /Enter the new password/);
    await fix.getByLabel(/^Password/).fill(samba.password);
    await page.keyboard.press("Enter");
    await fix.waitFor({ state: "hidden" });
    await listed.waitFor({ state: "hidden" });
    await badge.waitFor({ state: "hidden" });
    await page.getByRole("table", { name: "Connections" }).getByRole("link", { name: "Board fileserver" }).click();
    await page.getByRole("heading", { name: "Board fileserver", level: 1 }).waitFor();
    await page.getByText("Enabled", { exact: true }).first().waitFor();
    assert.equal(await banner.count(), 0);
    const open = (await s.api("GET", "/api/v1/alerts?open=true")).body.items;
    assert.equal(open.length, 0);

    await page.getByRole("button", { name: "Run now" }).click();
    await page.getByRole("table", { name: "Jobs" }).getByText("Succeeded").first().waitFor({ timeout: 60_000 });
  });
});
