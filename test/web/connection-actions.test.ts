/**
 * A connection's actions against the real server and a real smbd: a run shown live (files, bytes, rate, time left
 * on an accessible progressbar); the job log filtered by the server (errors only, by action) on a job with an
 * unreadable file; Preview of a run that deletes a file removed on SMB, then "Run this" deleting it in ScaiDrive;
 * Push with delete-after-copy behind its warning, driven by the keyboard; the file states searched; a remote folder
 * mounted, listed, opened in the file browser and unmounted.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { startSamba, type SambaInstance } from "../harness/samba.js";
import { startTestServer, type TestServer } from "../harness/server.js";
import { startTcpProxy, type TcpProxy } from "./tcp-proxy.js";
import { adminAccount, signedInContext } from "./accounts.js";
import { launchBrowser, screenshot } from "./browser.js";
import { eventually, putFile, stat } from "./files-kit.js";
import { animationsSettled, assertAccessible, isFocused, waitForText } from "./page-checks.js";

const BASE = "/api/v1/smb-connectors";
const FILE_COUNT = 300;
const TARGET = "/From Fileserver";

describe("a connection's actions", () => {
  let samba: SambaInstance;
  let smbProxy: TcpProxy;
  let s: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let shareId: string;
  let connectorId: string;
  let locked: string;

  const onSmb = (rel: string) => join(samba.shares.share!, rel);
  const putOnSmb = (rel: string, content: string) => {
    const file = onSmb(rel);
    writeFileSync(file, content);
    chownSync(file, samba.uid, samba.gid);
    return file;
  };

  before(async () => {
    samba = await startSamba();
    mkdirSync(onSmb("reports"));
    chownSync(onSmb("reports"), samba.uid, samba.gid);
    for (let i = 0; i < FILE_COUNT; i++)
      putOnSmb(`reports/report-${String(i).padStart(3, "0")}.txt`, `quarterly report ${i}\n`.repeat(200));
    // smbd cannot read it: a per-file error in every run, for the job log's filters.
    locked = putOnSmb("reports/locked.txt", "nobody may read this");
    chmodSync(locked, 0o000);
    smbProxy = await startTcpProxy(`http://${samba.host}:${samba.port}`);
    s = await startTestServer({ withFeatureRoutes: true, sync: { progressFlushMs: 20 } });
    shareId = (await s.api("POST", "/api/v1/shares", { json: { name: "Finance" } })).body.id;
    const c = await s.api("POST", BASE, {
      json: {
        name: "Finance fileserver",
        server_host: samba.host,
        server_port: Number(new URL(smbProxy.url).port),
        share_name: "share",
        domain: samba.domain,
        username: samba.username,
        password: samba.password,
        target_share_id: shareId,
        target_path: TARGET,
      },
    });
    assert.equal(c.status, 201, JSON.stringify(c.body));
    connectorId = c.body.id;
    browser = await launchBrowser();
    context = await signedInContext(browser, s.url, await adminAccount(s));
    page = await context.newPage();
  });
  after(async () => {
    if (locked && existsSync(locked)) chmodSync(locked, 0o644);
    await context?.close();
    await browser?.close();
    await s?.close();
    await smbProxy?.close();
    await samba?.stop();
  });

  const jobsTable = () => page.getByRole("table", { name: "Jobs" });
  const newestJob = () => jobsTable().getByRole("row").nth(1);
  const latestJob = async () => (await s.api("GET", `${BASE}/${connectorId}/jobs?limit=1`)).body.jobs[0];

  test("a running job shows files and bytes done, the rate and the time left on its progressbar", async () => {
    await page.goto(`/connectors/smb/${connectorId}`);
    await page.getByRole("heading", { name: "Finance fileserver", level: 1 }).waitFor();
    // The run is let through in short bursts, so it lasts seconds and the page sees several live updates.
    smbProxy.hold();
    try {
      await runHeldPartWay();
    } finally {
      smbProxy.release();
    }
    await jobsTable().getByText("Succeeded").waitFor({ timeout: 60_000 });
    assert.match(await newestJob().innerText(), /1 error/);
  });

  /**
   * Starts the run with smbd held and lets it through in short bursts, paced so that the copying (timed from when the
   * plan exists, as the page times its rate) moves steadily for seconds to about a third done; then checks the page.
   */
  async function runHeldPartWay() {
    await page.getByRole("button", { name: "Run now" }).click();
    const progress = page.getByRole("progressbar", { name: "Job progress" });
    await progress.waitFor();
    const PACE_MS = 3000;
    let planAt = 0;
    let caught = false;
    let job = await latestJob();
    for (let i = 0; i < 600 && !caught; i++) {
      if (job.files_total > 0 && !planAt) planAt = Date.now();
      // How fast smbd and the engine are must not decide what the page sees: the share is let through only while
      // the copy is behind a pace of a third in PACE_MS, so the page gets live updates spread over seconds.
      const target = planAt ? Math.min(1, (Date.now() - planAt) / PACE_MS) / 3 : 1;
      if (!planAt || job.files_done < job.files_total * target) {
        smbProxy.release();
        await new Promise((r) => setTimeout(r, 15));
        smbProxy.hold();
      }
      await new Promise((r) => setTimeout(r, 100));
      job = await latestJob();
      if (job.status !== "running" && job.status !== "queued") break;
      caught =
        planAt > 0 &&
        Date.now() - planAt > PACE_MS &&
        job.files_done > job.files_total / 4 &&
        job.files_done < job.files_total;
    }
    assert.ok(caught, `the run was caught part-way, seconds in: ${JSON.stringify(job)}`);
    const detail = progress.locator("xpath=..");
    const text = await waitForText(
      detail,
      /\d+ of \d+ files · [\d.]+ \S+ of [\d.]+ \S+ · .+\/s · about .+ left/,
      10_000,
    );
    job = await latestJob();
    assert.ok(job.bytes_total > job.bytes_done && job.bytes_done > 0, `bytes ${job.bytes_done} of ${job.bytes_total}`);
    assert.match(
      text,
      new RegExp(`of (${FILE_COUNT + 1}|${FILE_COUNT + 2}) files`),
      "the files, the locked one and the folder",
    );
    const value = Number(await progress.getAttribute("aria-valuenow"));
    assert.ok(value > 0 && value < 100, `aria-valuenow ${value} part-way`);
    assert.match((await progress.getAttribute("aria-valuetext")) ?? "", /%/);
    await animationsSettled(page);
    await screenshot(page, "connection-running-job");
  }

  test("the job log: errors only and the action filter are answered by the server", async () => {
    const requests: string[] = [];
    const listen = (r: { url(): string }) => void requests.push(r.url());
    page.on("request", listen);
    try {
      await newestJob()
        .getByRole("button", { name: /^Log of the job started/ })
        .click();
      const dialog = page.getByRole("dialog");
      const log = dialog.getByRole("table", { name: "Job log" });
      await log.getByText(/report-000\.txt/).waitFor();
      await dialog.getByRole("switch", { name: "Errors only" }).check({ force: true });
      await waitForText(log, /locked\.txt/);
      assert.equal(await log.getByRole("row").count(), 2, "the header and the one error");
      assert.match(await log.innerText(), /error/i);
      assert.ok(
        requests.some((u) => new URL(u).searchParams.get("result") === "error"),
        "the filter went to the server",
      );
      await assertAccessible(page, "the job log, errors only");

      await dialog.getByRole("switch", { name: "Errors only" }).uncheck({ force: true });
      await dialog.getByRole("combobox", { name: "Action" }).click();
      await page.getByRole("option", { name: "mkdir" }).click();
      await waitForText(log, /mkdir/);
      const rows = await log.getByRole("row").allInnerTexts();
      assert.ok(rows.length >= 2, rows.join("\n"));
      for (const r of rows.slice(1)) assert.match(r, /mkdir/);
      assert.ok(requests.some((u) => new URL(u).searchParams.get("action") === "mkdir"));
      await dialog.getByRole("switch", { name: "Errors only" }).check({ force: true });
      await dialog.getByText("No entries match these filters.").waitFor();
      await page.keyboard.press("Escape");
      await dialog.waitFor({ state: "detached" });
    } finally {
      page.off("request", listen);
    }
  });

  test("Preview of a run that deletes: the plan's counts and table, then Run this deletes the file", async () => {
    const gone = `${TARGET}/reports/report-007.txt`;
    assert.ok(await stat(s, shareId, gone), "synced before");
    rmSync(onSmb("reports/report-007.txt"));
    await page.getByRole("button", { name: "Preview" }).click();
    const dialog = page.getByRole("dialog", { name: "Preview of the next run" });
    const summary = dialog.getByRole("table", { name: "Plan summary" });
    await summary.waitFor({ timeout: 30_000 });
    assert.match(await summary.getByRole("row", { name: /Deletes in ScaiDrive/ }).innerText(), /\b1\b/);
    assert.match(await summary.getByRole("row", { name: /Deletes on SMB/ }).innerText(), /\b0\b/);
    const planned = dialog.getByRole("table", { name: "Planned actions" });
    const deletion = planned.getByRole("row").filter({ hasText: "reports/report-007.txt" });
    assert.match(await deletion.innerText(), /delete[\s\S]*in ScaiDrive/);
    await dialog.getByText(/lists both sides again and plans anew/).waitFor();
    assert.ok(await stat(s, shareId, gone), "a preview changes nothing");
    await assertAccessible(page, "the preview dialog");
    await animationsSettled(page);
    await screenshot(page, "connection-preview");

    const before = (await latestJob()).id;
    await dialog.getByRole("button", { name: "Run this" }).click();
    await dialog.waitFor({ state: "detached" });
    const job = await latestJob();
    assert.notEqual(job.id, before);
    await waitForText(newestJob(), /Succeeded/, 60_000);
    assert.match(await newestJob().innerText(), /Manual/);
    assert.equal(await stat(s, shareId, gone), null, "the file is gone from ScaiDrive");
    // The preview itself is in the history, marked as such, with what it planned.
    assert.match(await jobsTable().getByRole("row").nth(2).innerText(), /Manual \(preview\)[\s\S]*2 actions planned/);
  });

  test("Push, delete after copy: the warning, the tick, the keyboard; files on SMB, gone from ScaiDrive", async () => {
    await putFile(s, shareId, `${TARGET}/outbox/invoice-1.txt`, "invoice one\n");
    await putFile(s, shareId, `${TARGET}/outbox/invoice-2.txt`, "invoice two\n");
    await page.getByRole("button", { name: "Push" }).click();
    const dialog = page.getByRole("dialog", { name: "Push to SMB" });
    const subFolder = dialog.getByRole("textbox", { name: /Sub-folder/ });
    await subFolder.waitFor();
    assert.ok(await isFocused(subFolder), "the sub-folder field has the focus");
    await page.keyboard.type("outbox");
    await page.keyboard.press("Tab");
    assert.ok(await isFocused(dialog.getByRole("radio", { name: "Keep the source files" })));
    await page.keyboard.press("ArrowDown");
    const deleteRadio = dialog.getByRole("radio", { name: /Delete each source file/ });
    assert.ok(await deleteRadio.isChecked(), "arrow keys choose delete");
    const warning = dialog.getByRole("alert").filter({ hasText: "Source files will be deleted" });
    const said = await waitForText(warning, /deleted there once its copy/);
    assert.match(said, /ScaiDrive \(Finance\/From Fileserver\/outbox\)/);
    assert.match(said, /SMB \(\\\\.+\\share\\outbox\)/);
    const submit = dialog.getByRole("button", { name: "Push and delete" });
    assert.ok(await submit.isDisabled(), "not without the tick");
    await assertAccessible(page, "the push dialog with its warning");
    await page.keyboard.press("Tab");
    const tick = dialog.getByRole("checkbox", { name: /Delete the files in ScaiDrive after copying/ });
    assert.ok(await isFocused(tick));
    await page.keyboard.press("Space");
    assert.ok(await tick.isChecked());
    assert.ok(await submit.isEnabled());
    await animationsSettled(page);
    await screenshot(page, "connection-push-delete");
    await page.keyboard.press("Enter");
    await dialog.waitFor({ state: "detached" });
    await waitForText(newestJob(), /Push/);
    await waitForText(newestJob(), /Succeeded/, 60_000);
    assert.equal(readFileSync(onSmb("outbox/invoice-1.txt"), "utf8"), "invoice one\n");
    assert.equal(readFileSync(onSmb("outbox/invoice-2.txt"), "utf8"), "invoice two\n");
    assert.equal(await stat(s, shareId, `${TARGET}/outbox/invoice-1.txt`), null);
    assert.equal(await stat(s, shareId, `${TARGET}/outbox/invoice-2.txt`), null);
  });

  test("Pull keeps the source by default", async () => {
    putOnSmb("reports/extra.txt", "pulled\n");
    await page.getByRole("button", { name: "Pull" }).click();
    const dialog = page.getByRole("dialog", { name: "Pull from SMB" });
    await dialog.getByRole("textbox", { name: /Sub-folder/ }).fill("reports");
    assert.ok(await dialog.getByRole("radio", { name: "Keep the source files" }).isChecked());
    assert.equal(await dialog.getByRole("alert").count(), 0, "no warning when nothing is deleted");
    await dialog.getByRole("button", { name: "Pull", exact: true }).click();
    await dialog.waitFor({ state: "detached" });
    await waitForText(newestJob(), /Pull[\s\S]*Succeeded|Succeeded[\s\S]*Pull/, 60_000);
    assert.ok(await stat(s, shareId, `${TARGET}/reports/extra.txt`));
    assert.ok(existsSync(onSmb("reports/extra.txt")));
  });

  test("File states: searchable by path, with the last error and both sides' fingerprints", async () => {
    const section = page.getByRole("region", { name: "File states" });
    const table = section.getByRole("table", { name: "File states" });
    await table.waitFor();
    await section.getByRole("textbox", { name: "Search paths" }).fill("report-01");
    // The unfiltered first page holds these too: wait for the search's answer, the header and ten rows.
    const rows = await eventually("the search's rows", async () => {
      const texts = await table.getByRole("row").allInnerTexts();
      return texts.length === 11 ? texts : null;
    });
    for (const r of rows!.slice(1)) assert.match(r, /report-01\d\.txt/);
    await section.getByRole("textbox", { name: "Search paths" }).fill("LOCKED");
    const lockedRow = table.getByRole("row").filter({ hasText: "reports/locked.txt" });
    await lockedRow.waitFor();
    assert.match(await lockedRow.innerText(), /denied|access|permission/i);
    await section.getByRole("textbox", { name: "Search paths" }).fill("no-such-path");
    await section.getByText("No tracked path contains “no-such-path”.").waitFor();
    await section.getByRole("textbox", { name: "Search paths" }).fill("report-000");
    const synced = table.getByRole("row").filter({ hasText: "report-000.txt" });
    await synced.waitFor();
    assert.match(await synced.innerText(), /[0-9a-f]{16}…/, "the ScaiDrive sha256");
    await assertAccessible(page, "the file states");
    await section.getByRole("textbox", { name: "Search paths" }).fill("reports/");
    await table.getByRole("row").filter({ hasText: "reports/locked.txt" }).waitFor();
    await section.scrollIntoViewIfNeeded();
    await screenshot(page, "connection-file-states");
  });

  test("Mounts: mount a remote folder, open it in the file browser, unmount", async () => {
    const section = page.getByRole("region", { name: "Mounts" });
    await section.getByText("No folder of this connection is mounted.").waitFor();
    await section.getByRole("button", { name: "Mount a remote folder" }).click();
    const dialog = page.getByRole("dialog", { name: "Mount a remote folder" });
    await dialog.getByRole("button", { name: "Mount" }).click();
    await dialog.getByText("Choose the share").waitFor();
    await dialog.getByRole("combobox", { name: "Share" }).click();
    await page.getByRole("option", { name: "Finance" }).click();
    await dialog.getByRole("textbox", { name: "Mount point" }).fill("/Live reports");
    await dialog.getByRole("textbox", { name: /Remote folder/ }).fill("no-such-folder");
    await assertAccessible(page, "the mount dialog");
    await dialog.getByRole("button", { name: "Mount" }).click();
    await dialog.getByRole("alert").filter({ hasText: "Not mounted" }).waitFor();
    await dialog.getByRole("textbox", { name: /Remote folder/ }).fill("reports");
    await dialog.getByRole("button", { name: "Mount" }).click();
    await dialog.waitFor({ state: "detached" });
    const mounts = section.getByRole("table", { name: "Mounts" });
    const link = mounts.getByRole("link", { name: "Finance/Live reports" });
    await link.waitFor();
    assert.match(await mounts.innerText(), /reports/);
    await assertAccessible(page, "the mounts section");
    await link.click();
    // The file browser is a lazily loaded route: wait for it, since this page's File states also name the file.
    await page.waitForURL(/\/files\//);
    await page.getByRole("heading", { name: "Live reports", level: 1 }).waitFor();
    await page.getByText("report-000.txt").first().waitFor();
    await page.goBack();
    await page.waitForURL(/\/connectors\/smb\//);
    await section.getByRole("button", { name: "Unmount /Live reports" }).click();
    const confirm = page.getByRole("dialog", { name: "Unmount" });
    await confirm.getByText(/the files on the remote are untouched/).waitFor();
    await confirm.getByRole("button", { name: "Unmount" }).click();
    await section.getByText("No folder of this connection is mounted.").waitFor();
    assert.deepEqual((await s.api("GET", "/api/v1/mounts")).body.items, []);
    assert.ok(existsSync(onSmb("reports/report-000.txt")), "the remote is untouched");
  });
});
