/**
 * What goes on the wire: every Graph request carries the bearer token and our ISV User-Agent;
 * requests to pre-authenticated URLs (downloads, upload fragments) carry the User-Agent but never
 * the token. A small HTTPS server (its own CA, trusted in-process, so TLS is real)
 * records the headers it receives; its CA is made for this run with the emulator's TLS helper.
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { createTlsMaterial, trustCaInProcess, type TlsMaterial } from "../../emulators/graph/tls.js";
import { GraphHttp, scaidriveUserAgent } from "../../../src/connectors/sharepoint/graph-http.js";
import { NetworkPolicy } from "../../../src/connectors/network-policy.js";

describe("Graph transport headers", () => {
  let tls: TlsMaterial;
  let server: Server;
  let origin: string;
  const seen: Array<{ url: string; ua?: string; auth?: string }> = [];

  before(async () => {
    tls = await createTlsMaterial();
    await trustCaInProcess(tls.caPem);
    server = createServer({ key: tls.keyPem, cert: tls.certPem }, (req, res) => {
      seen.push({ url: req.url ?? "", ua: req.headers["user-agent"], auth: req.headers.authorization });
      req.resume();
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ id: "x", value: [] }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(tls.dir, { recursive: true, force: true });
  });

  test("Graph calls: token + User-Agent; pre-authenticated URLs: User-Agent only", async () => {
    const graph = new GraphHttp({
      graphBaseUrl: origin,
      tokens: { getAccessToken: async () => "test-token" },
      network: NetworkPolicy.unrestricted(),
    });
    await graph.get("/drives/d/root", "stat");
    await graph.fetchPreauthenticated(`${origin}/_upload/session-1`, { method: "PUT", body: "abc" }, "fragment", {
      idempotent: false,
    });
    assert.equal(seen.length, 2);
    assert.equal(seen[0]!.url, "/v1.0/drives/d/root");
    assert.equal(seen[0]!.auth, "Bearer test-token");
    assert.equal(seen[0]!.ua, scaidriveUserAgent());
    assert.equal(seen[1]!.auth, undefined);
    assert.equal(seen[1]!.ua, scaidriveUserAgent());
  });
});
