/**
 * Shared set-up of the file browser's browser tests: content through the API (admin token), the folder view's URL,
 * polling helpers (playwright-core has no `expect`), and a small ZIP reader for downloaded archives.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { Locator, Page } from "playwright-core";
import yauzl from "yauzl";
import type { TestServer } from "../harness/server.js";

export const sha256 = (data: Uint8Array | string): string => createHash("sha256").update(data).digest("hex");

export async function createShare(s: TestServer, name: string, description?: string): Promise<string> {
  const r = await s.api("POST", "/api/v1/shares", { json: { name, description } });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.id;
}

/** Uploads bytes to `path` with the admin token (or `token`); returns the node. */
export async function putFile(
  s: TestServer,
  shareId: string,
  path: string,
  content: string | Uint8Array,
  token = s.adminToken,
): Promise<any> {
  const r = await fetch(`${s.url}/api/v1/shares/${shareId}/content?path=${encodeURIComponent(path)}`, {
    method: "PUT",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/octet-stream" },
    body: content as BodyInit,
  });
  const body = await r.json();
  assert.ok(r.status === 200 || r.status === 201, `PUT ${path}: ${r.status} ${JSON.stringify(body)}`);
  return body;
}

export async function mkdir(s: TestServer, shareId: string, path: string): Promise<void> {
  const r = await s.api("POST", `/api/v1/shares/${shareId}/folders`, { json: { path } });
  assert.ok(r.status === 200 || r.status === 201, JSON.stringify(r.body));
}

/** The node at `path`, or null when there is none. */
export async function stat(s: TestServer, shareId: string, path: string): Promise<any | null> {
  const r = await s.api("GET", `/api/v1/shares/${shareId}/files/stat?path=${encodeURIComponent(path)}`);
  if (r.status === 404) return null;
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
}

/** The current content of a file, as bytes. */
export async function download(s: TestServer, shareId: string, path: string): Promise<Buffer> {
  const r = await fetch(`${s.url}/api/v1/shares/${shareId}/content?path=${encodeURIComponent(path)}`, {
    headers: { authorization: `Bearer ${s.adminToken}` },
  });
  assert.equal(r.status, 200, path);
  return Buffer.from(await r.arrayBuffer());
}

/** Names in a folder, sorted. */
export async function listNames(s: TestServer, shareId: string, path: string): Promise<string[]> {
  const r = await s.api("GET", `/api/v1/shares/${shareId}/files?path=${encodeURIComponent(path)}&limit=1000`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.items.map((n: any) => n.name).sort();
}

export function folderUrl(s: TestServer | string, shareId: string, path = "/"): string {
  const base = typeof s === "string" ? s : s.url;
  const tail = path
    .split("/")
    .filter(Boolean)
    .map((p) => encodeURIComponent(p))
    .join("/");
  return `${base}/files/${shareId}${tail ? `/${tail}` : ""}`;
}

/** Opens a folder view and waits until its list (or empty state) is shown. */
export async function openFolder(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.locator('[role="grid"][aria-label="Files"], :text("This folder is empty")').first().waitFor();
}

/** Polls `check` until it returns a truthy value (then returns it) or the time is up. */
export async function eventually<T>(what: string, check: () => Promise<T> | T, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
      last = v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) assert.fail(`${what}: still not so after ${timeoutMs} ms (last: ${String(last)})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The row of the Files grid whose name is `name`. */
export function row(page: Page, name: string): Locator {
  return page
    .getByRole("grid", { name: "Files" })
    .getByRole("row")
    .filter({ has: page.getByRole("checkbox", { name: `Select ${name}`, exact: true }) });
}

/** Every entry of a ZIP file: path → bytes (folders end with "/" and have no bytes). */
export async function readZip(path: string): Promise<Map<string, Buffer>> {
  const data = await readFile(path);
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.fromBuffer(data, { lazyEntries: true }, (err, z) => (err ? reject(err) : resolve(z!))),
  );
  const entries = new Map<string, Buffer>();
  await new Promise<void>((resolve, reject) => {
    zip.on("error", reject);
    zip.on("end", () => resolve());
    zip.on("entry", (entry: yauzl.Entry) => {
      if (entry.fileName.endsWith("/")) {
        entries.set(entry.fileName, Buffer.alloc(0));
        zip.readEntry();
        return;
      }
      zip.openReadStream(entry, (err, stream) => {
        if (err) return reject(err);
        const chunks: Buffer[] = [];
        stream!.on("data", (c: Buffer) => chunks.push(c));
        stream!.on("error", reject);
        stream!.on("end", () => {
          entries.set(entry.fileName, Buffer.concat(chunks));
          zip.readEntry();
        });
      });
    });
    zip.readEntry();
  });
  return entries;
}
