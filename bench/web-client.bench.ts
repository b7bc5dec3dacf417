/**
 * The web client in a real browser (Debian's Chromium through playwright-core) against the real server as a child
 * process, with a share of BENCH_WEB_FILES (10,000) files in one folder:
 * - first load of the folder view with an empty cache (navigation until the first row shows), and again with the
 *   browser cache warm;
 * - the JavaScript the first route loads (bytes on the wire, compressed as the server sends them);
 * - rendering the whole listing and scrolling it from top to bottom: long tasks (> 50 ms, PerformanceObserver
 *   'longtask') and the longest one.
 * The reference in the same run is the API alone: the same listing fetched page by page (limit 1000) by a Node
 * client, which is the floor for any client of the API. Last, a BENCH_WEB_UPLOAD_MIB (2048) upload through the page's
 * "Upload files" button, with the server's and Chromium's resident memory sampled throughout.
 * Targets (issue 17): first load < 1 s; no long task over 100 ms while rendering and scrolling 10,000 entries;
 * first-route JavaScript < 300 KB compressed; memory flat on both sides during a 2 GiB upload.
 */
import { readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import { envNumber, forEachLimit, freePort, printTable, run, timed } from "./core-bench-util.js";
import { readJson, send, startServer, type ServerPeer } from "./core-server-peer.js";
import { launchBrowser } from "../test/web/browser.js";

const FILES = envNumber("BENCH_WEB_FILES", 10_000);
/** Size of the upload from the page; BENCH_WEB_UPLOAD_MIB=0 leaves it out. */
const UPLOAD_MIB = process.env.BENCH_WEB_UPLOAD_MIB === "0" ? 0 : envNumber("BENCH_WEB_UPLOAD_MIB", 2048);
const PASSWORD = "bench password 1234";
const repoRoot = resolve(fileURLToPath(new URL("..", import.meta.url)));
const root = await mkdtemp(join(tmpdir(), "scaidrive-bench-web-"));
let server: ServerPeer | undefined;
process.once("SIGINT", () => void (server?.stop() ?? Promise.resolve()).finally(() => process.exit(130)));

async function api(method: string, path: string, json?: unknown): Promise<any> {
  const res = await send(server!, method, path, json === undefined ? undefined : { json });
  if (res.statusCode === 204) {
    res.resume();
    return undefined;
  }
  const body = await readJson(res);
  if (res.statusCode! >= 300) throw new Error(`${method} ${path}: ${res.statusCode} ${JSON.stringify(body)}`);
  return body;
}

function fileName(i: number): string {
  return `report-${String(i).padStart(5, "0")}.txt`;
}

/** Long tasks from the start of the document; the observer is installed before any page script runs. */
async function installLongTaskObserver(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const w = window as unknown as { __longTasks: number[] };
    w.__longTasks = [];
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) w.__longTasks.push(entry.duration);
    }).observe({ type: "longtask", buffered: true });
  });
}

async function longTasks(page: Page): Promise<number[]> {
  return page.evaluate(() => (window as unknown as { __longTasks: number[] }).__longTasks.splice(0));
}

/** Resident memory of every Chromium process (browser, renderers, GPU and network services), summed, in bytes. */
function chromiumRss(): number {
  let total = 0;
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, "utf8").startsWith("/usr/lib/chromium/")) continue;
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
      if (m) total += Number(m[1]) * 1024;
    } catch {
      // The process ended while it was being read.
    }
  }
  return total;
}

/**
 * Uploads one file of `mib` MiB through the page's "Upload files" button (tus, as the folder view does for files over
 * 64 MiB), sampling the server's and the browser's resident memory every 200 ms until its progress bar reads 100.
 */
async function browserUpload(page: Page, shareId: string, mib: number) {
  const path = join(root, "upload.bin");
  await run("truncate", ["-s", `${mib}M`, path]);
  const name = "upload.bin";
  let serverPeak = server!.currentRss();
  let browserPeak = chromiumRss();
  const before = { server: serverPeak, browser: browserPeak };
  const sampler = setInterval(() => {
    serverPeak = Math.max(serverPeak, server!.currentRss());
    browserPeak = Math.max(browserPeak, chromiumRss());
  }, 200);
  try {
    const t = await timed(async () => {
      const [chooser] = await Promise.all([
        page.waitForEvent("filechooser"),
        page.getByRole("button", { name: "Upload files" }).click(),
      ]);
      await chooser.setFiles(path);
      const bar = page.getByRole("region", { name: "Uploads" }).getByRole("progressbar", { name, exact: true });
      await page.waitForFunction(
        (el) => el?.getAttribute("aria-valuenow") === "100",
        await bar.elementHandle({ timeout: 30_000 }),
        { timeout: 20 * 60_000, polling: 500 },
      );
    });
    const stored = await api("GET", `/api/v1/shares/${shareId}/files/stat?path=${encodeURIComponent(`/${name}`)}`);
    if (stored.size !== mib * 1024 * 1024) throw new Error(`stored ${stored.size} bytes of ${mib} MiB`);
    return { seconds: t.seconds, before, serverPeak, browserPeak };
  } finally {
    clearInterval(sampler);
    await rm(path, { force: true });
  }
}

try {
  const port = await freePort();
  server = await startServer({
    cwd: repoRoot,
    port,
    dataDir: join(root, "data"),
    token: `bench-${Date.now()}`,
    logFile: join(root, "server.log"),
    maxSockets: 8,
    entry: process.env.BENCH_SERVER_ENTRY,
  });
  const me = await api("GET", "/api/v1/users/me");
  await api("PUT", `/api/v1/users/${me.id}/password`, { password: PASSWORD });
  const share = await api("POST", "/api/v1/shares", { name: "Bench" });
  const seeded = await timed(() =>
    forEachLimit(
      Array.from({ length: FILES }, (_, i) => i),
      8,
      async (i) => {
        const path = `/${fileName(i)}`;
        const body = Buffer.from(`line ${String(i).padStart(10, "0")}\n`);
        const res = await send(server!, "PUT", `/api/v1/shares/${share.id}/content?path=${encodeURIComponent(path)}`, {
          length: body.length,
          write: async (req) => void req.end(body),
        });
        res.resume();
        if (res.statusCode !== 201) throw new Error(`seed ${path}: ${res.statusCode}`);
      },
    ),
  );
  console.log(`seeded ${FILES} files in ${seeded.seconds.toFixed(1)} s`);

  const apiFloor = await timed(async () => {
    let cursor: string | null = null;
    let count = 0;
    do {
      const q: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : "";
      const page = await api("GET", `/api/v1/shares/${share.id}/files?path=/&limit=1000${q}`);
      count += page.items.length;
      cursor = page.next_cursor;
    } while (cursor);
    if (count !== FILES) throw new Error(`API listed ${count} of ${FILES}`);
  });

  const browser = await launchBrowser();
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const signIn = await context.request.post(`${server.baseUrl}/api/v1/auth/sign-in`, {
      data: { email: me.email, password: PASSWORD },
    });
    if (signIn.status() !== 200) throw new Error(`sign-in: ${signIn.status()} ${await signIn.text()}`);
    const page = await context.newPage();
    await installLongTaskObserver(page);
    const scripts: { url: string; bytes: number }[] = [];
    page.on("response", (res) => {
      if (res.request().resourceType() !== "script") return;
      const length = Number(res.headers()["content-length"] ?? NaN);
      scripts.push({ url: res.url(), bytes: length });
    });
    const folderUrl = `${server.baseUrl}/files/${share.id}`;

    const load = async (): Promise<number> => {
      await page.goto(folderUrl);
      await page.getByText(fileName(0), { exact: true }).first().waitFor({ timeout: 60_000 });
      return page.evaluate(() => performance.now());
    };
    const coldMs = await load();
    const firstRouteScripts = scripts.splice(0);
    const jsBytes = firstRouteScripts.reduce((sum, s) => sum + s.bytes, 0);
    const loadTasks = await longTasks(page);
    const warmMs = await load();
    await longTasks(page);

    // Wait for the whole listing (the last name is reachable once every page has arrived), then scroll top to bottom.
    const renderAll = await timed(async () => {
      await page.getByRole("button", { name: "Name" }).first().waitFor();
      await page.waitForFunction(
        (rows) => document.querySelector('[role="grid"][aria-label="Files"]')?.getAttribute("aria-rowcount") === rows,
        String(FILES + 1),
        { timeout: 60_000 },
      );
    });
    const list = page
      .getByRole("grid", { name: "Files" })
      .or(page.getByRole("table", { name: "Files" }))
      .first();
    const box = await list.boundingBox();
    if (!box) throw new Error("the file list is not visible");
    await page.mouse.move(box.x + box.width / 2, box.y + Math.min(box.height / 2, 300));
    const scroll = await timed(async () => {
      for (let i = 0; i < 400; i++) {
        await page.mouse.wheel(0, 1200);
        if (i % 20 === 19) await page.waitForTimeout(16);
      }
      await page
        .getByText(fileName(FILES - 1), { exact: true })
        .first()
        .waitFor({ timeout: 30_000 });
    });
    const scrollTasks = await longTasks(page);
    const upload = UPLOAD_MIB > 0 ? await browserUpload(page, share.id, UPLOAD_MIB) : undefined;
    await context.close();

    const fmtTasks = (t: number[]) =>
      `${t.filter((d) => d > 100).length} > 100 ms, longest ${Math.round(Math.max(0, ...t))} ms`;
    printTable([
      ["case", "figure", "target", "reference (API alone)"],
      [
        "first load, empty cache",
        `${coldMs.toFixed(0)} ms`,
        "< 1000 ms",
        `${(apiFloor.seconds * 1000).toFixed(0)} ms for all ${FILES} entries`,
      ],
      ["first load, warm cache", `${warmMs.toFixed(0)} ms`, "< 1000 ms", ""],
      [
        "first-route JavaScript",
        `${(jsBytes / 1024).toFixed(1)} KB in ${firstRouteScripts.length} files`,
        "< 300 KB",
        "",
      ],
      ["long tasks while loading", fmtTasks(loadTasks), "none > 100 ms", ""],
      ["render the whole listing", `${(renderAll.seconds * 1000).toFixed(0)} ms after first rows`, "", ""],
      [`scroll ${FILES} entries`, `${scroll.seconds.toFixed(2)} s; ${fmtTasks(scrollTasks)}`, "none > 100 ms", ""],
    ]);
    if (upload) {
      const mib = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MiB`;
      console.log(
        `\nupload of ${UPLOAD_MIB} MiB from the page (tus): ${upload.seconds.toFixed(1)} s, ` +
          `${(UPLOAD_MIB / upload.seconds).toFixed(1)} MiB/s\n` +
          `  server RSS ${mib(upload.before.server)} before, peak ${mib(upload.serverPeak)}\n` +
          `  Chromium RSS (all processes) ${mib(upload.before.browser)} before, peak ${mib(upload.browserPeak)}`,
      );
    }
    for (const s of firstRouteScripts)
      console.log(`  ${s.url.replace(server.baseUrl, "")}: ${(s.bytes / 1024).toFixed(1)} KB`);
  } finally {
    await browser.close();
  }
  console.log(
    `load average (1/5/15 min): ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
  );
} finally {
  await server?.stop();
  await rm(root, { recursive: true, force: true });
}
