/**
 * A server SIGKILLed mid-sync resumes without duplicates: the server runs as a child process
 * (`e2e-child-server.ts`) over a data dir that survives the kill; the Graph emulator runs here.
 * Downloads are slowed (emulator fault rule "slow") so the kill lands mid-run; progress is read
 * over HTTP. After the restart the dead job is marked failed (heartbeat timeout, shortened to 4 s
 * through `SCAIDRIVE_SYNC_ORPHAN_AFTER_MS`) and the
 * next run copies only what the first did not commit — no file twice, no second version.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import type { GraphEmulator } from "../../emulators/graph/emulator.js";
import { freePort } from "../../harness/free-port.js";
import { makeTempDir } from "../../harness/temp-dir.js";
import { apiCall, count, SP, type ApiResponse } from "./e2e-kit.js";
import { control, startEmulator } from "./sharepoint-test-kit.js";
import { scriptArgs } from "../../harness/repo-paths.js";

const FILES = 300;
let emu: GraphEmulator;
let child: ChildProcess | undefined;
const temp = makeTempDir("sp-crash");
const token = `test-admin-${randomBytes(16).toString("hex")}`;
let port = 0;
let url = "";

before(async () => {
  emu = await startEmulator();
  port = await freePort();
});

after(async () => {
  if (child?.pid && child.exitCode === null) {
    child.kill("SIGKILL");
    await once(child, "exit").catch(() => undefined);
  }
  await emu?.close();
  temp.remove();
});

async function startChild(): Promise<void> {
  const c = spawn(process.execPath, scriptArgs(import.meta.url, "./e2e-child-server.ts"), {
    env: {
      ...process.env,
      SP_E2E_DATA_DIR: temp.path,
      SP_E2E_PORT: String(port),
      SP_E2E_ADMIN_TOKEN: token,
      SP_E2E_MAX_SECONDS: "240",
      SCAIDRIVE_SYNC_ORPHAN_AFTER_MS: "4000",
      SCAIDRIVE_ENTRA_AUTHORITY_HOST: emu.info.authority_host,
      SCAIDRIVE_GRAPH_BASE_URL: emu.info.graph_base_url,
      NODE_EXTRA_CA_CERTS: emu.info.ca_file,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child = c;
  let err = "";
  c.stderr!.on("data", (d: Buffer) => {
    err = (err + d.toString()).slice(-4000);
  });
  url = await new Promise<string>((resolve, reject) => {
    let out = "";
    c.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /READY (\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    c.once("exit", (code) => reject(new Error(`child server exited (${code}) before it was ready: ${err}`)));
  });
}

async function killChild(): Promise<void> {
  const c = child!;
  process.kill(c.pid!, "SIGKILL");
  if (c.exitCode === null && c.signalCode === null) await once(c, "exit");
}

const api = (method: string, path: string, o?: { json?: unknown }): Promise<ApiResponse> =>
  apiCall(url, token, method, path, o);

async function job(connectorId: string, jobId: string): Promise<any> {
  const r = await api("GET", `${SP}/${connectorId}/jobs/${jobId}`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
}

test("a SIGKILL mid-sync resumes without duplicate files or versions", { timeout: 200_000 }, async () => {
  const base = `crash-${randomBytes(4).toString("hex")}`;
  await control(emu, "content/folders", { path: base });
  await control(emu, "content/seed", { path: `${base}/bulk`, count: FILES, prefix: "doc" });
  const slow = await control<{ id: string }>(emu, "faults", { kind: "slow", delayMs: 60, path: "_download" });

  await startChild();
  const share = (await api("POST", "/api/v1/shares", { json: { name: `crash-${randomBytes(3).toString("hex")}` } }))
    .body.id as string;
  const created = await api("POST", SP, {
    json: {
      name: "crash",
      site_id: emu.info.site_id,
      drive_id: emu.info.drive_id,
      base_path: base,
      azure_tenant_id: emu.info.tenant_id,
      azure_client_id: emu.info.client_id,
      azure_client_secret: emu.info.client_secret,
      auth_type: "app_auth",
      target_share_id: share,
      target_path: "/From SharePoint",
      sync_direction: "sharepoint_to_scaidrive",
      sync_interval_minutes: 0,
    },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const id = created.body.id as string;

  const first = await api("POST", `${SP}/${id}/sync`);
  assert.equal(first.status, 202);
  let progress: any;
  for (let i = 0; i < 600; i++) {
    progress = await job(id, first.body.id);
    if (progress.status !== "queued" && progress.status !== "running") break;
    if ((progress.files_done ?? 0) >= 40) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(progress.status, "running", `the kill must land mid-run: ${JSON.stringify(progress)}`);
  await killChild();

  await control(emu, `faults/${slow.id}`, undefined, "DELETE");
  await startChild();
  // The dead run is recognised by its stale heartbeat and marked failed, which frees the connector.
  let dead: any;
  for (let i = 0; i < 200; i++) {
    dead = await job(id, first.body.id);
    if (dead.status !== "running" && dead.status !== "queued") break;
    await new Promise((r) => setTimeout(r, 500));
  }
  assert.equal(dead.status, "failed", JSON.stringify(dead));

  const states = await api("GET", `${SP}/${id}/file-states?limit=1000`);
  assert.equal(states.status, 200, JSON.stringify(states.body));
  const list = (states.body.file_states ?? []) as Array<{ path: string; synced?: boolean; kind?: string }>;
  const committed = list.filter((s) => s.path.startsWith("bulk/") && s.synced !== false && s.kind !== "folder").length;
  assert.ok(committed > 0 && committed < FILES, `some files were committed before the kill: ${committed}`);

  await control(emu, "counters", undefined, "DELETE");
  const second = await api("POST", `${SP}/${id}/sync`);
  assert.equal(second.status, 202, JSON.stringify(second.body));
  let done: any;
  for (let i = 0; i < 1200; i++) {
    done = await job(id, second.body.id);
    if (done.status !== "queued" && done.status !== "running") break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(done.status, "completed", JSON.stringify(done));
  assert.equal(done.error_count, 0);
  const c = await control<Record<string, number>>(emu, "counters", undefined, "GET");
  const downloads = count(c, /_download/);
  // Files committed before the kill are not fetched again (a few in flight may be compared).
  assert.ok(downloads <= FILES - committed + 8, `downloads ${downloads}, committed before the kill ${committed}`);

  const names: string[] = [];
  let cursor: string | null = null;
  do {
    const page: ApiResponse = await api(
      "GET",
      `/api/v1/shares/${share}/files?path=${encodeURIComponent("/From SharePoint/bulk")}&limit=1000${cursor ? `&cursor=${cursor}` : ""}`,
    );
    assert.equal(page.status, 200);
    for (const n of page.body.items as Array<{ name: string; id: string }>) {
      names.push(n.name);
      const versions = await api("GET", `/api/v1/files/${n.id}/versions`);
      assert.equal(versions.body.versions.length, 1, `${n.name} has one version`);
    }
    cursor = page.body.next_cursor;
  } while (cursor);
  assert.equal(names.length, FILES);
  assert.equal(new Set(names).size, FILES);
  assert.ok(
    names.every((n) => /^doc\d+\.txt$/.test(n)),
    "no conflict copies or temp names",
  );

  child!.kill("SIGTERM");
  await once(child!, "exit");
});
