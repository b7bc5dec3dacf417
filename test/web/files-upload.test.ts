import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { createWriteStream, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { startTestServer, type TestServer } from "../harness/server.js";
import { makeTempDir } from "../harness/temp-dir.js";
import { adminAccount, signedInContext, type TestAccount } from "./accounts.js";
import { launchBrowser, screenshot, seriousA11yViolations } from "./browser.js";
import {
  createShare,
  download,
  eventually,
  folderUrl,
  listNames,
  openFolder,
  putFile,
  row,
  stat,
} from "./files-kit.js";
import { startTcpProxy, type TcpProxy } from "./tcp-proxy.js";

const MiB = 1024 * 1024;

/** Writes `size` bytes of incompressible content to `path` and returns their SHA-256. */
async function bigFile(path: string, size: number): Promise<string> {
  const hash = createHash("sha256");
  const out = createWriteStream(path);
  const block = randomBytes(MiB);
  for (let done = 0; done < size;) {
    const n = Math.min(MiB, size - done);
    block.writeUInt32BE(done / MiB, 0);
    const piece = block.subarray(0, n);
    hash.update(piece);
    if (!out.write(piece)) await new Promise<void>((r) => out.once("drain", () => r()));
    done += n;
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  return hash.digest("hex");
}

/** Picks files (or a folder) through the toolbar button's file chooser, as a person does. */
async function choose(page: Page, button: "Upload files" | "Upload folder", files: string | string[]): Promise<void> {
  const [chooser] = await Promise.all([
    page.waitForEvent("filechooser"),
    page.getByRole("button", { name: button }).click(),
  ]);
  await chooser.setFiles(files);
}

function uploads(page: Page) {
  return page.getByRole("region", { name: "Uploads" });
}

async function progress(page: Page, name: string): Promise<number> {
  return Number(await uploads(page).getByRole("progressbar", { name, exact: true }).getAttribute("aria-valuenow"));
}

describe("file browser: uploads", () => {
  let s: TestServer;
  let browser: Browser;
  let admin: TestAccount;
  let context: BrowserContext;
  let page: Page;
  let shareId: string;
  const tmp = makeTempDir("web-upload");

  before(async () => {
    s = await startTestServer({ withFeatureRoutes: true });
    browser = await launchBrowser();
    admin = await adminAccount(s);
    shareId = await createShare(s, "Uploads");
    context = await signedInContext(browser, s.url, admin);
    page = await context.newPage();
  });
  after(async () => {
    await context?.close();
    await browser?.close();
    await s?.close();
    tmp.remove();
  });

  test("Upload folder sends a folder of 3 files with its structure; the list refreshes", async () => {
    const dir = join(tmp.path, "trip");
    mkdirSync(join(dir, "photos", "raw"), { recursive: true });
    const files = { "notes.txt": "day one\n", "photos/beach.jpg": randomBytes(40_000), "photos/raw/dsc1.raw": "raw" };
    for (const [rel, content] of Object.entries(files)) writeFileSync(join(dir, rel), content);

    await openFolder(page, folderUrl(s, shareId));
    await page.getByText("This folder is empty").waitFor();
    await choose(page, "Upload folder", dir);
    for (const name of ["notes.txt", "beach.jpg", "dsc1.raw"])
      await eventually(`${name} uploaded`, async () => (await progress(page, name)) === 100);
    await eventually("overall 100%", async () => (await progress(page, "Overall progress")) === 100);
    await row(page, "trip").waitFor();
    for (const [rel, content] of Object.entries(files))
      assert.deepEqual(await download(s, shareId, `/trip/${rel}`), Buffer.from(content), rel);
    assert.deepEqual(await listNames(s, shareId, "/trip"), ["notes.txt", "photos"]);
    assert.deepEqual(await listNames(s, shareId, "/trip/photos"), ["beach.jpg", "raw"]);
    assert.deepEqual(await seriousA11yViolations(page), [], "uploads panel");
    await uploads(page).getByRole("button", { name: "Close uploads" }).click();
  });

  test("a 300 MiB file goes through tus; its progress bar moves; the stored bytes hash the same", async () => {
    const path = join(tmp.path, "video.mov");
    const expected = await bigFile(path, 300 * MiB);
    await openFolder(page, folderUrl(s, shareId));
    await choose(page, "Upload files", path);
    const seen: number[] = [];
    let shot = false;
    await eventually(
      "video.mov uploaded",
      async () => {
        const value = await progress(page, "video.mov");
        if (seen.at(-1) !== value) seen.push(value);
        if (!shot && value > 20 && value < 90) {
          shot = true;
          await screenshot(page, "uploads");
        }
        return value === 100;
      },
      100_000,
    );
    assert.ok(seen.length >= 4, `progress values seen: ${seen.join(", ")}`);
    assert.deepEqual(
      [...seen].sort((a, b) => a - b),
      seen,
      `progress only grows: ${seen.join(", ")}`,
    );
    assert.ok(
      seen.some((v) => v > 0 && v < 100),
      `values between 0 and 100: ${seen.join(", ")}`,
    );
    const node = await eventually("stored", () => stat(s, shareId, "/video.mov"));
    assert.equal(node.size, 300 * MiB);
    assert.equal(node.sha256, expected);
    await row(page, "video.mov").waitFor();
    await uploads(page).getByRole("button", { name: "Close uploads" }).click();
  });

  test("Replace? asks before overwriting; a file changed since the listing is refused, saying so", async () => {
    await putFile(s, shareId, "/plan.txt", "v1\n");
    await openFolder(page, folderUrl(s, shareId));
    await row(page, "plan.txt").waitFor();
    const pick = (content: string) => ({ name: "plan.txt", mimeType: "text/plain", buffer: Buffer.from(content) });

    const [chooser] = await Promise.all([
      page.waitForEvent("filechooser"),
      page.getByRole("button", { name: "Upload files" }).click(),
    ]);
    await chooser.setFiles(pick("version two\n"));
    const ask = page.getByRole("dialog", { name: "Replace?" });
    await ask.getByText("“plan.txt” is already in this folder.").waitFor();
    await ask.getByRole("button", { name: "Replace" }).click();
    await eventually("replaced", async () => (await download(s, shareId, "/plan.txt")).toString() === "version two\n");
    await eventually("listing shows the new version", async () => (await progress(page, "plan.txt")) === 100);
    await uploads(page).getByRole("button", { name: "Close uploads" }).click();

    // Someone else changes the file after this page listed it: replacing it now must not overwrite their work.
    await eventually("the list shows the new version", async () =>
      (await row(page, "plan.txt").innerText()).includes("12 B"),
    );
    await putFile(s, shareId, "/plan.txt", "edited elsewhere\n");
    const [again] = await Promise.all([
      page.waitForEvent("filechooser"),
      page.getByRole("button", { name: "Upload files" }).click(),
    ]);
    await again.setFiles(pick("version three\n"));
    await ask.getByRole("button", { name: "Replace" }).click();
    const error = uploads(page).getByRole("alert");
    await error.waitFor();
    assert.match(await error.innerText(), /changed since this folder was loaded/);
    assert.equal((await download(s, shareId, "/plan.txt")).toString(), "edited elsewhere\n");

    // Skip leaves the existing file alone and sends the rest.
    const [third] = await Promise.all([
      page.waitForEvent("filechooser"),
      page.getByRole("button", { name: "Upload files" }).click(),
    ]);
    await third.setFiles([
      pick("not sent\n"),
      { name: "fresh.txt", mimeType: "text/plain", buffer: Buffer.from("new") },
    ]);
    await ask.getByRole("button", { name: "Skip these" }).click();
    await row(page, "fresh.txt").waitFor();
    assert.equal((await download(s, shareId, "/plan.txt")).toString(), "edited elsewhere\n");
    await uploads(page).getByRole("button", { name: "Close uploads" }).click();
  });

  test("files dropped on the list are uploaded", async () => {
    await openFolder(page, folderUrl(s, shareId));
    const list = page.getByRole("grid", { name: "Files" });
    const dataTransfer = await page.evaluateHandle(() => {
      const dt = new DataTransfer();
      dt.items.add(new File(["dropped one"], "dropped-1.txt", { type: "text/plain" }));
      dt.items.add(new File(["dropped two"], "dropped-2.txt", { type: "text/plain" }));
      return dt;
    });
    await list.dispatchEvent("dragenter", { dataTransfer });
    await page.getByText("Drop to upload to Uploads").waitFor();
    await list.dispatchEvent("drop", { dataTransfer });
    await row(page, "dropped-2.txt").waitFor();
    assert.equal((await download(s, shareId, "/dropped-1.txt")).toString(), "dropped one");
    await uploads(page).getByRole("button", { name: "Close uploads" }).click();
  });

  describe("through a connection that fails", () => {
    let proxy: TcpProxy;
    let viaProxy: BrowserContext;
    let p: Page;
    before(async () => {
      proxy = await startTcpProxy(s.url);
      viaProxy = await signedInContext(browser, proxy.url, admin);
      p = await viaProxy.newPage();
    });
    after(async () => {
      await viaProxy?.close();
      await proxy?.close();
    });

    test("an upload cut mid-way resumes where it stopped; the stored file hashes as the source", async () => {
      const size = 120 * MiB;
      const path = join(tmp.path, "backup.tar");
      const expected = await bigFile(path, size);
      await openFolder(p, folderUrl(proxy.url, shareId));
      const before = proxy.bytesFromClient;
      let cut = false;
      proxy.onClientBytes((total) => {
        if (!cut && total - before > 50 * MiB) {
          cut = true;
          proxy.cutAll();
        }
      });
      await choose(p, "Upload files", path);
      await eventually("the connection was cut", () => cut, 60_000);
      const node = await eventually("stored after resuming", () => stat(s, shareId, "/backup.tar"), 90_000);
      assert.equal(node.sha256, expected);
      assert.equal(node.size, size);
      await eventually("progress at 100%", async () => (await progress(p, "backup.tar")) === 100);
      // Resumed, not started over: what crossed the proxy is the file plus at most the chunk the cut lost.
      const sent = proxy.bytesFromClient - before;
      assert.ok(sent < size + 10 * MiB, `sent ${sent} bytes for a ${size}-byte file`);
      assert.equal(await uploads(p).getByRole("alert").count(), 0);
      proxy.onClientBytes(null);
      await uploads(p).getByRole("button", { name: "Close uploads" }).click();
    });

    test("Cancel stops an upload and nothing is stored", async () => {
      const path = join(tmp.path, "stuck.iso");
      await bigFile(path, 70 * MiB);
      await openFolder(p, folderUrl(proxy.url, shareId));
      proxy.hold();
      try {
        await choose(p, "Upload files", path);
        const cancel = uploads(p).getByRole("button", { name: "Cancel stuck.iso" });
        await cancel.click();
        await uploads(p).getByText("Cancelled").waitFor();
      } finally {
        proxy.release();
      }
      await new Promise((r) => setTimeout(r, 1000));
      assert.equal(await stat(s, shareId, "/stuck.iso"), null);
    });
  });
});

describe("file browser: upload errors come with the API's reason", () => {
  let s: TestServer;
  let browser: Browser;
  let context: BrowserContext;

  before(async () => {
    s = await startTestServer({ config: { maxUploadBytes: 1000 } });
    browser = await launchBrowser();
    context = await signedInContext(browser, s.url, await adminAccount(s));
  });
  after(async () => {
    await context?.close();
    await browser?.close();
    await s?.close();
  });

  test("too large (413) and a name the rules refuse (400) show per file; other files go through", async () => {
    const shareId = await createShare(s, "Small");
    const page = await context.newPage();
    await openFolder(page, folderUrl(s, shareId));
    const [chooser] = await Promise.all([
      page.waitForEvent("filechooser"),
      page.getByRole("button", { name: "Upload files" }).click(),
    ]);
    await chooser.setFiles([
      { name: "large.bin", mimeType: "application/octet-stream", buffer: Buffer.alloc(5000) },
      { name: "bad\u0001name.txt", mimeType: "text/plain", buffer: Buffer.from("x") },
      { name: "fine.txt", mimeType: "text/plain", buffer: Buffer.from("fine") },
    ]);
    await row(page, "fine.txt").waitFor();
    const items = uploads(page).getByRole("listitem");
    const large = items.filter({ hasText: "large.bin" }).getByRole("alert");
    assert.equal(await large.innerText(), "Too large: uploads are limited to 1000 B.");
    const bad = items.filter({ hasText: "name.txt" }).getByRole("alert");
    assert.match(await bad.innerText(), /control character|name/i);
    assert.equal(await stat(s, shareId, "/large.bin"), null);
  });
});
