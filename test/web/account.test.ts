/**
 * "My account" in the web client against the real server: the name, changing the password (other sessions end, the
 * new password signs in), and API tokens (shown once, listed with their last use, revoked so they stop working).
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Browser } from "playwright-core";
import { startTestServer, type TestServer } from "../harness/server.js";
import { createAccount, signedInContext, signInThroughPage } from "./accounts.js";
import { launchBrowser, screenshot } from "./browser.js";
import { assertAccessible, waitForText } from "./page-checks.js";

describe("My account", () => {
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

  test("the page shows the account; the name can be changed", async () => {
    const ada = await createAccount(s, { email: "ada@example.com", name: "Ada Account" });
    const context = await signedInContext(browser, s.url, ada);
    try {
      const page = await context.newPage();
      await page.goto("/files");
      await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Account" }).click();
      await page.getByRole("heading", { name: "My account", level: 1 }).waitFor();
      await page.getByText("Signed in as ada@example.com").waitFor();
      await page.getByRole("table", { name: "API tokens" }).or(page.getByText("No API tokens")).waitFor();
      await assertAccessible(page, "My account");
      await screenshot(page, "account");

      await page.getByRole("textbox", { name: "Name" }).fill("Ada Lovelace");
      await page.getByRole("button", { name: "Save name" }).click();
      await waitForText(page.getByRole("status").filter({ hasText: "Saved" }), /Saved/);
      await page.getByRole("banner").getByText("Ada Lovelace").waitFor();
      const me = await s.api("GET", `/api/v1/users/${ada.id}`);
      assert.equal(me.body.name, "Ada Lovelace");
    } finally {
      await context.close();
    }
  });

  test("change password: a wrong current one is refused; other sessions end; the new one signs in", async () => {
    const ben = await createAccount(s, { email: "ben@example.com", name: "Ben Password" });
    const elsewhere = await signedInContext(browser, s.url, ben);
    const context = await signedInContext(browser, s.url, ben);
    try {
      const page = await context.newPage();
      await page.goto("/account");
      await page.getByRole("heading", { name: "Change password" }).waitFor();

      await page.getByLabel("Current password").fill("not my password");
      await page.getByLabel("New password").fill("ben's brand new password");
      await page.getByRole("button", { name: "Change password" }).click();
      await waitForText(page.getByRole("alert"), /current password is wrong/i);

      await page.getByLabel("Current password").fill(ben.password);
      await page.getByRole("button", { name: "Change password" }).click();
      await waitForText(page.getByRole("status").filter({ hasText: "password" }), /your password is changed/i);
      await assertAccessible(page, "My account after a password change");

      // This browser stays signed in and can still write (the fresh session's CSRF token is in use).
      await page.getByRole("textbox", { name: "Name" }).fill("Ben Changed");
      await page.getByRole("button", { name: "Save name" }).click();
      await waitForText(page.getByRole("status").filter({ hasText: "Saved" }), /Saved/);
      // The other session ended.
      assert.equal((await elsewhere.request.get("/api/v1/auth/session")).status(), 401);

      await page.getByRole("button", { name: "Sign out" }).click();
      await page.getByRole("button", { name: "Sign in" }).waitFor();
      const old = await fetch(`${s.url}/api/v1/auth/sign-in`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email: ben.email, password: ben.password }),
      });
      assert.equal(old.status, 401, "the old password no longer signs in");
      await old.arrayBuffer();
      await signInThroughPage(page, s.url, { ...ben, password: "ben's brand new password" });
    } finally {
      await context.close();
      await elsewhere.close();
    }
  });

  test("a new token is shown once, then listed with its last use; revoking it makes it fail", async () => {
    const cai = await createAccount(s, { email: "cai@example.com", name: "Cai Tokens" });
    const context = await signedInContext(browser, s.url, cai);
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: s.url });
    try {
      const page = await context.newPage();
      await page.goto("/account");
      await page.getByText("No API tokens").waitFor();
      await page.getByRole("button", { name: "Create token" }).click();
      const dialog = page.getByRole("dialog", { name: "Create token" });
      await dialog.getByLabel("Token name").fill("laptop");
      await dialog.getByLabel("Token name").press("Enter");
      const box = dialog.getByRole("textbox", { name: "New token" });
      await box.waitFor();
      assert.equal(await box.getAttribute("readonly"), "");
      const token = await box.inputValue();
      assert.ok(token.length >= 20, token);
      await assertAccessible(page, "the new token dialog");
      await dialog.getByRole("button", { name: "Copy new token" }).click();
      assert.equal(await page.evaluate(() => navigator.clipboard.readText()), token);
      await dialog.getByRole("button", { name: "Done" }).click();
      await dialog.waitFor({ state: "detached" });
      assert.ok(!(await page.content()).includes(token), "the token is not on the page any more");

      const table = page.getByRole("table", { name: "API tokens" });
      const row = table.getByRole("row").filter({ hasText: "laptop" });
      await row.getByText("Never").waitFor();
      const used = await s.api("GET", "/api/v1/users/me", { token });
      assert.equal(used.status, 200);
      assert.equal(used.body.id, cai.id);
      await page.reload();
      await row.waitFor();
      assert.ok(!(await row.textContent())!.includes("Never"), "the last use is listed after the token was used");
      await assertAccessible(page, "My account with a token");

      await row.getByRole("button", { name: "Revoke laptop" }).click();
      const confirm = page.getByRole("dialog", { name: "Revoke token" });
      await confirm.getByRole("button", { name: "Revoke" }).click();
      await row.waitFor({ state: "detached" });
      await page.getByText("No API tokens").waitFor();
      assert.equal((await s.api("GET", "/api/v1/users/me", { token })).status, 401, "a revoked token fails");
    } finally {
      await context.close();
    }
  });
});
