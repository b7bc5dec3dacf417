import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { startTestServer, type TestServer } from "../harness/server.js";
import { adminAccount, createAccount, signedInContext, type TestAccount } from "./accounts.js";
import { launchBrowser, screenshot, seriousA11yViolations } from "./browser.js";
import { createShare, download, eventually, folderUrl, openFolder, putFile, row, stat } from "./files-kit.js";

/** A valid 1×1 PNG. */
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
  "base64",
);

describe("file browser: the details pane", () => {
  let s: TestServer;
  let browser: Browser;
  let admin: TestAccount;
  let context: BrowserContext;
  let page: Page;
  let shareId: string;

  before(async () => {
    s = await startTestServer({ withFeatureRoutes: true });
    browser = await launchBrowser();
    admin = await adminAccount(s);
    shareId = await createShare(s, "Library");
    context = await signedInContext(browser, s.url, admin);
    page = await context.newPage();
  });
  after(async () => {
    await context?.close();
    await browser?.close();
    await s?.close();
  });

  async function openDetails(name: string, tab: "Preview" | "Versions" | "Metadata" | "Sharing") {
    await openFolder(page, folderUrl(s, shareId));
    await row(page, name).getByRole("button", { name, exact: true }).click();
    const details = page.getByRole("region", { name: "Details" });
    await details.getByRole("heading", { name }).waitFor();
    await details.getByRole("tab", { name: tab }).click();
    return details;
  }

  test("Preview: text in a <pre> (first MiB), images, PDF in a frame, other types offer a download", async () => {
    await putFile(s, shareId, "/readme.md", "# Library\n\nBooks and papers.\n");
    const long = "x".repeat(1024 * 1024) + "TAIL-NOT-SHOWN";
    await putFile(s, shareId, "/long.log", long);
    await putFile(s, shareId, "/cover.png", PNG);
    await putFile(s, shareId, "/paper.pdf", "%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n");
    await putFile(s, shareId, "/data.bin", Buffer.alloc(2048, 9));

    let details = await openDetails("readme.md", "Preview");
    const pre = details.getByRole("region", { name: "Content of readme.md" });
    assert.equal(await pre.evaluate((el) => el.tagName), "PRE");
    assert.equal(await pre.innerText(), "# Library\n\nBooks and papers.\n");

    details = await openDetails("long.log", "Preview");
    await details.getByText("Showing the first 1 MiB.").waitFor();
    const shown = await details.getByRole("region", { name: "Content of long.log" }).innerText();
    assert.equal(shown.length, 1024 * 1024);
    assert.ok(!shown.includes("TAIL"));

    details = await openDetails("cover.png", "Preview");
    const img = details.getByRole("img", { name: "cover.png" });
    await eventually("the image loaded", () => img.evaluate((el) => (el as HTMLImageElement).naturalWidth === 1));
    assert.match((await img.getAttribute("src"))!, /disposition=inline/);

    details = await openDetails("paper.pdf", "Preview");
    const frame = details.locator('iframe[title="PDF preview"]');
    const src = (await frame.getAttribute("src"))!;
    assert.match(src, /disposition=inline/);
    const res = await page.request.get(s.url + src);
    assert.equal(res.headers()["content-type"], "application/pdf");
    assert.match(res.headers()["content-disposition"]!, /^inline/);

    details = await openDetails("data.bin", "Preview");
    await details.getByText("No preview for this type.").waitFor();
    const [file] = await Promise.all([
      page.waitForEvent("download"),
      details.getByRole("button", { name: "Download" }).click(),
    ]);
    assert.equal(file.suggestedFilename(), "data.bin");
  });

  test("Versions: sizes, authors by name, dates; Restore makes an old version current again", async () => {
    const ann = await createAccount(s, { email: "ann@example.com", name: "Ann Archivist" });
    await s.api("PUT", `/api/v1/shares/${shareId}/acl?path=/`, {
      json: { aces: [{ principal_id: ann.id, permissions: ["READ", "WRITE"] }], inherit: true },
    });
    const annToken = (await s.api("POST", "/api/v1/tokens", { json: { user_id: ann.id, name: "t" } })).body.token;
    await putFile(s, shareId, "/report.txt", "first draft\n");
    await putFile(s, shareId, "/report.txt", "second draft, longer\n", annToken);
    await putFile(s, shareId, "/report.txt", "final\n");

    const details = await openDetails("report.txt", "Versions");
    const table = details.getByRole("table", { name: "Versions" });
    await table.getByText("Ann Archivist").waitFor();
    const rows = table.getByRole("row");
    assert.equal(await rows.count(), 4, "header and three versions");
    assert.match(await rows.nth(1).innerText(), /^3\s+Current/);
    assert.match(await rows.nth(1).innerText(), /by Administrator[\s\S]*6 B/);
    assert.match(await rows.nth(2).innerText(), /by Ann Archivist[\s\S]*21 B/);
    assert.match(await rows.nth(3).innerText(), /by Administrator[\s\S]*12 B/);
    assert.equal(await rows.nth(1).getByRole("button", { name: "Restore version 3" }).isDisabled(), true);
    assert.deepEqual(await seriousA11yViolations(page), [], "versions tab");
    await screenshot(page, "details-versions");

    await rows.nth(3).getByRole("button", { name: "Restore version 1" }).click();
    const confirm = page.getByRole("dialog", { name: "Restore version 1?" });
    assert.deepEqual(await seriousA11yViolations(page), [], "restore dialog");
    await confirm.getByRole("button", { name: "Restore" }).click();
    await confirm.waitFor({ state: "detached" });
    await eventually("four versions", async () => (await rows.count()) === 5);
    assert.match(await rows.nth(1).innerText(), /^4\s+Current/);
    assert.equal((await download(s, shareId, "/report.txt")).toString(), "first draft\n");
    const versions = (await s.api("GET", `/api/v1/files/${(await stat(s, shareId, "/report.txt")).id}/versions`)).body;
    assert.equal(versions.versions.length, 4);

    // Download of an older version is its own bytes.
    const [old] = await Promise.all([
      page.waitForEvent("download"),
      rows.nth(3).getByRole("button", { name: "Download version 2" }).click(),
    ]);
    const bytes = await readFile((await old.path())!);
    assert.equal(bytes.toString(), "second draft, longer\n");
  });

  test("Metadata: edit, add, remove; Save merges, removed keys go, JSON values stay JSON", async () => {
    const node = await putFile(s, shareId, "/paper-2.txt", "text");
    await s.api("PATCH", `/api/v1/files/${node.id}/metadata`, {
      json: { project: "apollo", pages: 3, draft: true, tags: ["a", "b"] },
    });
    const details = await openDetails("paper-2.txt", "Metadata");
    const value = (key: string) => details.getByRole("textbox", { name: `Value of ${key}` });
    await value("project").waitFor();
    assert.equal(await value("pages").inputValue(), "3");
    assert.equal(await value("tags").inputValue(), '["a","b"]');
    assert.deepEqual(await seriousA11yViolations(page), [], "metadata tab");

    await value("project").fill("zeus");
    await value("pages").fill("4");
    await details.getByRole("button", { name: "Remove draft" }).click();
    await details.getByRole("button", { name: "Add field" }).click();
    await details.getByRole("textbox", { name: "Name of field 4" }).fill("owner");
    await details.getByRole("textbox", { name: "Value of owner" }).fill("Ann");
    await details.getByRole("button", { name: "Save" }).click();
    await details.getByRole("status").getByText("Saved").waitFor();
    const stored = (await s.api("GET", `/api/v1/files/${node.id}/metadata`)).body;
    assert.deepEqual(stored, { project: "zeus", pages: 4, tags: ["a", "b"], owner: "Ann" });
    assert.equal(await details.getByRole("button", { name: "Save" }).isDisabled(), true, "nothing left to save");
  });
});
