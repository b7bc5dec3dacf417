/**
 * Entra ID flows of the SharePoint adapter against the emulator over HTTPS, through the real
 * MSAL client: app secret, certificate, user auth (authorize URL → sign-in with login_hint →
 * code → redeem → refresh with rotation), and the failures that must become RemoteError `auth`.
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import type { GraphEmulator } from "../../emulators/graph/emulator.js";
import { isRemoteError } from "../../../src/sync/remote-errors.js";
import {
  AppTokenSource,
  UserAuthFlow,
  UserTokenSource,
  msalAuthority,
} from "../../../src/connectors/sharepoint/sharepoint-auth.js";
import {
  CertificateError,
  parseClientCertificatePem,
} from "../../../src/connectors/sharepoint/sharepoint-certificate.js";
import { createSharePointRemote } from "../../../src/connectors/sharepoint/sharepoint-remote.js";
import { anyNetwork, control, endpointsOf, graphFor, startEmulator } from "./sharepoint-test-kit.js";

function claims(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString("utf8")) as Record<string, unknown>;
}

async function rejectsAuth(p: Promise<unknown>, pattern?: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(isRemoteError(err, "auth"), `expected RemoteError auth, got ${String(err)}`);
    if (pattern) assert.match(err.message, pattern);
    return true;
  });
}

describe("SharePoint auth (MSAL against the Entra emulator)", () => {
  let emu: GraphEmulator;
  const redirectUri = "http://localhost:8080/api/v1/sharepoint-connectors/oauth/callback";

  before(async () => {
    emu = await startEmulator();
  });
  after(async () => {
    await emu.close();
  });

  test("MSAL is configured without discovery: knownAuthorities has host and port, metadata given", () => {
    const a = msalAuthority(endpointsOf(emu), emu.info.tenant_id);
    assert.deepEqual(a.knownAuthorities, [new URL(emu.info.authority_host).host]);
    assert.match(a.knownAuthorities![0]!, /^127\.0\.0\.1:\d+$/);
    const meta = JSON.parse(a.authorityMetadata!) as Record<string, string>;
    assert.equal(meta.token_endpoint, `${emu.info.authority_host}/${emu.info.tenant_id}/oauth2/v2.0/token`);
  });

  test("app auth with a client secret: token cached by MSAL, Graph reachable", async () => {
    await control(emu, "counters", {}, "DELETE");
    const before =
      (await control<{ issued: Record<string, number> }>(emu, "tokens/stats", undefined, "GET")).issued
        .client_credentials ?? 0;
    const tokens = new AppTokenSource(
      { tenantId: emu.info.tenant_id, clientId: emu.info.client_id, clientSecret: emu.info.client_secret },
      endpointsOf(emu),
      anyNetwork,
    );
    const t1 = await tokens.getAccessToken();
    const t2 = await tokens.getAccessToken();
    assert.equal(t1, t2, "the second call is answered from MSAL's cache");
    const c = claims(t1);
    assert.equal(c.appid, emu.info.client_id);
    assert.equal(c.idtyp, "app");
    const after =
      (await control<{ issued: Record<string, number> }>(emu, "tokens/stats", undefined, "GET")).issued
        .client_credentials ?? 0;
    assert.equal(after - before, 1);
    const remote = createSharePointRemote({
      graph: graphFor(emu, tokens),
      driveId: emu.info.drive_id,
      basePath: "Campaigns/2026",
    });
    assert.equal((await remote.stat("Brief.docx")).kind, "file");
  });

  test("a wrong client secret is an auth error (invalid_client), not a retry", async () => {
    const tokens = new AppTokenSource(
      { tenantId: emu.info.tenant_id, clientId: emu.info.client_id, clientSecret: "wrong-secret" },
      endpointsOf(emu),
      anyNetwork,
    );
    await rejectsAuth(tokens.getAccessToken(), /invalid_client/);
    const remote = createSharePointRemote({ graph: graphFor(emu, tokens), driveId: emu.info.drive_id });
    await rejectsAuth(remote.stat(""));
  });

  test("a throttled or failing token endpoint is unreachable (retry later), never auth", async () => {
    for (const kind of ["429", "503", "500", "reset"]) {
      await control(emu, "faults", { kind, path: "/oauth2/v2\\.0/token$", count: 1, retryAfterSec: 1 });
      const tokens = new AppTokenSource(
        { tenantId: emu.info.tenant_id, clientId: emu.info.client_id, clientSecret: emu.info.client_secret },
        endpointsOf(emu),
        anyNetwork,
      );
      await assert.rejects(tokens.getAccessToken(), (e: unknown) => {
        assert.ok(isRemoteError(e, "unreachable"), `${kind}: ${String(e)}`);
        return true;
      });
      await control(emu, "faults", {}, "DELETE");
    }
  });

  test(
    "app auth with a certificate PEM (key + certificate): " + "thumbprints derived, Sites.Selected grant works",
    async () => {
      const app = emu.info.apps.find((a) => a.cert_file)!;
      const pem = `${readFileSync(app.key_file!, "utf8")}\n${readFileSync(app.cert_file!, "utf8")}`;
      const parsed = parseClientCertificatePem(pem);
      assert.equal(parsed.thumbprintSha256.toLowerCase(), app.thumbprint_sha256!.replace(/:/g, "").toLowerCase());
      assert.equal(parsed.thumbprintSha1.toLowerCase(), app.thumbprint_sha1!.replace(/:/g, "").toLowerCase());
      const tokens = new AppTokenSource(
        { tenantId: emu.info.tenant_id, clientId: app.client_id, certificatePem: pem },
        endpointsOf(emu),
        anyNetwork,
      );
      const token = await tokens.getAccessToken();
      assert.equal(claims(token).appidacr, "2", "certificate credential");
      const remote = createSharePointRemote({
        graph: graphFor(emu, tokens),
        driveId: emu.info.drive_id,
        basePath: "Campaigns/2026",
      });
      assert.equal((await remote.stat("Budget.xlsx")).kind, "file");
    },
  );

  test("certificate PEM validation names the problem", () => {
    const app = emu.info.apps.find((a) => a.cert_file)!;
    const key = readFileSync(app.key_file!, "utf8");
    const cert = readFileSync(app.cert_file!, "utf8");
    const other = emu.info.ca_file ? readFileSync(emu.info.ca_file, "utf8") : "";
    assert.throws(
      () => parseClientCertificatePem("not a pem"),
      (e: unknown) => e instanceof CertificateError && /PEM/.test(e.message),
    );
    assert.throws(
      () => parseClientCertificatePem(key),
      (e: unknown) => e instanceof CertificateError && /no certificate block/.test(e.message),
    );
    assert.throws(
      () => parseClientCertificatePem(cert),
      (e: unknown) => e instanceof CertificateError && /no private key block/.test(e.message),
    );
    assert.throws(
      () => parseClientCertificatePem(`${key}\n${other}`),
      (e: unknown) => e instanceof CertificateError && /does not belong/.test(e.message),
    );
    assert.throws(
      () =>
        parseClientCertificatePem(
          `-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n${cert}`,
        ),
      (e: unknown) => e instanceof CertificateError && /encrypted/.test(e.message),
    );
    assert.throws(
      () =>
        new AppTokenSource(
          { tenantId: emu.info.tenant_id, clientId: app.client_id, certificatePem: cert },
          endpointsOf(emu),
          anyNetwork,
        ),
      (e: unknown) => isRemoteError(e, "auth"),
    );
  });

  test(
    "user auth: authorize URL → sign-in → code → refresh " + "token; refresh rotates and is reported; revoked → auth",
    async () => {
      const cred = { tenantId: emu.info.tenant_id, clientId: emu.info.client_id, clientSecret: emu.info.client_secret };
      const flow = new UserAuthFlow(cred, endpointsOf(emu), anyNetwork);
      const alice = emu.info.users.find((u) => u.name === "Alice Cooper")!;
      const state = "cnn_test.state-123";
      const { url, nonce } = await flow.buildAuthorizationUrl({ state, redirectUri, loginHint: alice.email });
      const u = new URL(url);
      assert.equal(u.origin, emu.info.authority_host);
      assert.equal(u.searchParams.get("code_challenge_method"), "S256");
      assert.equal(u.searchParams.get("state"), state);
      const res = await fetch(url, { redirect: "manual" });
      assert.equal(res.status, 302);
      const loc = new URL(res.headers.get("location")!);
      assert.equal(`${loc.origin}${loc.pathname}`, redirectUri);
      assert.equal(loc.searchParams.get("state"), state);
      const code = loc.searchParams.get("code")!;
      await assert.rejects(
        flow.redeemCode({
          code,
          pkceVerifier: "wrong-verifier-wrong-verifier-wrong-verifier-00",
          redirectUri,
          state,
          nonce,
          clientInfo: loc.searchParams.get("client_info") ?? undefined,
        }),
        (e: unknown) => isRemoteError(e, "auth"),
      );
      // The failed attempt consumed nothing usable: sign in again for a fresh code.
      const again = await flow.buildAuthorizationUrl({ state, redirectUri, loginHint: alice.email });
      const loc2 = new URL((await fetch(again.url, { redirect: "manual" })).headers.get("location")!);
      const redeemed = await flow.redeemCode({
        code: loc2.searchParams.get("code")!,
        pkceVerifier: again.pkceVerifier,
        redirectUri,
        state,
        nonce: again.nonce,
        clientInfo: loc2.searchParams.get("client_info") ?? undefined,
      });
      assert.ok(redeemed.refreshToken.length > 10);
      assert.equal(redeemed.account.objectId, alice.id);

      // Tokens issued from now on live 120 s (< MSAL's 300 s renewal window): every call refreshes.
      await control(emu, "tokens/lifetime", { access_token_seconds: 120 });
      const rotated: string[] = [];
      const tokens = new UserTokenSource(
        { ...cred, refreshToken: redeemed.refreshToken, onRefreshTokenRotated: (rt) => void rotated.push(rt) },
        endpointsOf(emu),
        anyNetwork,
      );
      const t1 = await tokens.getAccessToken();
      assert.equal(claims(t1).oid, alice.id);
      assert.equal(rotated.length, 1, "the refresh-token grant rotated the token and reported it");
      assert.notEqual(rotated[0], redeemed.refreshToken);
      await tokens.getAccessToken();
      assert.equal(rotated.length, 2);
      const remote = createSharePointRemote({
        graph: graphFor(emu, tokens),
        driveId: emu.info.drive_id,
        basePath: "Campaigns/2026",
      });
      assert.equal((await remote.stat("Brief.docx")).kind, "file");

      const revoked = await control<{ revoked: number }>(emu, "tokens/revoke", { user: alice.email });
      assert.ok(revoked.revoked >= 1);
      const stale = new UserTokenSource({ ...cred, refreshToken: rotated[1]! }, endpointsOf(emu), anyNetwork);
      await rejectsAuth(stale.getAccessToken(), /invalid_grant/);
      const staleRemote = createSharePointRemote({ graph: graphFor(emu, stale), driveId: emu.info.drive_id });
      await rejectsAuth(staleRemote.stat(""));
    },
  );
});
