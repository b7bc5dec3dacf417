import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { Readable } from "node:stream";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { SYSTEM_ACTOR } from "../../src/core/actor.js";
import { startTestServer, type TestServer } from "../harness/server.js";
import { adminAccount, signedInContext } from "./accounts.js";
import { launchBrowser } from "./browser.js";
import { createShare, eventually, folderUrl, row } from "./files-kit.js";

const COUNT = 10_000;
const name = (i: number) => `file-${String(i).padStart(5, "0")}.txt`;

/**
 * A folder of 10,000 files: the view reads the listing page after page (1000 each) and renders only the rows in
 * view, so it stays responsive; the keyboard reaches both ends.
 */
describe("file browser: a folder of 10,000 files", () => {
  let s: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let shareId: string;

  before(async () => {
    s = await startTestServer();
    browser = await launchBrowser();
    shareId = await createShare(s, "Big");
    // Straight through the node service: 10,000 HTTP uploads would take most of the test's time.
    const nodes = s.built.context.nodes;
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        for (let i = next++; i < COUNT; i = next++)
          await nodes.writeFile(shareId, `/Many/${name(i)}`, Readable.from([Buffer.alloc(i % 997, 1)]), {
            actor: SYSTEM_ACTOR,
          });
      }),
    );
    context = await signedInContext(browser, s.url, await adminAccount(s));
    page = await context.newPage();
  });
  after(async () => {
    await context?.close();
    await browser?.close();
    await s?.close();
  });

  test("all pages of the listing arrive; only rows in view are in the page; End and Home reach both ends", async () => {
    await page.goto(folderUrl(s, shareId, "/Many"));
    const grid = page.getByRole("grid", { name: "Files" });
    await row(page, name(0)).waitFor();
    await page.getByText("10,000 items", { exact: true }).waitFor({ timeout: 30_000 });
    assert.equal(await grid.getAttribute("aria-rowcount"), String(COUNT + 1));
    const rendered = await grid.locator("[role=row]").count();
    assert.ok(rendered < 80, `${rendered} rows in the DOM`);

    await row(page, name(0)).click();
    await page.keyboard.press("End");
    await row(page, name(COUNT - 1)).waitFor();
    assert.equal(await row(page, name(COUNT - 1)).evaluate((el) => el === document.activeElement), true);
    assert.equal(await row(page, name(COUNT - 1)).getAttribute("aria-rowindex"), String(COUNT + 1));
    await page.keyboard.press("Home");
    await row(page, name(0)).waitFor();

    // Scrolling through the middle renders the rows there, and frames keep coming while it scrolls.
    const frames = await grid.evaluate(async (el) => {
      const times: number[] = [];
      let last = performance.now();
      for (let i = 1; i <= 60; i++) {
        el.scrollTop = (el.scrollHeight * i) / 120;
        await new Promise((r) => requestAnimationFrame(r));
        const now = performance.now();
        times.push(now - last);
        last = now;
      }
      return times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
    });
    console.log(`median frame while scrolling 10,000 rows: ${frames.toFixed(1)} ms`);
    await eventually("a row from the middle is rendered", async () => (await row(page, name(COUNT / 2)).count()) === 1);
    assert.ok((await grid.locator("[role=row]").count()) < 80);

    // Sorting and select-all work on the whole list, not just the rows in view.
    await grid.getByRole("button", { name: "Size" }).click();
    assert.equal(await grid.getByRole("columnheader", { name: "Size" }).getAttribute("aria-sort"), "descending");
    await grid.evaluate((el) => (el.scrollTop = 0));
    await eventually("the biggest file first", async () => {
      const first = await grid.locator("[role=row][aria-rowindex='2'] [role=gridcell]:nth-child(2)").textContent();
      return first === name(996);
    });
    await page.getByRole("checkbox", { name: "Select all" }).check();
    await page.getByText("10,000 selected").waitFor();
  });
});
