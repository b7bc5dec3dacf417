/**
 * Signing in and out through the web client against the real server: the error in an alert, the rate-limit message,
 * the keyboard alone, sign-out ending the session on the server, and the set-password page with a real link.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Browser } from "playwright-core";
import { startTestServer, type TestServer } from "../harness/server.js";
import { createAccount } from "./accounts.js";
import { launchBrowser, screenshot } from "./browser.js";
import { assertAccessible, isFocused, sessionCookie, waitForText } from "./page-checks.js";

describe("sign-in page", () => {
  let s: TestServer;
  let browser: Browser;
  before(async () => {
    s = await startTestServer();
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await s?.close();
  });

  async function newPage() {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    return { context, page: await context.newPage() };
  }

  test("a wrong password is refused in an alert; the right one signs in; sign-out ends the session", async () => {
    const ann = await createAccount(s, { email: "ann@example.com", name: "Ann Admin-Less" });
    const { context, page } = await newPage();
    try {
      await page.goto(`${s.url}/sign-in`);
      await page.getByRole("heading", { name: "Sign in to ScaiDrive" }).waitFor();
      await assertAccessible(page, "the sign-in page");
      await screenshot(page, "sign-in");

      await page.getByLabel("Email").fill(ann.email);
      await page.getByRole("textbox", { name: "Password", exact: true }).fill("not the password");
      await page.getByRole("button", { name: "Sign in" }).click();
      await waitForText(page.getByRole("alert"), /wrong email or password/i);
      assert.equal(await sessionCookie(context), undefined);
      await assertAccessible(page, "the sign-in page with an error");

      await page.getByRole("textbox", { name: "Password", exact: true }).fill(ann.password);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByRole("heading", { name: "Shares" }).waitFor();
      const banner = page.getByRole("banner");
      await banner.getByText(ann.name).waitFor();
      const cookie = await sessionCookie(context);
      assert.ok(cookie, "signed in: the session cookie is set");
      const before = await fetch(`${s.url}/api/v1/auth/session`, {
        headers: { cookie: `scaidrive_session=${cookie}` },
      });
      assert.equal(before.status, 200);
      await before.arrayBuffer();

      await banner.getByRole("button", { name: "Sign out" }).click();
      await page.getByRole("button", { name: "Sign in" }).waitFor();
      assert.match(page.url(), /\/sign-in$/);
      const afterOut = await fetch(`${s.url}/api/v1/auth/session`, {
        headers: { cookie: `scaidrive_session=${cookie}` },
      });
      assert.equal(afterOut.status, 401, "the old session cookie no longer works");
      await afterOut.arrayBuffer();
      // Back to an app page: the sign-in page again, which returns there after signing in.
      await page.goto(`${s.url}/account`);
      await page.getByRole("button", { name: "Sign in" }).waitFor();
      assert.match(page.url(), /\/sign-in\?next=%2Faccount$/);
    } finally {
      await context.close();
    }
  });

  test("the sign-in form can be completed with the keyboard alone", async () => {
    const kim = await createAccount(s, { email: "kim@example.com", name: "Kim Keys" });
    const { context, page } = await newPage();
    try {
      await page.goto(`${s.url}/sign-in?next=%2Faccount`);
      await page.getByLabel("Email").waitFor();
      await page.keyboard.press("Tab");
      assert.ok(await isFocused(page.getByLabel("Email")), "Tab from the top reaches Email first");
      await page.keyboard.type(kim.email);
      await page.keyboard.press("Tab");
      assert.ok(
        await isFocused(page.getByRole("textbox", { name: "Password", exact: true })),
        "the next Tab reaches Password",
      );
      await page.keyboard.type(kim.password);
      await page.keyboard.press("Enter");
      await page.getByRole("heading", { name: "My account" }).waitFor();
      assert.match(page.url(), /\/account$/, "signed in, back where the visitor was going");
    } finally {
      await context.close();
    }
  });

  test("repeated failures end in the rate-limit message, which says which limit and when to retry", async () => {
    const rae = await createAccount(s, { email: "rae@example.com", name: "Rae Retry" });
    const { context, page } = await newPage();
    try {
      await page.goto(`${s.url}/sign-in`);
      await page.getByLabel("Email").fill(rae.email);
      let status = 0;
      for (let attempt = 1; attempt <= 8 && status !== 429; attempt++) {
        await page.getByRole("textbox", { name: "Password", exact: true }).fill(`wrong password ${attempt}`);
        const [answer] = await Promise.all([
          page.waitForResponse((r) => r.url().endsWith("/api/v1/auth/sign-in")),
          page.getByRole("button", { name: "Sign in" }).click(),
        ]);
        status = answer.status();
      }
      assert.equal(status, 429, "the account's limit is reached within 8 attempts");
      const text = await waitForText(page.getByRole("alert"), /too many/i);
      assert.match(text, /too many failed sign-ins for this account/i);
      assert.match(text, /try again in \d+ minutes?/i);
      // The right password does not get past the limit either.
      await page.getByRole("textbox", { name: "Password", exact: true }).fill(rae.password);
      await page.getByRole("button", { name: "Sign in" }).click();
      await waitForText(page.getByRole("alert"), /too many failed sign-ins/i);
      assert.equal(await sessionCookie(context), undefined);
      await assertAccessible(page, "the sign-in page with the rate-limit message");
    } finally {
      await context.close();
    }
  });

  test("the set-password page sets a password with a real link, once", async () => {
    const created = await s.api("POST", "/api/v1/users", { json: { email: "lee@example.com", name: "Lee Link" } });
    assert.equal(created.status, 201);
    const link = await s.api("POST", `/api/v1/users/${created.body.id}/password-link`);
    assert.equal(link.status, 201, JSON.stringify(link.body));
    const { context, page } = await newPage();
    try {
      await page.goto(s.url + link.body.url);
      await page.getByRole("heading", { name: "Set your password" }).waitFor();
      await assertAccessible(page, "the set-password page");
      await page.getByLabel("New password").fill("lee's new password");
      await page.getByLabel("Repeat the password").fill("lee's new password");
      await page.getByRole("button", { name: "Set password" }).click();
      await waitForText(page.getByRole("status"), /your password is set/i);
      await page.getByRole("link", { name: "Sign in" }).click();
      await page.getByLabel("Email").fill("lee@example.com");
      await page.getByRole("textbox", { name: "Password", exact: true }).fill("lee's new password");
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByRole("heading", { name: "Shares" }).waitFor();

      // The link was used up.
      const other = await context.browser()!.newContext();
      try {
        const again = await other.newPage();
        await again.goto(s.url + link.body.url);
        await again.getByLabel("New password").fill("another password");
        await again.getByLabel("Repeat the password").fill("another password");
        await again.getByRole("button", { name: "Set password" }).click();
        await waitForText(again.getByRole("alert"), /administrator/i);
      } finally {
        await other.close();
      }
    } finally {
      await context.close();
    }
  });
});
