/**
 * What the SharePoint adapter tests share: the Graph + Entra emulator started in-process over
 * HTTPS with its CA trusted here, the adapter's real MSAL token sources and Graph transport
 * pointed at it, and small helpers for the emulator's control API (changes made "in SharePoint").
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { startGraphEmulator, type GraphEmulator } from "../../emulators/graph/emulator.js";
import type { EmulatorFixture } from "../../emulators/graph/fixture.js";
import { trustCaInProcess } from "../../emulators/graph/tls.js";
import { GraphHttp, type GraphTokenSource } from "../../../src/connectors/sharepoint/graph-http.js";
import type { PacerOptions } from "../../../src/connectors/sharepoint/graph-pacer.js";
import { AppTokenSource, type SharePointEndpoints } from "../../../src/connectors/sharepoint/sharepoint-auth.js";
import {
  createSharePointRemote,
  type SharePointRemote,
  type SharePointRemoteOptions,
} from "../../../src/connectors/sharepoint/sharepoint-remote.js";
import { NetworkPolicy } from "../../../src/connectors/network-policy.js";

/**
 * The emulator listens on loopback, which the server's default connector network policy refuses: these tests deny
 * nothing.
 */
export const anyNetwork = NetworkPolicy.unrestricted();

export async function startEmulator(
  opts: { fixture?: EmulatorFixture; tokenLifetimeSec?: number } = {},
): Promise<GraphEmulator> {
  const emu = await startGraphEmulator(opts);
  await trustCaInProcess(readFileSync(emu.info.ca_file, "utf8"));
  return emu;
}

export function endpointsOf(emu: GraphEmulator): SharePointEndpoints {
  return { authorityHost: emu.info.authority_host, graphBaseUrl: emu.info.graph_base_url };
}

export function appTokens(emu: GraphEmulator): AppTokenSource {
  return new AppTokenSource(
    { tenantId: emu.info.tenant_id, clientId: emu.info.client_id, clientSecret: emu.info.client_secret },
    endpointsOf(emu),
    anyNetwork,
  );
}

/** Graph transport with short backoff steps so fault-injection tests stay quick (Retry-After is still honoured). */
export function graphFor(
  emu: GraphEmulator,
  tokens: GraphTokenSource = appTokens(emu),
  pacer: PacerOptions = {},
): GraphHttp {
  return new GraphHttp({
    graphBaseUrl: emu.info.graph_base_url,
    tokens,
    network: anyNetwork,
    pacer: { baseDelayMs: 20, ...pacer },
  });
}

export function remoteFor(
  emu: GraphEmulator,
  basePath: string,
  extra: Partial<SharePointRemoteOptions> = {},
): SharePointRemote {
  return createSharePointRemote({
    graph: graphFor(emu),
    siteId: emu.info.site_id,
    driveId: emu.info.drive_id,
    basePath,
    ...extra,
  });
}

/** POST to the emulator's control API; throws on a non-2xx answer. */
export async function control<T = Record<string, unknown>>(
  emu: GraphEmulator,
  route: string,
  body: unknown = {},
  method = "POST",
): Promise<T> {
  const res = await fetch(`${emu.info.graph_base_url}/_emulator/${route}`, {
    method,
    headers: method === "GET" || method === "DELETE" ? {} : { "content-type": "application/json" },
    body: method === "GET" || method === "DELETE" ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`control ${route} answered ${res.status}: ${text}`);
  return (text ? JSON.parse(text) : {}) as T;
}

/** A fresh, empty folder at the library root (made through the control API). */
export async function freshFolder(emu: GraphEmulator, prefix = "t"): Promise<string> {
  const name = `${prefix}-${randomBytes(4).toString("hex")}`;
  await control(emu, "content/folders", { path: name });
  return name;
}

export async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks);
}
