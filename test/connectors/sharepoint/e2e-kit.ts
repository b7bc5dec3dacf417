/**
 * What the SharePoint end-to-end tests share: the Graph + Entra emulator over HTTPS (in-process,
 * its CA trusted here), the real ScaiDrive server (buildApp on a random loopback port, temp data
 * dir) with the SharePoint connector routes under `/api/v1/sharepoint-connectors`, and helpers
 * that go through HTTP only (ScaiDrive REST API, emulator control API).
 *
 * The connector is the real `sharepointDefinition` (its `hooks` are `createSharePointSyncHooks`)
 * mounted on the generic connector routes; Graph and Entra endpoints come from
 * `SCAIDRIVE_GRAPH_BASE_URL` / `SCAIDRIVE_ENTRA_AUTHORITY_HOST`, set to the emulator's.
 */
import { randomBytes } from "node:crypto";
import pino from "pino";
import { buildApp, type BuiltApp } from "../../../src/server/app.js";
import { loadConfig, type ServerConfig } from "../../../src/server/config.js";
import { createConnectorRoutes } from "../../../src/server/connector-routes.js";
import type { ConnectorDefinition } from "../../../src/connectors/connector-definition.js";
import { sharepointDefinition } from "../../../src/connectors/sharepoint/sharepoint-definition.js";
import type { GraphEmulator } from "../../emulators/graph/emulator.js";
import { makeTempDir } from "../../harness/temp-dir.js";
import { control, startEmulator } from "./sharepoint-test-kit.js";

export { control };

export const SP = "/api/v1/sharepoint-connectors";

export interface ApiResponse {
  status: number;
  body: any;
}

export interface E2E {
  emu: GraphEmulator;
  url: string;
  logText(): string;
  api(method: string, path: string, opts?: { json?: unknown; raw?: Buffer | string }): Promise<ApiResponse>;
  close(): Promise<void>;
}

/** Fast engine retries; Graph throttling is still retried by the adapter honouring Retry-After. */
const FAST_RETRY = { attempts: 3, baseDelayMs: 50, maxDelayMs: 200 };

/**
 * The server with the SharePoint routes on `port` (0 = any) over `dataDir`. Used in-process by
 * {@link startE2E} and as a child process by `e2e-child-server.ts`.
 */
export async function startSharePointServer(o: {
  dataDir: string;
  adminToken: string;
  port: number;
  logger: pino.Logger;
  schedulerTickMs?: number;
}): Promise<{ built: BuiltApp; url: string }> {
  const def: ConnectorDefinition = sharepointDefinition;
  const config: ServerConfig = {
    ...loadConfig({ SCAIDRIVE_CONNECTOR_DENY_NETWORKS: "none" }),
    port: o.port,
    host: "127.0.0.1",
    dataDir: o.dataDir,
    adminToken: o.adminToken,
    logLevel: "debug",
  };
  const built = await buildApp(config, {
    coreOnly: true,
    logger: o.logger,
    sync: {
      retry: FAST_RETRY,
      progressFlushMs: 100,
      definitions: [def],
      ...(o.schedulerTickMs ? { schedulerTickMs: o.schedulerTickMs } : {}),
    },
    plugins: [createConnectorRoutes(def, SP)],
  });
  try {
    await built.app.listen({ port: o.port, host: "127.0.0.1" });
  } catch (err) {
    await built.close();
    throw err;
  }
  const addr = built.app.server.address();
  return { built, url: `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}` };
}

/** JSON/bytes call with a bearer token; the body is parsed when the answer is JSON. */
export async function apiCall(
  url: string,
  token: string,
  method: string,
  path: string,
  o: { json?: unknown; raw?: Buffer | string } = {},
): Promise<ApiResponse> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  let body: string | Buffer | undefined;
  if (o.json !== undefined) {
    headers["content-type"] = "application/json";
    body = JSON.stringify(o.json);
  } else if (o.raw !== undefined) {
    headers["content-type"] = "application/octet-stream";
    body = o.raw;
  }
  const res = await fetch(url + path, { method, headers, body: body as BodyInit | undefined });
  const text = await res.text();
  return {
    status: res.status,
    body: text && (res.headers.get("content-type") ?? "").includes("json") ? JSON.parse(text) : text,
  };
}

export async function startE2E(): Promise<E2E> {
  const emu = await startEmulator();
  process.env.SCAIDRIVE_ENTRA_AUTHORITY_HOST = emu.info.authority_host;
  process.env.SCAIDRIVE_GRAPH_BASE_URL = emu.info.graph_base_url;
  const temp = makeTempDir("sp-e2e");
  const adminToken = `test-admin-${randomBytes(16).toString("hex")}`;
  const lines: string[] = [];
  const logger = pino({ level: "debug" }, { write: (s: string) => void lines.push(s) });
  let server: { built: BuiltApp; url: string };
  try {
    server = await startSharePointServer({ dataDir: temp.path, adminToken, port: 0, logger });
  } catch (err) {
    await emu.close();
    temp.remove();
    throw err;
  }
  const { built, url } = server;
  return {
    emu,
    url,
    logText: () => lines.join(""),
    api: (method, path, o) => apiCall(url, adminToken, method, path, o),
    async close() {
      const service = built.context.engine.service;
      await service.stop();
      built.app.server.closeAllConnections();
      await built.close();
      await emu.close();
      temp.remove();
    },
  };
}

/** `{status, body}` must have `status`, else throws with the body (keeps test failures readable). */
export function expectStatus(r: ApiResponse, status: number, what: string): any {
  if (r.status !== status) throw new Error(`${what}: expected ${status}, got ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

export async function newShare(e: E2E): Promise<string> {
  return expectStatus(
    await e.api("POST", "/api/v1/shares", { json: { name: `sp-${randomBytes(4).toString("hex")}` } }),
    201,
    "create share",
  ).id;
}

/** A connector on `basePath` of the emulator's first library, mirrored to `/From SharePoint`. */
export async function newConnector(
  e: E2E,
  shareId: string,
  basePath: string,
  extra: Record<string, unknown> = {},
): Promise<string> {
  const body = {
    name: `sp ${basePath}`,
    site_id: e.emu.info.site_id,
    drive_id: e.emu.info.drive_id,
    library_name: "Documents",
    base_path: basePath,
    azure_tenant_id: e.emu.info.tenant_id,
    azure_client_id: e.emu.info.client_id,
    azure_client_secret: e.emu.info.client_secret,
    auth_type: "app_auth",
    target_share_id: shareId,
    target_path: "/From SharePoint",
    sync_direction: "sharepoint_to_scaidrive",
    sync_interval_minutes: 0,
    ...extra,
  };
  return expectStatus(await e.api("POST", SP, { json: body }), 201, "create connector").id;
}

/** Starts a run over HTTP and polls the job until it ends; returns the job with its entries. */
export async function sync(e: E2E, connectorId: string, query = ""): Promise<any> {
  const job = expectStatus(await e.api("POST", `${SP}/${connectorId}/sync${query}`), 202, "start sync");
  for (let i = 0; i < 1200; i++) {
    const r = expectStatus(await e.api("GET", `${SP}/${connectorId}/jobs/${job.id}?limit=1000`), 200, "job");
    if (r.status !== "queued" && r.status !== "running") return r;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error(`job ${job.id} did not finish`);
}

/** The job's per-file log entries (the job view's `entries`, whatever the page shape). */
export function entriesOf(job: any): any[] {
  return (job.entries ?? job.log ?? job.items ?? []) as any[];
}

export async function stat(e: E2E, shareId: string, path: string): Promise<ApiResponse> {
  return e.api("GET", `/api/v1/shares/${shareId}/files/stat?path=${encodeURIComponent(path)}`);
}

export async function content(e: E2E, shareId: string, path: string): Promise<string> {
  const r = await e.api("GET", `/api/v1/shares/${shareId}/content?path=${encodeURIComponent(path)}`);
  if (r.status !== 200) throw new Error(`content ${path}: ${r.status} ${JSON.stringify(r.body)}`);
  return typeof r.body === "string" ? r.body : JSON.stringify(r.body);
}

/** Writes a ScaiDrive file through the REST API. */
export async function put(e: E2E, shareId: string, path: string, text: string): Promise<any> {
  const r = await e.api("PUT", `/api/v1/shares/${shareId}/content?path=${encodeURIComponent(path)}`, {
    raw: Buffer.from(text),
  });
  if (r.status !== 200 && r.status !== 201) throw new Error(`put ${path}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/**
 * SharePoint-side text of a library path (a Graph download with an app token; counts in the emulator's counters), or
 * undefined if missing.
 */
export async function spText(e: E2E, libPath: string): Promise<string | undefined> {
  const tokenRes = await fetch(`${e.emu.info.authority_host}/${e.emu.info.tenant_id}/oauth2/v2.0/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "client_credentials",
      client_id: e.emu.info.client_id,
      client_secret: e.emu.info.client_secret,
      scope: "https://graph.microsoft.com/.default",
    }),
  });
  const token = ((await tokenRes.json()) as { access_token: string }).access_token;
  const enc = libPath.split("/").map(encodeURIComponent).join("/");
  const res = await fetch(`${e.emu.info.graph_base_url}/v1.0/drives/${e.emu.info.drive_id}/root:/${enc}:/content`, {
    headers: { authorization: `Bearer ${token}` },
  });
  if (res.status === 404) return undefined;
  if (!res.ok) throw new Error(`sharepoint read ${libPath}: ${res.status}`);
  return res.text();
}

/** Graph requests per route since the last reset. */
export async function counters(e: E2E): Promise<Record<string, number>> {
  return control<Record<string, number>>(e.emu, "counters", undefined, "GET");
}

export async function resetCounters(e: E2E): Promise<void> {
  await control(e.emu, "counters", undefined, "DELETE");
}

/** Sum of the counters whose key matches `re`. */
export function count(c: Record<string, number>, re: RegExp): number {
  return Object.entries(c).reduce((n, [k, v]) => (re.test(k) ? n + v : n), 0);
}
