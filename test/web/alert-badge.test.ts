/**
 * The header's open-alert badge: an administrator sees how many alerts are open and follows it to the Alerts page,
 * where resolving the last one removes it; a non-administrator neither sees it nor asks the server for alerts.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { startTestServer, type TestServer } from "../harness/server.js";
import { adminAccount, createAccount, signedInContext, type TestAccount } from "./accounts.js";
import { launchBrowser } from "./browser.js";
import { assertAccessible } from "./page-checks.js";

describe("open-alert badge in the header", () => {
  let s: TestServer;
  let browser: Browser;
  let admin: TestAccount;
  let context: BrowserContext;
  let page: Page;
  before(async () => {
    // Alerts are a feature route.
    s = await startTestServer({ withFeatureRoutes: true });
    browser = await launchBrowser();
    admin = await adminAccount(s);
    context = await signedInContext(browser, s.url, admin);
    page = await context.newPage();
  });
  after(async () => {
    await context?.close();
    await browser?.close();
    await s?.close();
  });

  const badge = (p: Page) => p.getByRole("banner").getByRole("link", { name: /open alerts?$/ });

  test("an admin sees no badge while nothing is open", async () => {
    // The count has been asked for and answered before the absence means anything.
    const answered = page.waitForResponse((r) => new URL(r.url()).pathname === "/api/v1/alerts" && r.ok());
    await page.goto("/files");
    await answered;
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Files" }).waitFor();
    assert.equal(await badge(page).count(), 0);
  });

  test("“1 open alert” leads to the Alerts page; resolving the alert there removes the badge", async () => {
    await s.built.context.alerts.raise({
      kind: "connector_auth_failed",
      connectorId: "cnn_01ARZ3NDEKTSV4RRFFQ69G5FAV",
      message: "the remote refused the connector's credentials",
    });
    await page.goto("/files");
    const one = page.getByRole("banner").getByRole("link", { name: "1 open alert", exact: true });
    await one.waitFor();
    await assertAccessible(page, "the header with the alert badge");
    await one.click();
    await page.getByRole("heading", { name: "Alerts", level: 2 }).waitFor();
    assert.match(page.url(), /\/admin\/alerts$/);
    const row = page
      .getByRole("table", { name: "Alerts" })
      .getByRole("row")
      .filter({ hasText: "the remote refused the connector's credentials" });
    await row.getByRole("button", { name: /^Resolve/ }).click();
    await page.getByText("No open alerts").waitFor();
    // No reload and well inside the 30 s refresh: the resolve itself refreshed the count.
    await one.waitFor({ state: "detached", timeout: 5_000 });
    assert.equal(await badge(page).count(), 0);
  });

  test("the count reads “N open alerts” for several", async () => {
    for (const n of [1, 2, 3])
      await s.built.context.alerts.raise({ kind: "connector_auth_failed", connectorId: null, message: `problem ${n}` });
    await page.goto("/account");
    await page.getByRole("banner").getByRole("link", { name: "3 open alerts", exact: true }).waitFor();
  });

  test("a non-admin sees no badge and never requests /api/v1/alerts", async () => {
    const nia = await createAccount(s, { email: "nia@example.com", name: "Nia Nonadmin" });
    const theirs = await signedInContext(browser, s.url, nia);
    try {
      const p = await theirs.newPage();
      const alertRequests: string[] = [];
      p.on("request", (r) => {
        if (new URL(r.url()).pathname.startsWith("/api/v1/alerts")) alertRequests.push(r.url());
      });
      await p.goto("/files");
      await p.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Files" }).waitFor();
      await p.goto("/account");
      await p.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Account" }).waitFor();
      await p.waitForLoadState("networkidle");
      assert.equal(await badge(p).count(), 0);
      assert.deepEqual(alertRequests, []);
    } finally {
      await theirs.close();
    }
  });
});
