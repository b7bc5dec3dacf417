/**
 * What the Entra tests share: an emulator whose CA this process trusts, MSAL configuration the
 * way an application would write it for the emulator, and small plain-HTTPS helpers. Used by
 * `test/emulators/graph/entra*.test.ts` only; nothing here reaches into the emulator's state.
 */
import assert from "node:assert/strict";
import {
  CryptoProvider,
  type AuthenticationResult,
  type ConfidentialClientApplication,
  type Configuration,
  type PublicClientApplication,
} from "@azure/msal-node";
import { readFileSync } from "node:fs";
import { startGraphEmulator, type GraphEmulator } from "../emulator.js";
import { loadFixture, type EmulatorFixture } from "../fixture.js";
import { trustCaInProcess } from "../tls.js";

export const GRAPH_DEFAULT = "https://graph.microsoft.com/.default";

/** Starts the emulator (demo fixture plus `extraApps` in the first tenant) and trusts its CA here. */
export async function startTrustedEmulator(
  opts: { extraApps?: NonNullable<EmulatorFixture["tenants"][number]["apps"]>; tokenLifetimeSec?: number } = {},
): Promise<GraphEmulator> {
  const fixture = loadFixture(undefined);
  if (opts.extraApps) fixture.tenants[0].apps = [...(fixture.tenants[0].apps ?? []), ...opts.extraApps];
  const emu = await startGraphEmulator({ fixture, tokenLifetimeSec: opts.tokenLifetimeSec });
  await trustCaInProcess(readFileSync(emu.info.ca_file, "utf8"));
  return emu;
}

/**
 * MSAL `auth` settings for a tenant of the emulator. With `metadata` (default) MSAL is handed the
 * endpoints and makes no discovery call; without, it fetches the OpenID configuration itself.
 */
export function msalAuth(
  emu: GraphEmulator,
  opts: { tenant?: string; metadata?: boolean } = {},
): Pick<NonNullable<Configuration["auth"]>, "authority" | "knownAuthorities" | "authorityMetadata"> {
  const host = emu.info.authority_host;
  const tenant = opts.tenant ?? emu.info.tenant_id;
  const auth: Pick<NonNullable<Configuration["auth"]>, "authority" | "knownAuthorities" | "authorityMetadata"> = {
    authority: `${host}/${tenant}`,
    knownAuthorities: [new URL(host).host],
  };
  if (opts.metadata !== false) {
    auth.authorityMetadata = JSON.stringify({
      authorization_endpoint: `${host}/${tenant}/oauth2/v2.0/authorize`,
      token_endpoint: `${host}/${tenant}/oauth2/v2.0/token`,
      end_session_endpoint: `${host}/${tenant}/oauth2/v2.0/logout`,
      jwks_uri: `${host}/${tenant}/discovery/v2.0/keys`,
      issuer: `${host}/${tenant}/v2.0`,
    });
  }
  return auth;
}

/** The claims of a JWT (no verification: tests check signatures against the JWKS separately). */
export function jwtClaims(token: string): Record<string, unknown> {
  const part = token.split(".")[1];
  if (!part) throw new Error("not a JWT");
  return JSON.parse(Buffer.from(part, "base64url").toString("utf8")) as Record<string, unknown>;
}

/** POSTs a form to the emulator and parses the JSON answer. */
export async function postForm(
  url: string,
  form: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(form).toString(),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
}

export async function postJson(url: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

export function appOf(emu: GraphEmulator, name: string): GraphEmulator["info"]["apps"][number] {
  const app = emu.info.apps.find((a) => a.name === name);
  if (!app) throw new Error(`no app ${name} in the emulator info`);
  return app;
}

const pkce = new CryptoProvider();

/**
 * The browser leg of the auth code flow as an app's redirect handler sees it: getAuthCodeUrl
 * (PKCE S256, state, nonce, login_hint) → GET authorize → 302 to the redirect URI → acquireTokenByCode
 * with the code, state and client_info from that redirect. Asserts the redirect's shape.
 */
export async function signInWithCode(
  emu: GraphEmulator,
  app: ConfidentialClientApplication | PublicClientApplication,
  opts: { redirectUri: string; scopes: string[]; loginHint: string },
): Promise<{
  result: AuthenticationResult;
  nonce: string;
  verifier: string;
  code: string;
  state: string;
  clientInfo: string;
}> {
  const { verifier, challenge } = await pkce.generatePkceCodes();
  const state = pkce.createNewGuid();
  const nonce = pkce.createNewGuid();
  const { redirectUri, scopes, loginHint } = opts;
  const url = await app.getAuthCodeUrl({
    scopes,
    redirectUri,
    codeChallenge: challenge,
    codeChallengeMethod: "S256",
    state,
    nonce,
    loginHint,
  });
  assert.ok(url.startsWith(`${emu.info.authority_host}/`), url);
  const res = await fetch(url, { redirect: "manual" });
  assert.equal(res.status, 302);
  const location = new URL(res.headers.get("location")!);
  assert.equal(
    `${location.origin}${location.pathname}`,
    redirectUri,
    "Location is absolute and points at the redirect URI",
  );
  assert.equal(location.searchParams.get("state"), state);
  const code = location.searchParams.get("code")!;
  const clientInfo = location.searchParams.get("client_info")!;
  const result = await app.acquireTokenByCode(
    { code, redirectUri, scopes, codeVerifier: verifier, state, nonce },
    { code, state, client_info: clientInfo },
  );
  return { result, nonce, verifier, code, state, clientInfo };
}
