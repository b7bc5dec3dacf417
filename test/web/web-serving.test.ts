import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Browser } from "playwright-core";
import { startTestServer, type TestServer } from "../harness/server.js";
import { launchBrowser, seriousA11yViolations } from "./browser.js";

describe("the web client is served at / beside the API", () => {
  let s: TestServer;
  let browser: Browser;
  before(async () => {
    s = await startTestServer();
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await s?.close();
  });

  test("/ and every app route answer index.html; hashed assets are cached for a year", async () => {
    for (const path of ["/", "/files", "/files/shr_x/a/b", "/admin/users", "/sign-in?next=%2Ffiles"]) {
      const r = await fetch(s.url + path, { headers: { accept: "text/html" } });
      const html = await r.text();
      assert.equal(r.status, 200, path);
      assert.match(r.headers.get("content-type") ?? "", /text\/html/, path);
      assert.equal(r.headers.get("cache-control"), "no-cache", path);
      assert.match(html, /<div id="root">/, path);
      const csp = r.headers.get("content-security-policy") ?? "";
      assert.match(csp, /script-src 'self'/, path);
      assert.match(csp, /frame-ancestors 'none'/, path);
    }
    const index = await (await fetch(s.url + "/")).text();
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(index)?.[1];
    assert.ok(script, index);
    const asset = await fetch(s.url + script);
    await asset.arrayBuffer();
    assert.equal(asset.status, 200);
    assert.match(asset.headers.get("content-type") ?? "", /javascript/);
    assert.equal(asset.headers.get("cache-control"), "public, max-age=31536000, immutable");
    // Compressed at build time; undici's fetch decodes, so the raw header tells what was sent.
    for (const encoding of ["br", "gzip"]) {
      const packed: Response = await fetch(s.url + script, { headers: { "accept-encoding": encoding } });
      await packed.arrayBuffer();
      assert.equal(packed.headers.get("content-encoding"), encoding);
      assert.equal(packed.headers.get("cache-control"), "public, max-age=31536000, immutable");
    }
  });

  test("/api/* keeps its JSON answers; a missing asset is a 404, never the page", async () => {
    const api = await fetch(`${s.url}/api/v1/nothing-here`, { headers: { accept: "text/html" } });
    assert.equal(api.status, 404);
    assert.deepEqual(await api.json(), { error: { code: "NOT_FOUND", message: "no route GET /api/v1/nothing-here" } });
    assert.match(api.headers.get("content-security-policy") ?? "", /default-src 'none'/);
    const post = await fetch(`${s.url}/files`, { method: "POST" });
    assert.equal(post.status, 404);
    await post.arrayBuffer();
    const missing = await fetch(`${s.url}/assets/gone-1234.js`);
    assert.equal(missing.status, 404);
    assert.match(missing.headers.get("content-type") ?? "", /json/);
    await missing.arrayBuffer();
  });

  test("a signed-out visitor lands on the sign-in page, which is accessible", async () => {
    const page = await browser.newPage();
    try {
      await page.goto(`${s.url}/files`);
      await page.getByRole("button", { name: "Sign in" }).waitFor();
      assert.match(page.url(), /\/sign-in\?next=%2Ffiles$/);
      await page.getByLabel("Email").waitFor();
      await page.getByLabel(/^Password/).waitFor();
      assert.deepEqual(await seriousA11yViolations(page), []);
    } finally {
      await page.close();
    }
  });
});
