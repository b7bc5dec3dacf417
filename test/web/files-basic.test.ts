import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { startTestServer, type TestServer } from "../harness/server.js";
import { adminAccount, signedInContext, type TestAccount } from "./accounts.js";
import { launchBrowser, screenshot, seriousA11yViolations } from "./browser.js";
import {
  createShare,
  eventually,
  folderUrl,
  listNames,
  mkdir,
  openFolder,
  putFile,
  readZip,
  row,
  stat,
} from "./files-kit.js";

describe("file browser: the folder view and its toolbar", () => {
  let s: TestServer;
  let browser: Browser;
  let admin: TestAccount;
  let context: BrowserContext;
  let page: Page;
  let shareId: string;
  const docs = { "a.txt": "alpha\n", "b.md": "# Bravo\n", "sub/c.bin": Buffer.alloc(70_000, 7) };

  before(async () => {
    s = await startTestServer({ withFeatureRoutes: true });
    browser = await launchBrowser();
    admin = await adminAccount(s);
    shareId = await createShare(s, "Projects", "Plans, designs and reports of the current projects");
    await createShare(s, "Archive", "Finished projects, read only");
    await createShare(s, "Marketing");
    for (const [rel, content] of Object.entries(docs)) await putFile(s, shareId, `/Docs/${rel}`, content);
    await mkdir(s, shareId, "/Reports/2024");
    await putFile(s, shareId, "/big.bin", Buffer.alloc(300_000, 1));
    await putFile(s, shareId, "/notes.txt", "remember the milk\n");
    await putFile(s, shareId, "/spec.pdf", "%PDF-1.4\n%%EOF\n");
    await putFile(s, shareId, "/photo.png", Buffer.from("89504e470d0a1a0a", "hex"));
    await putFile(s, shareId, "/music.mp3", Buffer.alloc(5000, 3));
    await putFile(s, shareId, "/backup.zip", Buffer.alloc(9000, 4));
    await putFile(s, shareId, "/Reports/2024/quarterly-figures.csv", "q,amount\n1,100\n");
    context = await signedInContext(browser, s.url, admin);
    page = await context.newPage();
  });
  after(async () => {
    await context?.close();
    await browser?.close();
    await s?.close();
  });

  test("shares list, then a folder: heading, breadcrumbs, icons, sorting; axe finds nothing serious", async () => {
    await page.goto(`${s.url}/files`);
    await page.getByRole("heading", { name: "Shares" }).waitFor();
    assert.deepEqual(await seriousA11yViolations(page), [], "shares list");
    await screenshot(page, "shares");

    await page.getByRole("link", { name: "Projects" }).click();
    await page.getByRole("heading", { name: "Projects", level: 1 }).waitFor();
    const grid = page.getByRole("grid", { name: "Files" });
    await row(page, "notes.txt").waitFor();
    const names = () => grid.locator("[role=row] [role=gridcell]:nth-child(2)").allTextContents();
    assert.deepEqual(await names(), [
      "Docs",
      "Reports",
      "backup.zip",
      "big.bin",
      "music.mp3",
      "notes.txt",
      "photo.png",
      "spec.pdf",
    ]);
    assert.equal(await grid.getAttribute("aria-rowcount"), "9");
    // Folders are links into the folder, files are buttons that open the details.
    assert.equal(await row(page, "Docs").getByRole("link", { name: "Docs" }).count(), 1);
    assert.equal(await row(page, "notes.txt").getByRole("button", { name: "notes.txt" }).count(), 1);

    const size = grid.getByRole("columnheader", { name: "Size" });
    assert.equal(await size.getAttribute("aria-sort"), "none");
    assert.equal(await grid.getByRole("columnheader", { name: "Name" }).getAttribute("aria-sort"), "ascending");
    await size.getByRole("button", { name: "Size" }).click();
    assert.equal(await size.getAttribute("aria-sort"), "descending");
    assert.deepEqual((await names()).slice(0, 4), ["Docs", "Reports", "big.bin", "backup.zip"]);
    await size.getByRole("button", { name: "Size" }).click();
    assert.equal(await size.getAttribute("aria-sort"), "ascending");
    await grid.getByRole("button", { name: "Name" }).click();

    assert.deepEqual(await seriousA11yViolations(page), [], "folder view");
    await screenshot(page, "folder");

    await page.getByRole("link", { name: "Reports" }).click();
    await page.getByRole("heading", { name: "Reports", level: 1 }).waitFor();
    const crumbs = page.getByRole("navigation", { name: "Breadcrumb" });
    assert.deepEqual(await crumbs.getByRole("link").allInnerTexts(), ["Shares", "Projects"]);
    await crumbs.getByRole("link", { name: "Projects" }).click();
    await page.getByRole("heading", { name: "Projects", level: 1 }).waitFor();

    await row(page, "notes.txt").getByRole("button", { name: "notes.txt" }).click();
    const details = page.getByRole("region", { name: "Details" });
    await details.getByText("remember the milk").waitFor();
    assert.deepEqual(await seriousA11yViolations(page), [], "details pane open");
    await page.getByRole("checkbox", { name: "Select notes.txt" }).check();
    await page.getByRole("button", { name: "Rename" }).click();
    await page.getByRole("dialog", { name: "Rename “notes.txt”" }).waitFor();
    assert.deepEqual(await seriousA11yViolations(page), [], "dialog open");
    await page.keyboard.press("Escape");
    await page.getByRole("dialog").waitFor({ state: "detached" });
    await details.getByRole("button", { name: "Close details" }).click();
    await page.getByRole("button", { name: "Clear selection" }).click();
  });

  test("New folder, Rename, Move and Delete change the share as the dialogs say", async () => {
    await openFolder(page, folderUrl(s, shareId));
    await page.getByRole("button", { name: "New folder" }).click();
    const create = page.getByRole("dialog", { name: "New folder" });
    await create.getByRole("textbox", { name: "Folder name" }).fill("Drafts");
    await create.getByRole("button", { name: "Create" }).click();
    await row(page, "Drafts").waitFor();
    assert.equal((await stat(s, shareId, "/Drafts"))?.type, "folder");

    await page.getByRole("checkbox", { name: "Select notes.txt" }).check();
    await page.getByRole("button", { name: "Rename" }).click();
    const rename = page.getByRole("dialog", { name: "Rename “notes.txt”" });
    await rename.getByRole("textbox", { name: "New name" }).fill("shopping.txt");
    await rename.getByRole("button", { name: "Rename" }).click();
    await row(page, "shopping.txt").waitFor();
    const renamed = await stat(s, shareId, "/shopping.txt");
    assert.equal(await stat(s, shareId, "/notes.txt"), null);

    // Move two items at once into a folder picked by browsing: Reports › 2024.
    await page.getByRole("checkbox", { name: "Select shopping.txt" }).check();
    await page.getByRole("checkbox", { name: "Select music.mp3" }).check();
    await page.getByRole("button", { name: "Move" }).click();
    const move = page.getByRole("dialog", { name: "Move 2 items" });
    assert.equal(await move.getByRole("button", { name: "Move here" }).isDisabled(), true, "same folder");
    await move.getByRole("button", { name: "Reports" }).click();
    await move.getByRole("button", { name: "2024" }).click();
    await move.getByText("To /Reports/2024").waitFor();
    await move.getByRole("button", { name: "Move here" }).click();
    await move.waitFor({ state: "detached" });
    await row(page, "shopping.txt").waitFor({ state: "detached" });
    assert.deepEqual(await listNames(s, shareId, "/Reports/2024"), [
      "music.mp3",
      "quarterly-figures.csv",
      "shopping.txt",
    ]);
    assert.equal((await stat(s, shareId, "/Reports/2024/shopping.txt")).id, renamed.id, "a move keeps the id");

    // Delete asks first and lists what goes.
    await page.getByRole("checkbox", { name: "Select Drafts" }).check();
    await page.getByRole("checkbox", { name: "Select backup.zip" }).check();
    await page.getByRole("button", { name: "Delete" }).click();
    const del = page.getByRole("dialog", { name: "Delete 2 items?" });
    assert.deepEqual(await del.getByRole("list", { name: "Items to delete" }).getByRole("listitem").allInnerTexts(), [
      "Drafts",
      "backup.zip",
    ]);
    await del.getByRole("button", { name: "Delete" }).click();
    await row(page, "backup.zip").waitFor({ state: "detached" });
    assert.equal(await stat(s, shareId, "/backup.zip"), null);
    assert.equal(await stat(s, shareId, "/Drafts"), null);
  });

  test("search finds a file anywhere in the share and opens it in its folder", async () => {
    await openFolder(page, folderUrl(s, shareId));
    const search = page.getByRole("searchbox", { name: "Search in this share" });
    await search.fill("QUARTERLY");
    await search.press("Enter");
    const results = page.getByRole("region", { name: "Search results" });
    await results.getByText("1 found").waitFor();
    assert.equal(await results.getByRole("link", { name: "/Reports/2024" }).count(), 1, "the folder it is in");
    await results.getByRole("button", { name: "quarterly-figures.csv" }).click();
    await page.getByRole("heading", { name: "2024", level: 1 }).waitFor();
    const details = page.getByRole("region", { name: "Details" });
    await details.getByRole("heading", { name: "quarterly-figures.csv" }).waitFor();
    await details.getByText("1,100").waitFor();
    assert.equal(await page.getByRole("checkbox", { name: "Select quarterly-figures.csv" }).isChecked(), true);
  });

  test("keyboard only: Tab to the list, arrows and Enter into a folder, Space selects, Enter opens", async () => {
    await openFolder(page, folderUrl(s, shareId));
    let onRow = false;
    for (let i = 0; i < 40 && !onRow; i++) {
      await page.keyboard.press("Tab");
      onRow = await page.evaluate(() => document.activeElement?.getAttribute("role") === "row");
    }
    assert.ok(onRow, "Tab reaches the list's rows");
    const focusedName = () =>
      page.evaluate(() => document.activeElement?.querySelector("[role=gridcell]:nth-child(2)")?.textContent);
    assert.equal(await focusedName(), "Docs");
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: "Docs", level: 1 }).waitFor();
    await eventually("the new folder's first row has focus", async () => (await focusedName()) === "sub");
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("ArrowDown");
    assert.equal(await focusedName(), "b.md");
    await page.keyboard.press("Space");
    assert.equal(await page.getByRole("checkbox", { name: "Select b.md" }).isChecked(), true);
    assert.equal(await row(page, "b.md").getAttribute("aria-selected"), "true");
    await page.keyboard.press("ArrowUp");
    assert.equal(await focusedName(), "a.txt");
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("Enter");
    await page.getByRole("region", { name: "Details" }).getByText("# Bravo").waitFor();
    await page.keyboard.press("End");
    assert.equal(await focusedName(), "b.md");
    await page.keyboard.press("Home");
    assert.equal(await focusedName(), "sub");
  });

  test("Download: a file is its content, a folder or a selection a ZIP with the same bytes", async () => {
    await openFolder(page, folderUrl(s, shareId));
    await page.getByRole("checkbox", { name: "Select big.bin" }).check();
    const [file] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: "Download" }).click(),
    ]);
    assert.equal(file.suggestedFilename(), "big.bin");
    assert.deepEqual(await readFile((await file.path())!), Buffer.alloc(300_000, 1));
    await page.getByRole("checkbox", { name: "Select big.bin" }).uncheck();

    await page.getByRole("checkbox", { name: "Select Docs" }).check();
    const [zip] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: "Download" }).click(),
    ]);
    assert.equal(zip.suggestedFilename(), "Docs.zip");
    const entries = await readZip((await zip.path())!);
    for (const [rel, content] of Object.entries(docs))
      assert.deepEqual(entries.get(`Docs/${rel}`), Buffer.from(content as string | Buffer), rel);

    await page.getByRole("checkbox", { name: "Select spec.pdf" }).check();
    const [both] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: "Download" }).click(),
    ]);
    assert.equal(both.suggestedFilename(), "Projects.zip");
    const names = [...(await readZip((await both.path())!)).keys()].filter((n) => !n.endsWith("/")).sort();
    assert.deepEqual(names, ["Docs/a.txt", "Docs/b.md", "Docs/sub/c.bin", "spec.pdf"]);
  });
});
