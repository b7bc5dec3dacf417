import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { startTestServer, type TestServer } from "../harness/server.js";
import { adminAccount, createAccount, signedInContext, type TestAccount } from "./accounts.js";
import { launchBrowser, screenshot, seriousA11yViolations } from "./browser.js";
import { createShare, eventually, folderUrl, mkdir, openFolder, putFile, row } from "./files-kit.js";

describe("file browser: sharing", () => {
  let s: TestServer;
  let browser: Browser;
  let admin: TestAccount;
  let ann: TestAccount;
  let groupId: string;
  let shareId: string;
  let adminContext: BrowserContext;
  let page: Page;

  before(async () => {
    s = await startTestServer({ withFeatureRoutes: true });
    browser = await launchBrowser();
    admin = await adminAccount(s);
    ann = await createAccount(s, { email: "ann@example.com", name: "Ann Member" });
    await createAccount(s, { email: "bob@example.com", name: "Bob Outsider" });
    groupId = (await s.api("POST", "/api/v1/groups", { json: { name: "Editors" } })).body.id;
    await s.api("POST", `/api/v1/groups/${groupId}/members`, { json: { user_id: ann.id } });
    await s.api("POST", "/api/v1/groups", { json: { name: "Auditors" } });
    shareId = await createShare(s, "Company");
    await mkdir(s, shareId, "/Team/Plans");
    await putFile(s, shareId, "/Team/Plans/roadmap.txt", "Q1: ship it\n");
    await putFile(s, shareId, "/Private.txt", "not for Ann\n");
    adminContext = await signedInContext(browser, s.url, admin);
    page = await adminContext.newPage();
  });
  after(async () => {
    await adminContext?.close();
    await browser?.close();
    await s?.close();
  });

  async function sharingOf(p: Page, folder: string, name: string) {
    await openFolder(p, folderUrl(s, shareId, folder));
    await p.getByRole("checkbox", { name: `Select ${name}` }).check();
    await p.getByRole("button", { name: "Details" }).click();
    const details = p.getByRole("region", { name: "Details" });
    await details.getByRole("heading", { name }).waitFor();
    await details.getByRole("tab", { name: "Sharing" }).click();
    await details.getByRole("table", { name: "Permissions" }).waitFor();
    return details;
  }

  test("share a folder with a group through the picker; a member sees it in another browser", async () => {
    const details = await sharingOf(page, "/", "Team");
    const picker = details.getByRole("combobox", { name: "Add people or groups" });
    await picker.fill("edit");
    await page.getByRole("option", { name: "Editors" }).click();
    const perms = details.getByRole("table", { name: "Permissions" });
    await perms.getByText("Editors").waitFor();
    assert.equal(await perms.getByRole("checkbox", { name: "Read for Editors" }).isChecked(), true);
    await perms.getByRole("checkbox", { name: "Write for Editors" }).check();
    // The picker finds people by email too.
    await picker.fill("bob@");
    await page.getByRole("option", { name: /Bob Outsider.*bob@example\.com/ }).waitFor();
    await picker.press("Escape");
    await picker.fill("");
    assert.deepEqual(await seriousA11yViolations(page), [], "sharing tab");
    await screenshot(page, "sharing");
    await details.getByRole("button", { name: "Save" }).click();
    await details.getByRole("status").getByText("Saved").waitFor();

    const acl = (await s.api("GET", `/api/v1/shares/${shareId}/acl?path=/Team`)).body;
    assert.deepEqual(acl.aces, [{ principal_id: groupId, permissions: ["READ", "WRITE"] }]);

    const annContext = await signedInContext(browser, s.url, ann);
    try {
      const annPage = await annContext.newPage();
      await annPage.goto(`${s.url}/files`);
      await annPage.getByRole("link", { name: "Company" }).click();
      // Ann may not read the share's top level: she is shown what was shared with her in it.
      const shared = annPage.getByRole("region", { name: "Shared with you" });
      await shared.getByRole("link", { name: "Team" }).waitFor();
      assert.equal(await annPage.getByText("Private.txt").count(), 0, "only what the group was given");
      assert.deepEqual(await seriousA11yViolations(annPage), [], "shared with you");
      await shared.getByRole("link", { name: "Team" }).click();
      await row(annPage, "Plans").waitFor();
      await annPage.getByRole("link", { name: "Plans" }).click();
      await annPage.getByRole("button", { name: "roadmap.txt" }).click();
      await annPage.getByRole("region", { name: "Details" }).getByText("Q1: ship it").waitFor();

      // Ann may not manage permissions: the tab is read-only, and names where her access comes from.
      const annDetails = await sharingOf(annPage, "/Team", "Plans");
      await annDetails.getByText("Read only").waitFor();
      await annDetails.getByText("Inherited from /Team").waitFor();
      assert.equal(await annDetails.getByRole("checkbox", { name: "Write for Editors" }).isDisabled(), true);
      assert.equal(await annDetails.getByRole("checkbox", { name: "Write for Editors" }).isChecked(), true);
      assert.equal(await annDetails.getByRole("combobox", { name: "Add people or groups" }).isDisabled(), true);
      assert.equal(
        await annDetails.getByRole("switch", { name: "Inherit permissions from parent folder" }).isDisabled(),
        true,
      );
      assert.equal(await annDetails.getByRole("button", { name: "Save" }).isDisabled(), true);
      assert.equal(await annDetails.getByRole("button", { name: /^Remove/ }).count(), 0);
      assert.deepEqual(await seriousA11yViolations(annPage), [], "read-only sharing tab");
    } finally {
      await annContext.close();
    }
  });

  test("own entries can be removed; turning inheritance off keeps only this folder's entries", async () => {
    await s.api("PUT", `/api/v1/shares/${shareId}/acl?path=/Team/Plans`, {
      json: { aces: [{ principal_id: ann.id, permissions: ["READ"] }], inherit: true },
    });
    const details = await sharingOf(page, "/Team", "Plans");
    const perms = details.getByRole("table", { name: "Permissions" });
    await perms.getByText("Ann Member").waitFor();
    await perms.getByText("Inherited from /Team").waitFor();
    await details.getByRole("switch", { name: "Inherit permissions from parent folder" }).click({ force: true });
    await eventually(
      "inherited entries hidden",
      async () => (await perms.getByText("Inherited from /Team").count()) === 0,
    );
    await details.getByRole("button", { name: "Remove Ann Member" }).click();
    await details.getByRole("button", { name: "Save" }).click();
    await details.getByRole("status").getByText("Saved").waitFor();
    const acl = (await s.api("GET", `/api/v1/shares/${shareId}/acl?path=/Team/Plans`)).body;
    assert.equal(acl.inherit, false);
    assert.deepEqual(acl.aces, []);
  });
});
