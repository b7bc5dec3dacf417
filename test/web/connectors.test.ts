/**
 * The connections pages against the real server and a real smbd: an SMB connector created through the API is
 * listed with its state; its page runs it (progress, then the succeeded job and its per-file log), disables and
 * enables it; a connector with a wrong password fails its run, is disabled by the server and shows the red banner;
 * Delete asks first and removes it; a reader of the target share sees the connection without where it connects,
 * its buttons or the per-file log.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { chownSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { startSamba, type SambaInstance } from "../harness/samba.js";
import { startTestServer, type TestServer } from "../harness/server.js";
import { startTcpProxy, type TcpProxy } from "./tcp-proxy.js";
import { adminAccount, createAccount, signedInContext } from "./accounts.js";
import { launchBrowser, screenshot } from "./browser.js";
import { animationsSettled, assertAccessible, waitForText } from "./page-checks.js";

const BASE = "/api/v1/smb-connectors";
const FILE_COUNT = 300;

describe("connections pages", () => {
  let samba: SambaInstance;
  // Between the server and smbd for the first connector, so the test can hold a run while the page shows it.
  let smbProxy: TcpProxy;
  let s: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let shareId: string;
  let goodId: string;
  let badId: string;

  const body = (over: Record<string, unknown>) => ({
    server_host: samba.host,
    server_port: samba.port,
    share_name: "share",
    domain: samba.domain,
    username: samba.username,
    password: samba.password,
    target_share_id: shareId,
    target_path: "/From Fileserver",
    ...over,
  });

  before(async () => {
    samba = await startSamba();
    const dir = join(samba.shares.share!, "reports");
    mkdirSync(dir);
    chownSync(dir, samba.uid, samba.gid);
    // Enough files that the run lasts a moment, so the page can show it running.
    for (let i = 0; i < FILE_COUNT; i++) {
      const file = join(dir, `report-${String(i).padStart(3, "0")}.txt`);
      writeFileSync(file, `quarterly report ${i}\n`.repeat(200));
      chownSync(file, samba.uid, samba.gid);
    }
    smbProxy = await startTcpProxy(`http://${samba.host}:${samba.port}`);
    // Live counters written every 20 ms, so the run can be caught part-way through.
    s = await startTestServer({ withFeatureRoutes: true, sync: { progressFlushMs: 20 } });
    const share = await s.api("POST", "/api/v1/shares", { json: { name: "Finance" } });
    shareId = share.body.id;
    const good = await s.api("POST", BASE, {
      json: body({
        name: "Finance fileserver",
        sync_interval_minutes: 60,
        server_port: Number(new URL(smbProxy.url).port),
      }),
    });
    assert.equal(good.status, 201, JSON.stringify(good.body));
    goodId = good.body.id;
    const bad = await s.api("POST", BASE, {
      json: body({ name: "Archive fileserver", password: "not the password", target_path: "/Archive" }),
    });
    assert.equal(bad.status, 201, JSON.stringify(bad.body));
    badId = bad.body.id;
    browser = await launchBrowser();
    context = await signedInContext(browser, s.url, await adminAccount(s));
    page = await context.newPage();
  });
  after(async () => {
    await context?.close();
    await browser?.close();
    await s?.close();
    await smbProxy?.close();
    await samba?.stop();
  });

  const connections = () => page.getByRole("table", { name: "Connections" });
  const connectionRow = (name: string) => connections().getByRole("row").filter({ hasText: name });
  const jobsTable = () => page.getByRole("table", { name: "Jobs" });

  test("Connections in the navigation lists the connectors with their state; type and state filters", async () => {
    await page.goto("/files");
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Connections" }).click();
    await page.getByRole("heading", { name: "Connections", level: 1 }).waitFor();
    const row = connectionRow("Finance fileserver");
    await row.waitFor();
    const text = await row.innerText();
    assert.match(text, /SMB/);
    assert.match(text, /Enabled/i);
    assert.match(text, /share/);
    assert.match(text, /Finance\/From Fileserver/);
    assert.match(text, /Every hour/);
    assert.match(text, /Never run/);
    assert.match(await connectionRow("Archive fileserver").innerText(), /Manual only/);
    await assertAccessible(page, "Connections");
    await screenshot(page, "connectors");

    await page.getByRole("combobox", { name: "State" }).click();
    await page.getByRole("option", { name: "Disabled", exact: true }).click();
    await page.getByText("No connections match").waitFor();
    assert.match(page.url(), /state=disabled/);
    await page.getByRole("combobox", { name: "State" }).click();
    await page.getByRole("option", { name: "All states" }).click();
    await page.getByRole("combobox", { name: "Type" }).click();
    await page.getByRole("option", { name: "SharePoint" }).click();
    await page.getByText("No connections match").waitFor();
    await page.getByRole("combobox", { name: "Type" }).click();
    await page.getByRole("option", { name: "SMB" }).click();
    await connectionRow("Finance fileserver").waitFor();
  });

  test("someone who can read no target share sees Connections with the empty state that explains them", async () => {
    const user = await createAccount(s, { email: "ines@example.com", name: "Inés Ortega" });
    const own = await signedInContext(browser, s.url, user);
    try {
      const p = await own.newPage();
      await p.goto("/files");
      await p.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Connections" }).click();
      await p.getByText("No connections yet").waitFor();
      await p.getByText(/keeps a Windows file share \(SMB\) or a SharePoint document library in step/).waitFor();
      assert.equal(await p.getByRole("table", { name: "Connections" }).count(), 0);
      await assertAccessible(p, "Connections, empty");
    } finally {
      await own.close();
    }
  });

  test("a connection's page: settings (password only as set), Run now with progress, the job and its log", async () => {
    // The page follows the event stream; while it is open, the jobs are not polled.
    const requests: string[] = [];
    page.on("request", (r) => {
      if (r.method() === "GET") requests.push(r.url());
    });
    const jobListReads = () => requests.filter((u) => new RegExp(`${BASE}/${goodId}/jobs(\\?|$)`).test(u)).length;
    await connections().getByRole("link", { name: "Finance fileserver" }).click();
    await page.getByRole("heading", { name: "Finance fileserver", level: 1 }).waitFor();
    assert.match(page.url(), new RegExp(`/connectors/smb/${goodId}$`));
    const settings = page.getByRole("region", { name: "Settings" });
    await settings.getByText("Password").waitFor();
    const settingsText = await settings.innerText();
    assert.match(settingsText, /Password\s+set/);
    assert.match(settingsText, new RegExp(samba.username));
    assert.ok(!(await page.content()).includes(samba.password), "the password never reaches the page");
    await page.getByText("No jobs yet").waitFor();

    // smbd's answers are held, so the run stays running while the page polls it.
    smbProxy.hold();
    await page.getByRole("button", { name: "Run now" }).click();
    const progress = page.getByRole("progressbar", { name: "Job progress" });
    await progress.waitFor();
    // Held at the connection, the job has no plan yet: an indeterminate bar (no aria-valuenow) until it has one.
    const now = await progress.getAttribute("aria-valuenow");
    assert.ok(now === null || (Number(now) >= 0 && Number(now) <= 100), `aria-valuenow ${now}`);
    assert.match(await jobsTable().getByRole("row").nth(1).innerText(), /Queued|Running/i);
    assert.ok(await page.getByRole("button", { name: "Run now" }).isDisabled(), "one job at a time");
    // Let it plan, then hold it again part-way through the copies: the bar then says how far it got.
    smbProxy.release();
    const jobId = (await s.api("GET", `${BASE}/${goodId}/jobs`)).body.jobs[0].id;
    let heldAt: { files_done: number; files_total: number } | null = null;
    for (let i = 0; i < 2000 && !heldAt; i++) {
      const job = (await s.api("GET", `${BASE}/${goodId}/jobs/${jobId}?limit=1`)).body;
      if (job.status !== "running") break;
      if (job.files_total > 0 && job.files_done > 0 && job.files_done < job.files_total) {
        smbProxy.hold();
        heldAt = job;
      }
    }
    assert.ok(heldAt, "the run was caught part-way");
    await waitForText(progress.locator("xpath=.."), /\d+ of \d+/, 10_000);
    assert.ok(
      requests.some(
        (u) => new URL(u).pathname === "/api/v1/events" && new URL(u).searchParams.get("connector_id") === goodId,
      ),
      "the page opened the event stream for this connection",
    );
    // Held with a job running: polling would read the jobs every 2 s; the open stream makes that unnecessary.
    // (a read the last events asked for may still be on its way: let it land first)
    await page.waitForTimeout(1000);
    const readsBefore = jobListReads();
    await page.waitForTimeout(3000);
    assert.equal(jobListReads(), readsBefore, "no jobs polling while the stream is open");
    const value = Number(await progress.getAttribute("aria-valuenow"));
    assert.ok(value > 0 && value < 100, `aria-valuenow ${value} part-way`);
    await animationsSettled(page);
    await screenshot(page, "connector-page-running");
    smbProxy.release();
    const succeeded = jobsTable().getByText("Succeeded");
    await succeeded.waitFor({ timeout: 60_000 });
    assert.equal(await progress.count(), 0, "no progress bar once the job is over");
    const jobRow = jobsTable().getByRole("row").nth(1);
    const jobText = await jobRow.innerText();
    assert.match(jobText, /Manual/i);
    assert.match(jobText, new RegExp(`${FILE_COUNT + 1} files|${FILE_COUNT} files`));
    await assertAccessible(page, "a connection's page");
    await screenshot(page, "connector-page");

    await jobRow.getByRole("button", { name: /^Log of the job started/ }).click();
    const dialog = page.getByRole("dialog");
    const log = dialog.getByRole("table", { name: "Job log" });
    await log.getByText(/report-000\.txt/).waitFor();
    assert.ok((await log.getByRole("row").count()) > FILE_COUNT / 2, "the log lists the files");
    await assertAccessible(page, "the job log");
    await dialog.getByRole("switch", { name: "Errors only" }).check({ force: true });
    await dialog.getByText("No entries match these filters.").waitFor();
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });
  });

  test("Disable and Enable switch the state; a disabled connection cannot be run", async () => {
    await page.getByRole("button", { name: "Disable" }).click();
    await page.getByRole("button", { name: "Enable" }).waitFor();
    await page.getByText("Disabled", { exact: true }).first().waitFor();
    assert.ok(await page.getByRole("button", { name: "Run now" }).isDisabled());
    const off = await s.api("GET", `${BASE}/${goodId}`);
    assert.equal(off.body.enabled, false);
    await page.getByRole("button", { name: "Enable" }).click();
    await page.getByRole("button", { name: "Disable" }).waitFor();
    assert.ok(await page.getByRole("button", { name: "Run now" }).isEnabled());
    assert.equal((await s.api("GET", `${BASE}/${goodId}`)).body.enabled, true);
  });

  test("wrong password: the run fails, the server disables it, the page says why; Delete asks", async () => {
    await page.goto(`/connectors/smb/${badId}`);
    await page.getByRole("heading", { name: "Archive fileserver", level: 1 }).waitFor();
    await page.getByRole("button", { name: "Run now" }).click();
    await jobsTable().getByText("Failed", { exact: true }).waitFor({ timeout: 60_000 });
    const banner = page.getByRole("alert").filter({ hasText: "Disabled after an authentication failure" });
    const said = await waitForText(banner, /refused this connection’s credentials/, 15_000);
    assert.match(said, /On .*\d/);
    assert.match(await jobsTable().getByRole("row").nth(1).innerText(), /Failed/i);
    await page.getByRole("button", { name: "Enable" }).waitFor();
    await assertAccessible(page, "a connection disabled after an authentication failure");
    await screenshot(page, "connector-auth-failed");

    await page.goto("/connectors");
    assert.match(await connectionRow("Archive fileserver").innerText(), /Disabled after an authentication failure/i);
    assert.match(await connectionRow("Archive fileserver").innerText(), /Failed/i);

    await connections().getByRole("link", { name: "Archive fileserver" }).click();
    await page.getByRole("button", { name: "Delete" }).click();
    const dialog = page.getByRole("dialog", { name: "Delete connection" });
    await dialog.getByRole("button", { name: "Delete" }).click();
    await page.getByRole("heading", { name: "Connections", level: 1 }).waitFor();
    await connectionRow("Finance fileserver").waitFor();
    await connectionRow("Archive fileserver").waitFor({ state: "detached", timeout: 5_000 });
    assert.equal((await s.api("GET", `${BASE}/${badId}`)).status, 404);
  });

  test("a reader of the target share sees the connection and jobs, not where it connects nor the buttons", async () => {
    const reader = await createAccount(s, { email: "rui@example.com", name: "Rui Santos" });
    const acl = await s.api("PUT", `/api/v1/shares/${shareId}/acl?path=/`, {
      json: { aces: [{ principal_id: reader.id, permissions: ["READ"] }], inherit: true },
    });
    assert.ok(acl.status < 300, JSON.stringify(acl.body));
    const own = await signedInContext(browser, s.url, reader);
    try {
      const p = await own.newPage();
      await p.goto("/connectors");
      const row = p
        .getByRole("table", { name: "Connections" })
        .getByRole("row")
        .filter({ hasText: "Finance fileserver" });
      await row.waitFor();
      assert.match(await row.innerText(), /Hidden/);
      assert.ok(!(await row.innerText()).includes(samba.host));
      await row.getByRole("link", { name: "Finance fileserver" }).click();
      await p.getByRole("heading", { name: "Finance fileserver", level: 1 }).waitFor();
      await p.getByText(/Hidden \(needs Manage permissions/).waitFor();
      for (const name of ["Run now", "Disable", "Delete"])
        assert.equal(await p.getByRole("button", { name }).count(), 0);
      await p
        .getByRole("table", { name: "Jobs" })
        .getByRole("button", { name: /^Log of the job started/ })
        .click();
      await p
        .getByRole("dialog")
        .getByText(/shown to people who manage permissions/)
        .waitFor();
      await assertAccessible(p, "a connection as a reader sees it");
    } finally {
      await own.close();
    }
  });
});
