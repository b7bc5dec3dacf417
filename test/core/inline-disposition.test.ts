import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { startTestServer, type TestServer } from "../harness/server.js";
import { API_CSP } from "../../src/server/security-headers.js";

const q = encodeURIComponent;
const FRAMEABLE = "default-src 'none'; frame-ancestors 'self'; base-uri 'none'; form-action 'none'";

/** `disposition=inline` on content downloads: listed types are shown by the browser, everything else downloads. */
describe("content downloads with disposition=inline", () => {
  let s: TestServer;
  let shareId: string;
  const ids: Record<string, { id: string; current_version_id: string }> = {};

  const get = (url: string, headers: Record<string, string> = {}) =>
    fetch(`${s.url}${url}`, { headers: { authorization: `Bearer ${s.adminToken}`, ...headers } });
  const byPath = (path: string, disposition?: string) =>
    get(`/api/v1/shares/${shareId}/content?path=${q(path)}` + (disposition ? `&disposition=${q(disposition)}` : ""));

  before(async () => {
    s = await startTestServer();
    shareId = (await s.api("POST", "/api/v1/shares", { json: { name: "Inline" } })).body.id;
    for (const name of [
      "photo.png",
      "PHOTO.JPG",
      "report.pdf",
      "notes.md",
      "data.json",
      "script.js",
      "page.html",
      "page.htm",
      "drawing.svg",
      "archive.zip",
      "README",
      "trailing.",
      ".png",
      "naïve résumé.txt",
    ]) {
      const r = await s.api("PUT", `/api/v1/shares/${shareId}/content?path=${q(`/f/${name}`)}`, {
        raw: `<script>alert(1)</script> ${name}`,
      });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      ids[name] = r.body;
    }
  });
  after(async () => s?.close());

  test("without disposition, or with attachment, every file is an octet-stream attachment", async () => {
    for (const disposition of [undefined, "attachment"]) {
      for (const name of ["photo.png", "report.pdf", "notes.md"]) {
        const r = await byPath(`/f/${name}`, disposition);
        assert.equal(r.status, 200);
        assert.equal(r.headers.get("content-type"), "application/octet-stream");
        assert.equal(r.headers.get("content-disposition"), `attachment; filename*=UTF-8''${q(name)}`);
        assert.equal(r.headers.get("content-security-policy"), API_CSP);
        await r.arrayBuffer();
      }
    }
  });

  test("listed extensions get their type, inline, and a CSP that lets the app frame them", async () => {
    const expected: Record<string, string> = {
      "photo.png": "image/png",
      "PHOTO.JPG": "image/jpeg",
      "report.pdf": "application/pdf",
      "notes.md": "text/plain; charset=utf-8",
      "data.json": "text/plain; charset=utf-8",
      "script.js": "text/plain; charset=utf-8",
      "naïve résumé.txt": "text/plain; charset=utf-8",
    };
    for (const [name, type] of Object.entries(expected)) {
      const r = await byPath(`/f/${name}`, "inline");
      assert.equal(r.status, 200, name);
      assert.equal(r.headers.get("content-type"), type, name);
      assert.equal(r.headers.get("content-disposition"), `inline; filename*=UTF-8''${q(name)}`);
      assert.equal(r.headers.get("content-security-policy"), FRAMEABLE, name);
      assert.equal(r.headers.get("x-content-type-options"), "nosniff");
      assert.equal(await r.text(), `<script>alert(1)</script> ${name}`);
    }
  });

  test("SVG, HTML, unlisted and extension-less names stay attachments under the API CSP", async () => {
    for (const name of ["page.html", "page.htm", "drawing.svg", "archive.zip", "README", "trailing.", ".png"]) {
      const r = await byPath(`/f/${name}`, "inline");
      assert.equal(r.status, 200, name);
      assert.equal(r.headers.get("content-type"), "application/octet-stream", name);
      assert.match(r.headers.get("content-disposition") ?? "", /^attachment; /, name);
      assert.equal(r.headers.get("content-security-policy"), API_CSP, name);
      await r.arrayBuffer();
    }
  });

  test("Range and ETag work the same inline; HEAD answers the same headers", async () => {
    const r = await get(`/api/v1/shares/${shareId}/content?path=${q("/f/notes.md")}&disposition=inline`, {
      range: "bytes=0-7",
    });
    assert.equal(r.status, 206);
    assert.equal(r.headers.get("content-type"), "text/plain; charset=utf-8");
    assert.equal(await r.text(), "<script>");
    const head = await fetch(
      `${s.url}/api/v1/shares/${shareId}/content?path=${q("/f/report.pdf")}&disposition=inline`,
      {
        method: "HEAD",
        headers: { authorization: `Bearer ${s.adminToken}` },
      },
    );
    assert.equal(head.status, 200);
    assert.equal(head.headers.get("content-type"), "application/pdf");
    assert.equal(head.headers.get("content-security-policy"), FRAMEABLE);
  });

  test("a version's content takes disposition too", async () => {
    const { id, current_version_id } = ids["photo.png"];
    const url = `/api/v1/files/${id}/versions/${current_version_id}/content`;
    const inline = await get(`${url}?disposition=inline`);
    assert.equal(inline.status, 200);
    assert.equal(inline.headers.get("content-type"), "image/png");
    assert.equal(inline.headers.get("content-disposition"), "inline; filename*=UTF-8''photo.png");
    assert.equal(inline.headers.get("content-security-policy"), FRAMEABLE);
    await inline.arrayBuffer();
    const plain = await get(url);
    assert.equal(plain.headers.get("content-type"), "application/octet-stream");
    assert.equal(plain.headers.get("content-security-policy"), API_CSP);
    await plain.arrayBuffer();
    const svg = ids["drawing.svg"];
    const svgInline = await get(
      `/api/v1/files/${svg.id}/versions/${svg.current_version_id}/content?disposition=inline`,
    );
    assert.equal(svgInline.headers.get("content-type"), "application/octet-stream");
    await svgInline.arrayBuffer();
  });

  test("an unknown disposition is 400 naming the field", async () => {
    for (const url of [
      `/api/v1/shares/${shareId}/content?path=${q("/f/photo.png")}&disposition=preview`,
      `/api/v1/files/${ids["photo.png"].id}/versions/${ids["photo.png"].current_version_id}/content?disposition=x`,
    ]) {
      const r = await get(url);
      assert.equal(r.status, 400);
      const body = (await r.json()) as { error: { code: string; details: { field: string } } };
      assert.equal(body.error.code, "VALIDATION_FAILED");
      assert.equal(body.error.details.field, "disposition");
    }
  });
});
