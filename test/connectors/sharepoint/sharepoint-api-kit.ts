/**
 * What the SharePoint API tests share: the Graph + Entra emulator over HTTPS (CA trusted in
 * this process, endpoints through SCAIDRIVE_ENTRA_AUTHORITY_HOST / SCAIDRIVE_GRAPH_BASE_URL),
 * and a ScaiDrive server on a free port with the SharePoint connector routes and the alert
 * routes, reached over real HTTP with the admin token.
 */
import { randomBytes } from "node:crypto";
import pino from "pino";
import { buildApp, type BuiltApp } from "../../../src/server/app.js";
import { loadConfig, type ServerConfig } from "../../../src/server/config.js";
import { sharepointConnectorRoutes, SHAREPOINT_BASE } from "../../../src/server/routes/sharepoint-connector-routes.js";
import { alertRoutes } from "../../../src/server/routes/alert-routes.js";
import { sharepointDefinition } from "../../../src/connectors/sharepoint/sharepoint-definition.js";
import type { GraphEmulator } from "../../emulators/graph/emulator.js";
import { makeTempDir } from "../../harness/temp-dir.js";
import { control, startEmulator } from "./sharepoint-test-kit.js";

export const SP = SHAREPOINT_BASE;
export { control };

export interface ApiResponse {
  status: number;
  headers: Headers;
  body: any;
}

export interface ApiWorld {
  emu: GraphEmulator;
  url: string;
  built: BuiltApp;
  api(method: string, path: string, json?: unknown, headers?: Record<string, string>): Promise<ApiResponse>;
  close(): Promise<void>;
}

/**
 * Options for a second node of the same deployment: the first node's emulator, data directory,
 * PostgreSQL database and admin token (all left open or in place by this world's close()).
 */
export interface ApiWorldOptions {
  emu?: GraphEmulator;
  dataDir?: string;
  databaseUrl?: string;
  adminToken?: string;
}

export async function startApiWorld(opts: ApiWorldOptions = {}): Promise<ApiWorld> {
  const emu = opts.emu ?? (await startEmulator());
  const closeEmu = () => (opts.emu ? Promise.resolve() : emu.close());
  process.env.SCAIDRIVE_ENTRA_AUTHORITY_HOST = emu.info.authority_host;
  process.env.SCAIDRIVE_GRAPH_BASE_URL = emu.info.graph_base_url;
  delete process.env.SCAIDRIVE_PUBLIC_URL;
  const temp = opts.dataDir ? undefined : makeTempDir("sp-api");
  const adminToken = opts.adminToken ?? `test-admin-${randomBytes(16).toString("hex")}`;
  const config: ServerConfig = {
    ...loadConfig({ SCAIDRIVE_CONNECTOR_DENY_NETWORKS: "none" }),
    port: 0,
    host: "127.0.0.1",
    dataDir: opts.dataDir ?? temp!.path,
    adminToken,
    logLevel: "silent",
    ...(opts.databaseUrl ? { databaseUrl: opts.databaseUrl } : {}),
  };
  let built: BuiltApp;
  try {
    built = await buildApp(config, {
      coreOnly: true,
      logger: pino({ level: "silent" }),
      sync: {
        retry: { attempts: 2, baseDelayMs: 50, maxDelayMs: 100 },
        progressFlushMs: 100,
        definitions: [sharepointDefinition],
      },
      plugins: [sharepointConnectorRoutes, alertRoutes],
    });
    await built.app.listen({ port: 0, host: "127.0.0.1" });
  } catch (err) {
    await closeEmu();
    temp?.remove();
    throw err;
  }
  const addr = built.app.server.address();
  const url = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}`;
  return {
    emu,
    url,
    built,
    async api(method, path, json, headers = {}) {
      const res = await fetch(`${url}${path}`, {
        method,
        redirect: "manual",
        headers: {
          authorization: `Bearer ${adminToken}`,
          ...(json !== undefined ? { "content-type": "application/json" } : {}),
          ...headers,
        },
        body: json !== undefined ? JSON.stringify(json) : undefined,
      });
      const text = await res.text();
      return {
        status: res.status,
        headers: res.headers,
        body: text && (res.headers.get("content-type") ?? "").includes("json") ? JSON.parse(text) : text,
      };
    },
    async close() {
      await built.context.engine.service.stop();
      built.app.server.closeAllConnections();
      await built.close();
      await closeEmu();
      temp?.remove();
    },
  };
}

/** `r` must have `status`, else throws with the body (readable failures). */
export function expectStatus(r: ApiResponse, status: number, what: string): any {
  if (r.status !== status) throw new Error(`${what}: expected ${status}, got ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

export async function newShare(w: ApiWorld): Promise<string> {
  return expectStatus(
    await w.api("POST", "/api/v1/shares", { name: `sp-${randomBytes(4).toString("hex")}` }),
    201,
    "create share",
  ).id;
}

/** Starts a run over HTTP (202) and polls the job until it ends. */
export async function syncToEnd(w: ApiWorld, connectorId: string): Promise<any> {
  const job = expectStatus(await w.api("POST", `${SP}/${connectorId}/sync`), 202, "start sync");
  for (let i = 0; i < 1200; i++) {
    const r = expectStatus(await w.api("GET", `${SP}/${connectorId}/jobs/${job.id}?limit=1000`), 200, "job");
    if (r.status !== "queued" && r.status !== "running") return r;
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error(`job ${job.id} did not finish`);
}

/** Text of a ScaiDrive file over the content API. */
export async function shareText(w: ApiWorld, shareId: string, path: string): Promise<string> {
  const r = await w.api("GET", `/api/v1/shares/${shareId}/content?path=${encodeURIComponent(path)}`);
  if (r.status !== 200) throw new Error(`content ${path}: ${r.status} ${JSON.stringify(r.body)}`);
  return typeof r.body === "string" ? r.body : JSON.stringify(r.body);
}
