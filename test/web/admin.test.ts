/**
 * The administration pages of the web client against the real server: who sees them, users (new user with a
 * set-password link, set password, admin and disabled switches, the last-admin refusal), groups and members, shares
 * (type-to-confirm delete) and alerts.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { startTestServer, type TestServer } from "../harness/server.js";
import { adminAccount, createAccount, signedInContext, signInThroughPage, type TestAccount } from "./accounts.js";
import { launchBrowser, screenshot } from "./browser.js";
import { assertAccessible, waitForText } from "./page-checks.js";

describe("administration pages", () => {
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

  const usersTable = () => page.getByRole("table", { name: "Users" });
  const userRow = (email: string) => usersTable().getByRole("row").filter({ hasText: email });

  /** Confirms a dialog and waits for it to close, so a refusal shows in the failure instead of a missing row state. */
  async function confirmIn(title: string, button: string) {
    const dialog = page.getByRole("dialog", { name: title });
    await dialog.getByRole("button", { name: button }).click();
    await dialog.waitFor({ state: "detached", timeout: 15_000 }).catch(async (err: unknown) => {
      throw new Error(`“${title}” stayed open: ${await dialog.innerText().catch(() => "?")}`, { cause: err });
    });
  }

  async function rowAction(name: string, email: string, action: string) {
    await userRow(email)
      .getByRole("button", { name: `Actions for ${name}` })
      .click();
    await page.getByRole("menuitem", { name: action }).click();
  }

  test("admins find Administration in the navigation; /admin opens the users", async () => {
    // A few people, so the table looks like a real one.
    await createAccount(s, { email: "mara@example.com", name: "Mara Lindqvist", is_admin: true });
    await createAccount(s, { email: "tomas@example.com", name: "Tomás Herrera" });
    const gone = await createAccount(s, { email: "jo@example.com", name: "Jo Former" });
    await s.api("PATCH", `/api/v1/users/${gone.id}`, { json: { disabled: true } });
    await s.api("POST", "/api/v1/users", { json: { email: "new.hire@example.com", name: "New Hire" } });
    await page.goto("/files");
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Administration" }).click();
    await page.getByRole("heading", { name: "Users", level: 2 }).waitFor();
    assert.match(page.url(), /\/admin\/users$/);
    await userRow(admin.email).waitFor();
    await assertAccessible(page, "Administration: Users");
    await screenshot(page, "admin-users");
    await usersTable().getByRole("button", { name: "Actions for Tomás Herrera" }).click();
    await page.getByRole("menuitem", { name: "Send set-password link" }).waitFor();
    await assertAccessible(page, "a user's actions menu");
    await page.keyboard.press("Escape");
    await page.getByRole("menu").waitFor({ state: "detached" });
    // The search asks the server (?q=), by name or email.
    await page.getByRole("textbox", { name: "Search users" }).fill("HERRERA");
    await userRow("mara@example.com").waitFor({ state: "detached" });
    assert.equal(await usersTable().getByRole("row").count(), 2, "the header and Tomás");
    await page.getByRole("textbox", { name: "Search users" }).fill("nobody-like-this");
    await page.getByText("No user matches").waitFor();
    await page.getByRole("textbox", { name: "Search users" }).fill("");
    await userRow("mara@example.com").waitFor();
    for (const [section, heading] of [
      ["Groups", "Groups"],
      ["Shares", "Shares"],
      ["Alerts", "Alerts"],
      ["Users", "Users"],
    ]) {
      await page
        .getByRole("navigation", { name: "Administration sections" })
        .getByRole("link", { name: section })
        .click();
      await page.getByRole("heading", { name: heading, level: 2 }).waitFor();
    }
  });

  test("a non-admin has no Administration link and /admin/* says administrators only", async () => {
    const nia = await createAccount(s, { email: "nia@example.com", name: "Nia Nonadmin" });
    const theirs = await signedInContext(browser, s.url, nia);
    try {
      const p = await theirs.newPage();
      await p.goto("/files");
      const nav = p.getByRole("navigation", { name: "Main" });
      await nav.getByRole("link", { name: "Files" }).waitFor();
      assert.equal(await nav.getByRole("link", { name: "Administration" }).count(), 0);
      for (const path of ["/admin", "/admin/users", "/admin/alerts"]) {
        await p.goto(path);
        await p.getByRole("heading", { name: "Administrators only" }).waitFor();
        assert.equal(await p.getByRole("table").count(), 0, path);
      }
      await assertAccessible(p, "Administrators only");
      // The API refuses anyway.
      assert.equal((await theirs.request.get("/api/v1/alerts")).status(), 403);
      const made = await theirs.request.post("/api/v1/users", {
        data: { email: "x@example.com", name: "X" },
        headers: {
          origin: s.url,
          "x-csrf-token": (await (await theirs.request.get("/api/v1/auth/session")).json()).csrf_token,
        },
      });
      assert.equal(made.status(), 403);
    } finally {
      await theirs.close();
    }
  });

  test("a new user without a password gets a set-password link that works in another browser", async () => {
    await page.goto("/admin/users");
    await page.getByRole("button", { name: "New user" }).click();
    const dialog = page.getByRole("dialog", { name: "New user" });
    await dialog.getByLabel("Email").fill("olu@example.com");
    await dialog.getByLabel("Name").fill("Olu Onboarded");
    await assertAccessible(page, "the New user dialog");
    await dialog.getByRole("button", { name: "Create" }).click();

    const linkDialog = page.getByRole("dialog", { name: "Set-password link for Olu Onboarded" });
    const box = linkDialog.getByRole("textbox", { name: "Set-password link" });
    await box.waitFor();
    const link = await box.inputValue();
    assert.ok(link.startsWith(`${s.url}/set-password?token=`), link);
    await linkDialog.getByText(/Works once, until/).waitFor();
    await assertAccessible(page, "the set-password link dialog");
    await linkDialog.getByRole("button", { name: "Done" }).click();
    await userRow("olu@example.com").getByText("Not set").waitFor();

    const theirs = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const p = await theirs.newPage();
      await p.goto(link);
      await p.getByLabel("New password").fill("olu's own password");
      await p.getByLabel("Repeat the password").fill("olu's own password");
      await p.getByRole("button", { name: "Set password" }).click();
      await waitForText(p.getByRole("status"), /your password is set/i);
      await signInThroughPage(p, s.url, {
        id: "",
        email: "olu@example.com",
        name: "Olu Onboarded",
        password: "olu's own password",
      });
    } finally {
      await theirs.close();
    }
    await page.reload();
    await userRow("olu@example.com").getByText("Set", { exact: true }).waitFor();
  });

  test("Set password and Make admin from a user's menu", async () => {
    const pat = await createAccount(s, { email: "pat@example.com", name: "Pat Person" });
    await page.goto("/admin/users");
    await rowAction(pat.name, pat.email, "Set password");
    const dialog = page.getByRole("dialog", { name: "Set password for Pat Person" });
    await dialog.getByLabel("New password").fill("short");
    await dialog.getByRole("button", { name: "Set password" }).click();
    await waitForText(dialog.getByRole("alert"), /8/);
    await dialog.getByLabel("New password").fill("pat's password from the admin");
    await dialog.getByLabel("New password").press("Enter");
    await dialog.waitFor({ state: "detached" });
    const signIn = await fetch(`${s.url}/api/v1/auth/sign-in`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: pat.email, password: "pat's password from the admin" }),
    });
    assert.equal(signIn.status, 200);
    await signIn.arrayBuffer();

    await rowAction(pat.name, pat.email, "Make admin");
    await page.getByRole("dialog", { name: "Make administrator" }).getByRole("button", { name: "Make admin" }).click();
    await userRow(pat.email).getByText("Administrator").waitFor();
    assert.equal((await s.api("GET", `/api/v1/users/${pat.id}`)).body.is_admin, true);
    await rowAction(pat.name, pat.email, "Remove admin");
    await page
      .getByRole("dialog", { name: "Remove administrator" })
      .getByRole("button", { name: "Remove admin" })
      .click();
    await userRow(pat.email).getByText("User", { exact: true }).waitFor();
  });

  test("an administrator cannot disable or demote themselves: the refusal is shown in words", async () => {
    await page.goto("/admin/users");
    await rowAction(admin.name, admin.email, "Disable");
    const dialog = page.getByRole("dialog", { name: "Disable user" });
    await dialog.getByRole("button", { name: "Disable" }).click();
    await waitForText(dialog.getByRole("alert"), /administrators cannot disable themselves/i);
    await assertAccessible(page, "the refused Disable dialog");
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await rowAction(admin.name, admin.email, "Remove admin");
    const demote = page.getByRole("dialog", { name: "Remove administrator" });
    await demote.getByRole("button", { name: "Remove admin" }).click();
    await waitForText(demote.getByRole("alert"), /administrators cannot demote themselves/i);
    await page.keyboard.press("Escape");
    await demote.waitFor({ state: "detached" });
    assert.equal((await s.api("GET", `/api/v1/users/${admin.id}`)).body.is_admin, true);
  });

  test("disabling a user throws their open session out on the next request; enabling lets them back", async () => {
    const dee = await createAccount(s, { email: "dee@example.com", name: "Dee Disabled" });
    const theirs = await signedInContext(browser, s.url, dee);
    try {
      const p = await theirs.newPage();
      await p.goto("/files");
      await p.getByRole("heading", { name: "Shares" }).waitFor();

      await page.goto("/admin/users");
      await rowAction(dee.name, dee.email, "Disable");
      await confirmIn("Disable user", "Disable");
      await userRow(dee.email).getByText("Disabled", { exact: true }).waitFor();

      await p.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Account" }).click();
      await p.getByRole("button", { name: "Sign in" }).waitFor();
      assert.match(p.url(), /\/sign-in\?next=%2Faccount$/);
      await p.getByLabel("Email").fill(dee.email);
      await p.getByRole("textbox", { name: "Password", exact: true }).fill(dee.password);
      await p.getByRole("button", { name: "Sign in" }).click();
      await waitForText(p.getByRole("alert"), /disabled/i);

      await rowAction(dee.name, dee.email, "Enable");
      await confirmIn("Enable user", "Enable");
      await userRow(dee.email).getByText("Active", { exact: true }).waitFor();
      await p.getByRole("button", { name: "Sign in" }).click();
      await p.getByRole("heading", { name: "My account" }).waitFor();
    } finally {
      await theirs.close();
    }
  });

  test("groups: create one, add a member with the picker, remove them, delete the group", async () => {
    await createAccount(s, { email: "gia@example.com", name: "Gia Grouped" });
    await page.goto("/admin/groups");
    await page.getByRole("heading", { name: "Groups", level: 2 }).waitFor();
    await page.getByText("No groups yet").waitFor();
    await assertAccessible(page, "Administration: Groups (empty)");
    await page.getByRole("button", { name: "New group" }).click();
    await page.getByRole("dialog", { name: "New group" }).getByLabel("Group name").fill("editors");
    await page.getByRole("dialog", { name: "New group" }).getByRole("button", { name: "Create" }).click();

    const members = page.getByRole("dialog", { name: "Members of editors" });
    await members.getByText("No members yet").waitFor();
    const picker = members.getByRole("combobox", { name: "Add member" });
    await picker.fill("gia");
    await page.getByRole("option", { name: /Gia Grouped/ }).click();
    await members.getByRole("button", { name: "Add", exact: true }).click();
    const memberTable = members.getByRole("table", { name: "Members" });
    await memberTable.getByRole("row").filter({ hasText: "gia@example.com" }).waitFor();
    await assertAccessible(page, "the group members dialog");
    await page.keyboard.press("Escape");
    await members.waitFor({ state: "detached" });

    const row = page.getByRole("table", { name: "Groups" }).getByRole("row").filter({ hasText: "editors" });
    await waitForText(row.getByRole("cell").nth(1), /^1$/);
    const groups = (await s.api("GET", "/api/v1/groups")).body.items;
    const editors = groups.find((g: { name: string }) => g.name === "editors");
    assert.equal(editors.member_ids.length, 1);
    await assertAccessible(page, "Administration: Groups");

    await row.getByRole("button", { name: "Members of editors" }).click();
    await members.getByRole("button", { name: "Remove Gia Grouped" }).click();
    await members.getByText("No members yet").waitFor();
    await members.getByRole("button", { name: "Done" }).click();

    await row.getByRole("button", { name: "Delete editors" }).click();
    await page.getByRole("dialog", { name: "Delete group" }).getByRole("button", { name: "Delete" }).click();
    await row.waitFor({ state: "detached" });
    assert.equal((await s.api("GET", `/api/v1/groups/${editors.id}`)).status, 404);
  });

  test("shares: create one; deleting asks for its name to be typed", async () => {
    await page.goto("/admin/shares");
    await page.getByRole("heading", { name: "Shares", level: 2 }).waitFor();
    await page.getByRole("button", { name: "New share" }).click();
    const dialog = page.getByRole("dialog", { name: "New share" });
    await dialog.getByLabel("Share name").fill("Projects");
    await dialog.getByLabel("Description").fill("Everything the project teams work on");
    await dialog.getByRole("button", { name: "Create" }).click();
    const table = page.getByRole("table", { name: "Shares" });
    const row = table.getByRole("row").filter({ hasText: "Projects" });
    await row.getByRole("link", { name: "Projects" }).waitFor();
    await row.getByText("Everything the project teams work on").waitFor();
    await assertAccessible(page, "Administration: Shares");
    const share = (await s.api("GET", "/api/v1/shares")).body.items.find(
      (x: { name: string }) => x.name === "Projects",
    );

    await row.getByRole("button", { name: "Delete Projects" }).click();
    const confirm = page.getByRole("dialog", { name: "Delete share" });
    const del = confirm.getByRole("button", { name: "Delete" });
    assert.equal(await del.isDisabled(), true, "nothing typed yet");
    await confirm.getByLabel("Share name").fill("projects");
    assert.equal(await del.isDisabled(), true, "the name must match exactly");
    await assertAccessible(page, "the Delete share dialog");
    await confirm.getByLabel("Share name").fill("Projects");
    assert.equal(await del.isDisabled(), false);
    await del.click();
    await row.waitFor({ state: "detached" });
    assert.equal((await s.api("GET", `/api/v1/shares/${share.id}`)).status, 404);
  });

  test("alerts: an open alert is listed and resolved", async () => {
    const raised = await s.built.context.alerts.raise({
      kind: "connector_auth_failed",
      connectorId: "cnn_01ARZ3NDEKTSV4RRFFQ69G5FAV",
      message: "the remote refused the connector's credentials",
    });
    await page.goto("/admin/alerts");
    const table = page.getByRole("table", { name: "Alerts" });
    const row = table.getByRole("row").filter({ hasText: "the remote refused the connector's credentials" });
    await row.getByText("Connector credentials refused").waitFor();
    await assertAccessible(page, "Administration: Alerts");
    await row.getByRole("button", { name: /^Resolve/ }).click();
    await page.getByText("No open alerts").waitFor();
    assert.notEqual((await s.api("GET", "/api/v1/alerts")).body.items[0].resolved_at, null);
    assert.equal((await s.api("GET", "/api/v1/alerts")).body.items[0].id, raised.id);

    await page.getByText("All", { exact: true }).click();
    await row.getByText("Resolved").waitFor();
    assert.match(page.url(), /show=all/);
    assert.equal(await row.getByRole("button", { name: /^Resolve/ }).count(), 0);
  });
});
