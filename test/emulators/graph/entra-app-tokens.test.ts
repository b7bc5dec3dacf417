/**
 * App-only tokens from the emulated Entra ID, obtained with @azure/msal-node 7 unmodified
 * (client secret; certificate with SHA-1 and with SHA-256 thumbprint), checked against the JWKS
 * and used on Graph; and the token endpoint's errors as MSAL and plain HTTPS see them.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createPublicKey, sign, verify } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfidentialClientApplication, ServerError } from "@azure/msal-node";
import type { GraphEmulator } from "./emulator.js";
import { appOf, GRAPH_DEFAULT, jwtClaims, msalAuth, postForm, startTrustedEmulator } from "./entra/msal-test-kit.js";
import { createClientCertificateSync } from "./tls.js";

const CERT_APP = "ScaiDrive Certificate App";

const EXPIRED_APP = {
  appId: "77777777-7777-4777-8777-777777777777",
  displayName: "Expired Secret App",
  secrets: [{ value: "old-secret", endDateTime: "2020-01-01T00:00:00Z" }],
  appRoles: ["Sites.Read.All"],
};

describe("Entra app tokens through MSAL", () => {
  let emu: GraphEmulator;
  before(async () => {
    emu = await startTrustedEmulator({ extraApps: [EXPIRED_APP] });
  });
  after(async () => {
    await emu?.close();
  });

  const graphGet = (path: string, token: string) =>
    fetch(`${emu.info.graph_base_url}/v1.0${path}`, { headers: { authorization: `Bearer ${token}` } });

  test("client secret with authorityMetadata: a Graph token whose signature verifies against the JWKS", async () => {
    const cca = new ConfidentialClientApplication({
      auth: { clientId: emu.info.client_id, clientSecret: emu.info.client_secret, ...msalAuth(emu) },
    });
    const result = await cca.acquireTokenByClientCredential({ scopes: [GRAPH_DEFAULT] });
    assert.ok(result);
    assert.equal(result.tokenType, "Bearer");
    const claims = jwtClaims(result.accessToken);
    assert.equal(claims.aud, "https://graph.microsoft.com");
    assert.equal(claims.tid, emu.info.tenant_id);
    assert.equal(claims.appid, emu.info.client_id);
    assert.equal(claims.azp, emu.info.client_id);
    assert.equal(claims.idtyp, "app");
    assert.equal(claims.appidacr, "1");
    assert.deepEqual(claims.roles, ["Sites.ReadWrite.All", "User.Read.All", "GroupMember.Read.All"]);
    assert.equal(claims.scp, undefined);
    assert.equal(claims.iss, `${emu.info.authority_host}/${emu.info.tenant_id}/`);
    assert.ok(typeof claims.exp === "number" && typeof claims.iat === "number" && claims.exp - claims.iat === 3600);

    const [headerB64, payloadB64, sigB64] = result.accessToken.split(".");
    const header = JSON.parse(Buffer.from(headerB64, "base64url").toString());
    const jwks = (await (
      await fetch(`${emu.info.authority_host}/${emu.info.tenant_id}/discovery/v2.0/keys`)
    ).json()) as { keys: Array<Record<string, string>> };
    const jwk = jwks.keys.find((k) => k.kid === header.kid);
    assert.ok(jwk, "the token's kid is in the JWKS");
    const key = createPublicKey({ key: { kty: jwk.kty, n: jwk.n, e: jwk.e }, format: "jwk" });
    assert.equal(
      verify("sha256", Buffer.from(`${headerB64}.${payloadB64}`), key, Buffer.from(sigB64, "base64url")),
      true,
    );

    const site = await graphGet(`/sites/${emu.info.site_id}`, result.accessToken);
    assert.equal(site.status, 200);

    const again = await cca.acquireTokenByClientCredential({ scopes: [GRAPH_DEFAULT] });
    assert.equal(again?.accessToken, result.accessToken, "MSAL serves the second call from its cache");
  });

  test("client secret with OpenID discovery (no authorityMetadata), tenant named by domain", async () => {
    const cca = new ConfidentialClientApplication({
      auth: {
        clientId: emu.info.client_id,
        clientSecret: emu.info.client_secret,
        ...msalAuth(emu, { tenant: "contoso.onmicrosoft.com", metadata: false }),
      },
    });
    const result = await cca.acquireTokenByClientCredential({ scopes: [GRAPH_DEFAULT] });
    assert.equal(jwtClaims(result!.accessToken).tid, emu.info.tenant_id);
    const config = (await (
      await fetch(`${emu.info.authority_host}/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration`)
    ).json()) as Record<string, string>;
    assert.equal(config.issuer, `${emu.info.authority_host}/${emu.info.tenant_id}/v2.0`);
    assert.equal(config.token_endpoint, `${emu.info.authority_host}/${emu.info.tenant_id}/oauth2/v2.0/token`);
  });

  for (const kind of ["thumbprint", "thumbprintSha256"] as const) {
    test(`certificate credential with ${kind === "thumbprint" ? "SHA-1" : "SHA-256"} thumbprint`, async () => {
      const app = appOf(emu, CERT_APP);
      const privateKey = readFileSync(app.key_file!, "utf8");
      const thumb = kind === "thumbprint" ? app.thumbprint_sha1! : app.thumbprint_sha256!;
      const cca = new ConfidentialClientApplication({
        auth: { clientId: app.client_id, clientCertificate: { [kind]: thumb, privateKey }, ...msalAuth(emu) },
      });
      const result = await cca.acquireTokenByClientCredential({ scopes: [GRAPH_DEFAULT] });
      const claims = jwtClaims(result!.accessToken);
      assert.equal(claims.appid, app.client_id);
      assert.equal(claims.appidacr, "2");
      assert.deepEqual(claims.roles, ["Sites.Selected"]);
      // Sites.Selected with a write grant on the marketing site only.
      assert.equal((await graphGet(`/sites/${emu.info.site_id}`, result!.accessToken)).status, 200);
      const sites = (await (await graphGet(`/sites?search=*`, result!.accessToken)).json()) as {
        value: Array<{ id: string }>;
      };
      assert.deepEqual(
        sites.value.map((s) => s.id),
        [emu.info.site_id],
      );
    });
  }

  test(
    "a certificate that is not registered, or a registered " +
      "thumbprint signed by another key, fails with AADSTS700027",
    async () => {
      const app = appOf(emu, CERT_APP);
      const dir = mkdtempSync(join(tmpdir(), "entra-stranger-"));
      try {
        const stranger = createClientCertificateSync("stranger", dir);
        const unknownCert = new ConfidentialClientApplication({
          auth: {
            clientId: app.client_id,
            clientCertificate: { thumbprintSha256: stranger.thumbprintSha256, privateKey: stranger.keyPem },
            ...msalAuth(emu),
          },
        });
        const e1 = await unknownCert.acquireTokenByClientCredential({ scopes: [GRAPH_DEFAULT] }).then(
          () => null,
          (e: unknown) => e,
        );
        assert.ok(e1 instanceof ServerError, String(e1));
        assert.equal(e1.errorCode, "invalid_client");
        assert.equal(String(e1.errorNo), "700027");
        assert.match(
          e1.errorMessage,
          /AADSTS700027: Client assertion contains an invalid signature\. \[Reason - The key was not found\./,
        );
        assert.ok(e1.errorMessage.includes(stranger.thumbprintSha256));

        const forged = new ConfidentialClientApplication({
          auth: {
            clientId: app.client_id,
            clientCertificate: { thumbprint: app.thumbprint_sha1!, privateKey: stranger.keyPem },
            ...msalAuth(emu),
          },
        });
        const e2 = await forged.acquireTokenByClientCredential({ scopes: [GRAPH_DEFAULT] }).then(
          () => null,
          (e: unknown) => e,
        );
        assert.ok(e2 instanceof ServerError);
        assert.equal(String(e2.errorNo), "700027");
        assert.match(e2.errorMessage, /did not match the expected signature value/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  test("a wrong client secret fails with invalid_client AADSTS7000215", async () => {
    const cca = new ConfidentialClientApplication({
      auth: { clientId: emu.info.client_id, clientSecret: "not-the-secret", ...msalAuth(emu) },
    });
    const err = await cca.acquireTokenByClientCredential({ scopes: [GRAPH_DEFAULT] }).then(
      () => null,
      (e: unknown) => e,
    );
    assert.ok(err instanceof ServerError);
    assert.equal(err.errorCode, "invalid_client");
    assert.equal(String(err.errorNo), "7000215");
    assert.match(err.errorMessage, /AADSTS7000215: Invalid client secret provided/);
  });

  test("an expired client secret fails with invalid_client AADSTS7000222", async () => {
    const cca = new ConfidentialClientApplication({
      auth: { clientId: EXPIRED_APP.appId, clientSecret: "old-secret", ...msalAuth(emu) },
    });
    const err = await cca.acquireTokenByClientCredential({ scopes: [GRAPH_DEFAULT] }).then(
      () => null,
      (e: unknown) => e,
    );
    assert.ok(err instanceof ServerError);
    assert.equal(err.errorCode, "invalid_client");
    assert.equal(String(err.errorNo), "7000222");
  });

  test("an unknown tenant fails with AADSTS90002, an unknown app with AADSTS700016", async () => {
    const unknownTenant = new ConfidentialClientApplication({
      auth: {
        clientId: emu.info.client_id,
        clientSecret: emu.info.client_secret,
        ...msalAuth(emu, { tenant: "fabrikam.onmicrosoft.com" }),
      },
    });
    const e1 = await unknownTenant.acquireTokenByClientCredential({ scopes: [GRAPH_DEFAULT] }).then(
      () => null,
      (e: unknown) => e,
    );
    assert.ok(e1 instanceof ServerError);
    assert.equal(e1.errorCode, "invalid_request");
    assert.equal(String(e1.errorNo), "90002");
    assert.match(e1.errorMessage, /AADSTS90002: Tenant 'fabrikam.onmicrosoft.com' not found/);

    const unknownApp = new ConfidentialClientApplication({
      auth: { clientId: "44444444-4444-4444-4444-444444444444", clientSecret: "x", ...msalAuth(emu) },
    });
    const e2 = await unknownApp.acquireTokenByClientCredential({ scopes: [GRAPH_DEFAULT] }).then(
      () => null,
      (e: unknown) => e,
    );
    assert.ok(e2 instanceof ServerError);
    assert.equal(e2.errorCode, "unauthorized_client");
    assert.equal(String(e2.errorNo), "700016");
  });
});

describe("Entra token endpoint over plain HTTPS", () => {
  let emu: GraphEmulator;
  let tokenUrl: string;
  before(async () => {
    emu = await startTrustedEmulator();
    tokenUrl = `${emu.info.authority_host}/${emu.info.tenant_id}/oauth2/v2.0/token`;
  });
  after(async () => {
    await emu?.close();
  });

  const base = () => ({
    grant_type: "client_credentials",
    client_id: emu.info.client_id,
    client_secret: emu.info.client_secret,
    scope: GRAPH_DEFAULT,
  });

  test("unknown form fields are ignored and the answer is not cacheable", async () => {
    const res = await postForm(tokenUrl, {
      ...base(),
      "x-client-SKU": "msal.js.node",
      "x-client-VER": "7",
      client_info: "1",
      whatever: "1",
    });
    assert.equal(res.status, 200);
    assert.equal(res.body.token_type, "Bearer");
    assert.equal(res.body.expires_in, 3600);
    assert.equal(res.body.ext_expires_in, 3600);
    assert.equal(typeof res.body.access_token, "string");
    assert.match(res.headers.get("cache-control") ?? "", /no-store/);
  });

  test("client_secret_basic (HTTP Basic) authenticates like client_secret_post", async () => {
    const { client_secret: _secret, ...form } = base();
    const basic = Buffer.from(`${emu.info.client_id}:${emu.info.client_secret}`).toString("base64");
    const res = await postForm(tokenUrl, form, { authorization: `Basic ${basic}` });
    assert.equal(res.status, 200);
    assert.equal(jwtClaims(res.body.access_token as string).appid, emu.info.client_id);
  });

  test("errors carry Entra's fields, the AADSTS code first, and echo client-request-id", async () => {
    const cid = "0f0e0d0c-0b0a-4090-8070-605040302010";
    const res = await postForm(tokenUrl, { ...base(), client_secret: "wrong" }, { "client-request-id": cid });
    assert.equal(res.status, 401);
    assert.equal(res.body.error, "invalid_client");
    assert.match(
      res.body.error_description as string,
      /^AADSTS7000215: .*\r\nTrace ID: [0-9a-f-]{36}\r\nCorrelation ID: 0f0e0d0c-0b0a-4090-8070-605040302010\r\nTimestamp: \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/s,
    );
    assert.deepEqual(res.body.error_codes, [7000215]);
    assert.match(res.body.timestamp as string, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/);
    assert.match(res.body.trace_id as string, /^[0-9a-f-]{36}$/);
    assert.equal(res.body.correlation_id, cid);
  });

  const cases: Array<[string, Record<string, string | undefined>, number, string, number]> = [
    ["missing grant_type", { grant_type: undefined }, 400, "invalid_request", 900144],
    [
      "unsupported grant",
      { grant_type: "urn:ietf:params:oauth:grant-type:device_code" },
      400,
      "unsupported_grant_type",
      70003,
    ],
    ["missing client credential", { client_secret: undefined }, 401, "invalid_client", 7000218],
    ["scope without /.default", { scope: "https://graph.microsoft.com/Sites.Read.All" }, 400, "invalid_scope", 1002012],
    ["scope of an unknown resource", { scope: "https://contoso.example/.default" }, 400, "invalid_resource", 500011],
    ["missing scope", { scope: undefined }, 400, "invalid_request", 900144],
  ];
  for (const [name, change, status, error, code] of cases) {
    test(`${name} → ${status} ${error} AADSTS${code}`, async () => {
      const form: Record<string, string> = {};
      for (const [k, v] of Object.entries({ ...base(), ...change })) if (v !== undefined) form[k] = v;
      const res = await postForm(tokenUrl, form);
      assert.equal(res.status, status);
      assert.equal(res.body.error, error);
      assert.deepEqual(res.body.error_codes, [code]);
      assert.ok((res.body.error_description as string).startsWith(`AADSTS${code}: `));
    });
  }

  test("discovery documents: instance discovery, the common OpenID configuration, v1 and v2 JWKS", async () => {
    const host = emu.info.authority_host;
    const get = async (path: string) => {
      const res = await fetch(`${host}${path}`);
      assert.equal(res.status, 200, path);
      return (await res.json()) as Record<string, any>;
    };
    const instance = await get(
      `/common/discovery/instance?api-version=1.1&authorization_endpoint=${encodeURIComponent(`${host}/common/oauth2/v2.0/authorize`)}`,
    );
    assert.equal(instance.metadata[0].preferred_network, new URL(host).host);
    assert.equal(instance.tenant_discovery_endpoint, `${host}/{tenant}/v2.0/.well-known/openid-configuration`);
    const common = await get("/common/v2.0/.well-known/openid-configuration");
    assert.equal(common.issuer, `${host}/{tenantid}/v2.0`);
    assert.equal(common.token_endpoint, `${host}/common/oauth2/v2.0/token`);
    const v2 = await get(`/contoso/discovery/v2.0/keys`);
    const v1 = await get(`/${emu.info.tenant_id}/discovery/keys`);
    assert.equal(v2.keys.length, 1);
    assert.deepEqual(
      v1.keys.map((k: { kid: string }) => k.kid),
      v2.keys.map((k: { kid: string }) => k.kid),
    );
    const missing = await fetch(`${host}/nowhere.example/v2.0/.well-known/openid-configuration`);
    assert.equal(missing.status, 400);
    assert.deepEqual(((await missing.json()) as { error_codes: number[] }).error_codes, [90002]);
  });

  test("client_credentials on /common has no tenant (AADSTS50059); an unknown tenant is AADSTS90002", async () => {
    const common = await postForm(`${emu.info.authority_host}/common/oauth2/v2.0/token`, base());
    assert.equal(common.status, 400);
    assert.deepEqual(common.body.error_codes, [50059]);
    const unknown = await postForm(
      `${emu.info.authority_host}/99999999-9999-9999-9999-999999999999/oauth2/v2.0/token`,
      base(),
    );
    assert.equal(unknown.status, 400);
    assert.deepEqual(unknown.body.error_codes, [90002]);
  });

  test("hand-made client assertions: wrong audience, wrong issuer, expired", async () => {
    const app = appOf(emu, CERT_APP);
    const key = readFileSync(app.key_file!, "utf8");
    const now = Math.floor(Date.now() / 1000);
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
    const assertion = (claims: Record<string, unknown>) => {
      const header = { alg: "RS256", typ: "JWT", x5t: Buffer.from(app.thumbprint_sha1!, "hex").toString("base64url") };
      const input = `${b64(header)}.${b64({ aud: tokenUrl, iss: app.client_id, sub: app.client_id, nbf: now, exp: now + 600, jti: "j", ...claims })}`;
      return `${input}.${sign("sha256", Buffer.from(input), key).toString("base64url")}`;
    };
    const send = (jwt: string) =>
      postForm(tokenUrl, {
        grant_type: "client_credentials",
        client_id: app.client_id,
        scope: GRAPH_DEFAULT,
        client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        client_assertion: jwt,
      });
    assert.equal((await send(assertion({}))).status, 200, "the well-formed assertion is accepted");
    const byDomain = await send(
      assertion({ aud: `${emu.info.authority_host}/contoso.onmicrosoft.com/oauth2/v2.0/token` }),
    );
    assert.equal(byDomain.status, 200, "the domain form of the token endpoint is a valid audience");
    assert.deepEqual(
      (await send(assertion({ aud: "https://login.microsoftonline.com/x/oauth2/v2.0/token" }))).body.error_codes,
      [700023],
    );
    assert.deepEqual((await send(assertion({ iss: emu.info.client_id }))).body.error_codes, [700021]);
    assert.deepEqual((await send(assertion({ nbf: now - 4000, exp: now - 3600 }))).body.error_codes, [700024]);
    assert.deepEqual((await send("not.a.jwt")).body.error_codes, [50027]);
  });
});
