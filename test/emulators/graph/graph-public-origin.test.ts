import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import https from "node:https";
import { isIP } from "node:net";
import type { TLSSocket } from "node:tls";
import { createInterface } from "node:readline";
import { startGraphEmulator, type EmulatorInfo, type GraphEmulator } from "./emulator.js";
import { decodeJwt } from "./entra/jwt-codec.js";
import { createTlsMaterial } from "./tls.js";
import { sourcePath } from "../../harness/repo-paths.js";

type Item = Record<string, any>;

const HOSTNAMES = ["graph.microsoft.com", "login.microsoftonline.com", "contoso.sharepoint.com"];

interface HostResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Item;
  /** The DNS names of the certificate the server presented for this host name. */
  certNames: string[];
}

/**
 * One HTTPS request to the emulator's port, sent as if to `host`: SNI and `Host` carry the name,
 * and the certificate is verified against it with the run's CA (as a client whose resolver maps
 * the Microsoft names to the emulator sees it).
 */
function requestAs(
  emu: GraphEmulator,
  host: string,
  method: string,
  path: string,
  opts: { headers?: Record<string, string>; body?: string } = {},
): Promise<HostResponse> {
  const port = Number(new URL(emu.info.graph_base_url).port);
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: "127.0.0.1",
        port,
        method,
        path,
        servername: isIP(host.replace(/:\d+$/, "")) ? undefined : host.replace(/:\d+$/, ""),
        ca: readFileSync(emu.info.ca_file, "utf8"),
        headers: { host, ...opts.headers },
        agent: false,
      },
      (res) => {
        const cert = (res.socket as TLSSocket).getPeerX509Certificate();
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString();
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: text && /json/.test(String(res.headers["content-type"])) ? (JSON.parse(text) as Item) : { text },
            certNames: cert?.subjectAltName?.split(", ") ?? [],
          });
        });
      },
    );
    req.on("error", reject);
    req.end(opts.body);
  });
}

async function tokenAs(emu: GraphEmulator, host: string): Promise<string> {
  const res = await requestAs(emu, host, "POST", `/${emu.info.tenant_id}/oauth2/v2.0/token`, {
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "client_credentials",
      client_id: emu.info.client_id,
      client_secret: emu.info.client_secret,
      scope: "https://graph.microsoft.com/.default",
    }).toString(),
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.access_token as string;
}

describe("Graph emulator: absolute URLs follow the host the client called", () => {
  let emu: GraphEmulator;
  let graphToken: string;
  const graph = (method: string, path: string, opts?: { headers?: Record<string, string>; body?: string }) =>
    requestAs(emu, "graph.microsoft.com", method, path, {
      ...opts,
      headers: { authorization: `Bearer ${graphToken}`, ...opts?.headers },
    });
  const d = (rest: string): string => `/v1.0/drives/${emu.info.drive_id}${rest}`;

  before(async () => {
    emu = await startGraphEmulator({ hostnames: HOSTNAMES });
    graphToken = await tokenAs(emu, "login.microsoftonline.com");
  });
  after(async () => {
    await emu?.close();
  });

  test("the certificate carries the extra DNS names; the info line lists them", async () => {
    for (const host of HOSTNAMES) {
      const res = await requestAs(emu, host, "GET", "/common/discovery/instance");
      assert.equal(res.status, 200, host);
      assert.deepEqual(
        res.certNames.sort(),
        ["DNS:localhost", ...HOSTNAMES.map((h) => `DNS:${h}`), "IP Address:127.0.0.1"].sort(),
      );
    }
    assert.deepEqual(emu.info.hostnames, HOSTNAMES);
    assert.equal(emu.info.public_origin, undefined);
  });

  test("token issuer and OpenID endpoints on login.microsoftonline.com; that token works on every host", async () => {
    const claims = decodeJwt(graphToken)!.payload;
    assert.equal(claims.iss, `https://login.microsoftonline.com/${emu.info.tenant_id}/`);
    const oidc = await requestAs(
      emu,
      "login.microsoftonline.com",
      "GET",
      `/${emu.info.tenant_id}/v2.0/.well-known/openid-configuration`,
    );
    assert.equal(oidc.body.issuer, `https://login.microsoftonline.com/${emu.info.tenant_id}/v2.0`);
    assert.equal(oidc.body.token_endpoint, `https://login.microsoftonline.com/${emu.info.tenant_id}/oauth2/v2.0/token`);
    assert.equal((await graph("GET", d("/root"))).status, 200);
    // The same token on the listening origin, and a token issued there on the Microsoft name.
    const direct = await fetchJson(emu, d("/root"), graphToken);
    assert.equal(direct.status, 200);
    const local = await tokenAs(emu, new URL(emu.info.authority_host).host);
    assert.equal(decodeJwt(local)!.payload.iss, `${emu.info.authority_host}/${emu.info.tenant_id}/`);
    assert.equal(
      (
        await requestAs(emu, "graph.microsoft.com", "GET", d("/root"), {
          headers: { authorization: `Bearer ${local}` },
        })
      ).status,
      200,
    );
  });

  test("download URLs, the /content redirect, @odata.context and children nextLink", async () => {
    const brief = await graph("GET", d("/root:/Campaigns/2026/Brief.docx:"));
    assert.match(brief.body["@microsoft.graph.downloadUrl"], /^https:\/\/graph\.microsoft\.com\/_download\//);
    const content = await graph("GET", d(`/items/${brief.body.id}/content`));
    assert.equal(content.status, 302);
    const location = String(content.headers.location);
    assert.match(location, /^https:\/\/graph\.microsoft\.com\/_download\//);
    const download = await requestAs(emu, "graph.microsoft.com", "GET", new URL(location).pathname);
    assert.equal(download.status, 200);
    const folder = await graph("GET", d("/root:/Campaigns/2026:"));
    const page = await graph("GET", d(`/items/${folder.body.id}/children?$top=2`));
    assert.match(page.body["@odata.context"], /^https:\/\/graph\.microsoft\.com\/v1\.0\/\$metadata#/);
    assert.match(page.body["@odata.nextLink"], /^https:\/\/graph\.microsoft\.com\/v1\.0\/drives\//);
    const next = await graph(
      "GET",
      new URL(page.body["@odata.nextLink"]).pathname + new URL(page.body["@odata.nextLink"]).search,
    );
    assert.equal(next.status, 200);
    assert.equal(next.body.value.length, 2);
  });

  test("delta nextLink and deltaLink, upload session URL", async () => {
    const first = await graph("GET", d("/root/delta?$top=2"));
    assert.match(
      first.body["@odata.nextLink"],
      /^https:\/\/graph\.microsoft\.com\/v1\.0\/drives\/[^/]+\/root\/delta\?/,
    );
    let link: string = first.body["@odata.nextLink"];
    for (;;) {
      const page = await graph("GET", new URL(link).pathname + new URL(link).search);
      if (page.body["@odata.deltaLink"]) {
        assert.match(page.body["@odata.deltaLink"], /^https:\/\/graph\.microsoft\.com\/v1\.0\/drives\//);
        break;
      }
      link = page.body["@odata.nextLink"];
    }
    const session = await graph("POST", d("/root:/Uploads/big.bin:/createUploadSession"), {
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    assert.equal(session.status, 200);
    assert.match(session.body.uploadUrl, /^https:\/\/graph\.microsoft\.com\/_upload\//);
    assert.match(session.body["@odata.context"], /^https:\/\/graph\.microsoft\.com\/v1\.0\//);
    const put = await requestAs(emu, "graph.microsoft.com", "PUT", new URL(session.body.uploadUrl).pathname, {
      headers: { "content-range": "bytes 0-4/5", "content-length": "5" },
      body: "hello",
    });
    assert.equal(put.status, 201);
    assert.match(put.body["@microsoft.graph.downloadUrl"], /^https:\/\/graph\.microsoft\.com\//);
  });

  test("a malformed Host falls back to the listening origin, which still gets its own URLs", async () => {
    const direct = await fetchJson(emu, d("/root:/Campaigns/2026/Brief.docx:"), graphToken);
    assert.ok(direct.body["@microsoft.graph.downloadUrl"].startsWith(`${emu.info.graph_base_url}/_download/`));
    const odd = await requestAs(emu, "graph.microsoft.com", "GET", d("/root:/Campaigns/2026/Brief.docx:"), {
      headers: { host: "bad host/", authorization: `Bearer ${graphToken}` },
    });
    assert.ok(odd.body["@microsoft.graph.downloadUrl"].startsWith(`${emu.info.graph_base_url}/_download/`));
  });
});

describe("Graph emulator: a configured public origin", () => {
  test("every absolute URL and the issuer use it, whatever the Host", async () => {
    const emu = await startGraphEmulator({ publicOrigin: "https://files.example.test:9443/" });
    try {
      assert.equal(emu.info.public_origin, "https://files.example.test:9443");
      const token = await tokenAs(emu, "127.0.0.1");
      assert.equal(decodeJwt(token)!.payload.iss, `https://files.example.test:9443/${emu.info.tenant_id}/`);
      const brief = await fetchJson(emu, `/v1.0/drives/${emu.info.drive_id}/root:/Campaigns/2026/Brief.docx:`, token);
      assert.equal(brief.status, 200);
      assert.match(brief.body["@microsoft.graph.downloadUrl"], /^https:\/\/files\.example\.test:9443\/_download\//);
    } finally {
      await emu.close();
    }
  });

  test("CLI: --hostname and --public-origin reach the info line; a malformed host name is refused", async () => {
    const cli = sourcePath(import.meta.url, "./cli.ts");
    const child = spawn(
      process.execPath,
      ["--import", "tsx", cli, "--hostname", "graph.microsoft.com", "--public-origin", "https://graph.example.test"],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    const killer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    try {
      const first = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout! }).once("line", resolve);
        child.once("exit", () => reject(new Error("the CLI exited before its info line")));
      });
      const info = JSON.parse(first) as EmulatorInfo;
      assert.deepEqual(info.hostnames, ["graph.microsoft.com"]);
      assert.equal(info.public_origin, "https://graph.example.test");
    } finally {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
      clearTimeout(killer);
    }
    await assert.rejects(createTlsMaterial({ hostnames: ["bad name,DNS:evil"] }), /invalid host name/);
  });
});

/** Through the listening origin (127.0.0.1:P), CA passed explicitly. */
function fetchJson(emu: GraphEmulator, path: string, token: string): Promise<HostResponse> {
  return requestAs(emu, new URL(emu.info.graph_base_url).host, "GET", path, {
    headers: { authorization: `Bearer ${token}` },
  });
}
