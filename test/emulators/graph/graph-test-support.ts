/**
 * Shared by the emulator's own Graph tests: start an emulator in-process, trust its CA for this
 * process (global fetch, which MSAL 7 and the Graph client both use), get tokens through the
 * real MSAL client and build the real Graph SDK client. Nothing here fakes a peer.
 */
import { readFileSync } from "node:fs";
import { after, before } from "node:test";
import { ConfidentialClientApplication } from "@azure/msal-node";
import { Client } from "@microsoft/microsoft-graph-client";
import { startGraphEmulator, type GraphEmulator } from "./emulator.js";
import { loadFixture, type EmulatorFixture } from "./fixture.js";
import { trustCaInProcess } from "./tls.js";

export async function startTrusted(fixture?: EmulatorFixture): Promise<GraphEmulator> {
  const emu = await startGraphEmulator({ fixture });
  await trustCaInProcess(readFileSync(emu.info.ca_file, "utf8"));
  return emu;
}

/** The demo fixture plus extra app registrations (for permission tests). */
export function demoWithApps(apps: NonNullable<EmulatorFixture["tenants"][number]["apps"]>): EmulatorFixture {
  const f = loadFixture(undefined);
  f.tenants[0].apps = [...(f.tenants[0].apps ?? []), ...apps];
  return f;
}

/** An app-only Graph token from MSAL's client-credentials flow with a client secret. */
export async function appToken(
  emu: GraphEmulator,
  clientId = emu.info.client_id,
  clientSecret = emu.info.client_secret,
): Promise<string> {
  const cca = new ConfidentialClientApplication({
    auth: {
      clientId,
      clientSecret,
      authority: `${emu.info.authority_host}/${emu.info.tenant_id}`,
      knownAuthorities: [new URL(emu.info.authority_host).host],
    },
  });
  const result = await cca.acquireTokenByClientCredential({ scopes: ["https://graph.microsoft.com/.default"] });
  if (!result?.accessToken) throw new Error("MSAL returned no access token");
  return result.accessToken;
}

/**
 * The real Graph SDK client pointed at the emulator: `baseUrl` is the origin (the SDK appends
 * `/v1.0` itself), and `customHosts` lets its AuthenticationHandler attach the token there.
 */
export function graphClient(emu: GraphEmulator, token: string): Client {
  return Client.init({
    baseUrl: emu.info.graph_base_url,
    defaultVersion: "v1.0",
    customHosts: new Set([new URL(emu.info.graph_base_url).hostname]),
    authProvider: (done) => done(null, token),
  });
}

/** Plain HTTPS to the emulator (global fetch, CA trusted by {@link startTrusted}). */
export async function graphFetch(
  emu: GraphEmulator,
  token: string | undefined,
  path: string,
  init: RequestInit = {},
): Promise<Response> {
  const headers = new Headers(init.headers);
  if (token) headers.set("authorization", `Bearer ${token}`);
  const url = path.startsWith("https://")
    ? path
    : `${emu.info.graph_base_url}${path.startsWith("/v1.0/") || path.startsWith("/_") ? "" : "/v1.0"}${path}`;
  return fetch(url, { ...init, headers, redirect: init.redirect ?? "manual" });
}

/** POSTs JSON to the unauthenticated control API; throws on a non-2xx answer. */
export async function control(emu: GraphEmulator, path: string, body?: unknown, method = "POST"): Promise<unknown> {
  const res = await fetch(`${emu.info.graph_base_url}/_emulator/${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`control ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/** `/drives/{drive_id}<rest>`: for the SDK's `api()` and, prefixed with /v1.0, for {@link graphFetch}. */
export function drivePath(emu: GraphEmulator, rest: string): string {
  return `/drives/${emu.info.drive_id}${rest}`;
}

/** What {@link useEmulator} provides once its `before` hook ran. */
export interface EmulatorSession {
  emu: GraphEmulator;
  /** An app-only token of the fixture's default app (`info.client_id`). */
  token: string;
  client: Client;
  /** `/drives/{drive_id}<rest>`. */
  d(rest: string): string;
}

/**
 * Registers `before`/`after` hooks in the calling `describe`: one emulator (trusted in-process),
 * a token of the default app and an SDK client for the whole suite, closed afterwards.
 */
export function useEmulator(fixture?: () => EmulatorFixture): EmulatorSession {
  const session = {} as EmulatorSession;
  before(async () => {
    session.emu = await startTrusted(fixture?.());
    session.token = await appToken(session.emu);
    session.client = graphClient(session.emu, session.token);
    session.d = (rest) => drivePath(session.emu, rest);
  });
  after(async () => {
    await session.emu?.close();
  });
  return session;
}
