import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import yauzl from "yauzl";
import { startTestServer, type TestServer } from "../harness/server.js";
import { createUserWithToken } from "../harness/api-helpers.js";

const q = encodeURIComponent;

/** Every entry of a ZIP read back by a ZIP reader (yauzl checks sizes and CRC-32s): name -> bytes, null for folders. */
function unzip(zip: Buffer): Promise<Map<string, Buffer | null>> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(zip, { lazyEntries: true, strictFileNames: true, validateEntrySizes: true }, (err, file) => {
      if (err) return reject(err);
      const out = new Map<string, Buffer | null>();
      file.on("error", reject);
      file.on("end", () => resolve(out));
      file.on("entry", (entry: yauzl.Entry) => {
        if (entry.fileName.endsWith("/")) {
          out.set(entry.fileName, null);
          return file.readEntry();
        }
        file.openReadStream(entry, (e, stream) => {
          if (e) return reject(e);
          const parts: Buffer[] = [];
          stream.on("data", (c: Buffer) => parts.push(c));
          stream.on("error", reject);
          stream.on("end", () => {
            out.set(entry.fileName, Buffer.concat(parts));
            file.readEntry();
          });
        });
      });
      file.readEntry();
    });
  });
}

describe("ZIP downloads", () => {
  let s: TestServer;
  let shareId: string;
  let bob: { id: string; token: string };
  const content: Record<string, Buffer> = {
    "/proj/a.txt": Buffer.from("alpha"),
    "/proj/big.bin": randomBytes(300 * 1024),
    "/proj/zero.txt": Buffer.alloc(0),
    "/proj/sub/c.txt": Buffer.from("charlie"),
    "/proj/sub/deeper/d.bin": randomBytes(20 * 1024),
    "/proj/secret/x.txt": Buffer.from("x-ray"),
    "/proj/naïve back\\slash.txt": Buffer.from("unicode"),
    "/other/o.txt": Buffer.from("oscar"),
  };

  const zip = (paths: string[], o: { token?: string; name?: string } = {}) =>
    fetch(
      `${s.url}/api/v1/shares/${shareId}/zip?` +
        paths.map((p) => `path=${q(p)}`).join("&") +
        (o.name !== undefined ? `&name=${q(o.name)}` : ""),
      { headers: { authorization: `Bearer ${o.token ?? s.adminToken}` } },
    );
  const entries = async (res: Response) => {
    assert.equal(res.status, 200, await res.clone().text());
    assert.equal(res.headers.get("content-type"), "application/zip");
    const body = Buffer.from(await res.arrayBuffer());
    assert.equal(res.headers.get("content-length"), String(body.length));
    return unzip(body);
  };

  before(async () => {
    s = await startTestServer();
    shareId = (await s.api("POST", "/api/v1/shares", { json: { name: "Zip Share" } })).body.id;
    for (const [path, data] of Object.entries(content)) {
      const r = await s.api("PUT", `/api/v1/shares/${shareId}/content?path=${q(path)}`, { raw: data });
      assert.equal(r.status, 201, JSON.stringify(r.body));
    }
    assert.equal(
      (await s.api("POST", `/api/v1/shares/${shareId}/folders`, { json: { path: "/proj/empty" } })).status,
      201,
    );
    bob = await createUserWithToken(s.api, "bob");
    const acl = (path: string, aces: unknown[], inherit = true) =>
      s.api("PUT", `/api/v1/shares/${shareId}/acl?path=${q(path)}`, { json: { aces, inherit } });
    assert.equal((await acl("/proj", [{ principal_id: bob.id, permissions: ["READ"] }])).status, 200);
    assert.equal((await acl("/proj/secret", [], false)).status, 200);
  });
  after(async () => s?.close());

  test("a folder comes with everything in it, byte for byte, named from its parent", async () => {
    const res = await zip(["/proj"]);
    assert.equal(res.headers.get("content-disposition"), `attachment; filename="proj.zip"; filename*=UTF-8''proj.zip`);
    const got = await entries(res);
    assert.deepEqual(
      [...got.keys()].sort(),
      [
        "proj/",
        "proj/a.txt",
        "proj/big.bin",
        "proj/empty/",
        "proj/naïve back_slash.txt",
        "proj/secret/",
        "proj/secret/x.txt",
        "proj/sub/",
        "proj/sub/c.txt",
        "proj/sub/deeper/",
        "proj/sub/deeper/d.bin",
        "proj/zero.txt",
      ].sort(),
    );
    for (const [path, data] of Object.entries(content)) {
      if (!path.startsWith("/proj/")) continue;
      const name = path.slice(1).replace("\\", "_");
      assert.ok(got.get(name)?.equals(data), `${name} differs`);
    }
  });

  test("several paths are named relative to their common parent; name sets the file name", async () => {
    const got = await entries(await zip(["/proj/sub", "/proj/a.txt"]));
    assert.deepEqual([...got.keys()].sort(), ["a.txt", "sub/", "sub/c.txt", "sub/deeper/", "sub/deeper/d.bin"]);
    assert.ok(got.get("sub/deeper/d.bin")!.equals(content["/proj/sub/deeper/d.bin"]));
    const named = await zip(["/proj/a.txt", "/other/o.txt"], { name: "Bündel" });
    assert.equal(
      named.headers.get("content-disposition"),
      `attachment; filename="B_ndel.zip"; filename*=UTF-8''${q("Bündel.zip")}`,
    );
    assert.deepEqual([...(await entries(named)).keys()].sort(), ["other/o.txt", "proj/a.txt"]);
    const dotted = await zip(["/proj/a.txt"], { name: "report.zip" });
    assert.match(dotted.headers.get("content-disposition") ?? "", /filename="report\.zip";/);
    await dotted.arrayBuffer();
  });

  test("the root: the share's name and all its content; a path inside a selected folder adds nothing", async () => {
    const res = await zip(["/", "/proj/a.txt"]);
    assert.match(res.headers.get("content-disposition") ?? "", /filename="Zip Share\.zip"/);
    const got = await entries(res);
    assert.ok(got.get("other/o.txt")!.equals(content["/other/o.txt"]));
    assert.ok(got.has("proj/sub/deeper/d.bin"));
    assert.equal([...got.keys()].filter((k) => k === "proj/a.txt").length, 1);
  });

  test("Content-Length is exact for an archive whose central directory passes 64 KiB", async () => {
    const names = Array.from({ length: 600 }, (_, i) => `/many/a-rather-long-file-name-to-grow-the-directory-${i}.txt`);
    for (let i = 0; i < names.length; i += 50) {
      await Promise.all(
        names.slice(i, i + 50).map(async (path) => {
          const r = await s.api("PUT", `/api/v1/shares/${shareId}/content?path=${q(path)}`, { raw: path });
          assert.equal(r.status, 201);
        }),
      );
    }
    const got = await entries(await zip(["/many"]));
    assert.equal(got.size, names.length + 1);
    assert.equal(got.get(names[599].slice(1))?.toString(), names[599]);
  });

  test("what the caller cannot read is left out", async () => {
    const got = await entries(await zip(["/proj"], { token: bob.token }));
    assert.ok(got.has("proj/a.txt"));
    assert.ok(![...got.keys()].some((k) => k.startsWith("proj/secret")), [...got.keys()].join());
    const hidden = await zip(["/proj/secret"], { token: bob.token });
    assert.equal(hidden.status, 404);
  });

  test("a missing path is 404 with the error envelope, before any ZIP byte", async () => {
    for (const paths of [["/nope"], ["/proj/a.txt", "/proj/missing.txt"]]) {
      const res = await zip(paths);
      assert.equal(res.status, 404);
      assert.match(res.headers.get("content-type") ?? "", /^application\/json/);
      const body = (await res.json()) as { error: { code: string; message: string } };
      assert.equal(body.error.code, "NOT_FOUND");
      assert.match(body.error.message, /not found/);
    }
  });

  test("bad input: no path, more than 1000 paths, a bad name", async () => {
    const none = await fetch(`${s.url}/api/v1/shares/${shareId}/zip`, {
      headers: { authorization: `Bearer ${s.adminToken}` },
    });
    assert.equal(none.status, 400);
    assert.equal(((await none.json()) as any).error.details.field, "path");
    const many = await zip(Array.from({ length: 1001 }, (_, i) => `/p${i}`));
    assert.equal(many.status, 400);
    assert.equal(((await many.json()) as any).error.code, "VALIDATION_FAILED");
    const bad = await zip(["/proj/a.txt"], { name: "a/b" });
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as any).error.code, "INVALID_NAME");
  });
});
