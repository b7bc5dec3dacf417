import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, readdirSync, statSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { createServer, connect, type Server, type Socket } from "node:net";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import * as tus from "tus-js-client";
import { startTestServer, type TestServer } from "../harness/server.js";
import { createUserWithToken } from "../harness/api-helpers.js";
import { blobPath } from "../../src/store/blobs/blob-paths.js";
import { BrowserSession } from "../harness/session-client.js";

const q = encodeURIComponent;
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");
const b64 = (s: string) => Buffer.from(s).toString("base64");
const MAX_UPLOAD = 16 * 1024 * 1024;
const ADMIN_PASSWORD = "tus-test-password-1";

interface TusResult {
  url: string;
  headers: (name: string) => string | undefined;
  /** Method and Upload-Offset of every request the client sent. */
  requests: { method: string; offset?: string }[];
}

/**
 * One upload with the real tus client (tus-js-client's Node HTTP stack). Rejects with the client's
 * DetailedError (`originalResponse` holds the server's answer) when the server refuses.
 */
function tusUpload(
  endpoint: string,
  data: Buffer,
  metadata: Record<string, string>,
  o: Partial<tus.UploadOptions> & { token?: string },
): Promise<TusResult> {
  const requests: TusResult["requests"] = [];
  return new Promise((resolve, reject) => {
    const upload = new tus.Upload(data, {
      endpoint,
      metadata,
      retryDelays: null,
      ...o,
      headers: { ...(o.token ? { authorization: `Bearer ${o.token}` } : {}), ...o.headers },
      async onBeforeRequest(req) {
        requests.push({ method: req.getMethod(), offset: req.getHeader("Upload-Offset") });
        await o.onBeforeRequest?.(req);
      },
      onError: reject,
      onSuccess: ({ lastResponse }) =>
        resolve({ url: upload.url!, headers: (name) => lastResponse.getHeader(name), requests }),
    });
    upload.start();
  });
}

/** The server's answer inside a tus client error. */
function refusal(err: unknown): { status: number; body: any } {
  const res = (err as tus.DetailedError).originalResponse;
  assert.ok(res, `no response in ${String(err)}`);
  const text = res.getBody();
  return { status: res.getStatus(), body: text ? JSON.parse(text) : undefined };
}

/**
 * A TCP relay to the server that destroys both sockets once `cutAfter` bytes went from the client
 * to the server (once): a connection dropped in the middle of an upload.
 */
async function startCuttingProxy(target: URL, cutAfter: number): Promise<{ url: string; cuts: number; close(): void }> {
  const sockets = new Set<Socket>();
  let sent = 0;
  const state = { cuts: 0 };
  const server: Server = createServer((client) => {
    const upstream = connect(Number(target.port), target.hostname);
    sockets.add(client).add(upstream);
    const cut = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on("data", (chunk: Buffer) => {
      sent += chunk.length;
      if (state.cuts === 0 && sent > cutAfter) {
        state.cuts++;
        return cut();
      }
      upstream.write(chunk);
    });
    upstream.on("data", (chunk: Buffer) => client.write(chunk));
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
    client.on("error", () => undefined);
    upstream.on("error", () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    get cuts() {
      return state.cuts;
    },
    close() {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

describe("resumable uploads (tus)", () => {
  let s: TestServer;
  let shareId: string;
  let endpoint: string;
  let bob: { id: string; token: string };
  let carol: { id: string; token: string };
  const meta = (path: string, extra: Record<string, string> = {}) => ({ share_id: shareId, path, ...extra });
  const raw = (method: string, url: string, headers: Record<string, string>, body?: Buffer) =>
    fetch(url.startsWith("http") ? url : `${s.url}${url}`, {
      method,
      headers: { "tus-resumable": "1.0.0", ...headers },
      body: body ? new Uint8Array(body) : undefined,
    });
  const auth = (token: string) => ({ authorization: `Bearer ${token}` });
  const download = async (path: string) => {
    const r = await s.api("GET", `/api/v1/shares/${shareId}/content?path=${q(path)}`);
    assert.equal(r.status, 200);
    return r;
  };
  const contentSha = async (path: string) => {
    const r = await fetch(`${s.url}/api/v1/shares/${shareId}/content?path=${q(path)}`, {
      headers: auth(s.adminToken),
    });
    assert.equal(r.status, 200);
    return sha(Buffer.from(await r.arrayBuffer()));
  };
  /** Creates an upload with a plain POST; returns its absolute URL. */
  const create = async (token: string, path: string, length: number) => {
    const r = await raw("POST", "/api/v1/uploads", {
      ...auth(token),
      "upload-length": String(length),
      "upload-metadata": `share_id ${b64(shareId)},path ${b64(path)}`,
    });
    assert.equal(r.status, 201, await r.text());
    return new URL(r.headers.get("location")!, `${s.url}/api/v1/uploads`).toString();
  };

  before(async () => {
    s = await startTestServer({ config: { maxUploadBytes: MAX_UPLOAD, adminPassword: ADMIN_PASSWORD } });
    endpoint = `${s.url}/api/v1/uploads`;
    shareId = (await s.api("POST", "/api/v1/shares", { json: { name: "Tus" } })).body.id;
    bob = await createUserWithToken(s.api, "bob");
    carol = await createUserWithToken(s.api, "carol");
    assert.equal(
      (
        await s.api("PUT", `/api/v1/shares/${shareId}/acl?path=/`, {
          json: { aces: [{ principal_id: bob.id, permissions: ["READ", "WRITE"] }], inherit: true },
        })
      ).status,
      200,
    );
    assert.equal(
      (await s.api("POST", `/api/v1/shares/${shareId}/folders`, { json: { path: "/readonly" } })).status,
      201,
    );
    assert.equal(
      (
        await s.api("PUT", `/api/v1/shares/${shareId}/acl?path=/readonly`, {
          json: { aces: [{ principal_id: carol.id, permissions: ["READ"] }], inherit: true },
        })
      ).status,
      200,
    );
  });
  after(async () => s?.close());

  test("an upload creates missing folders and commits one version; the last PATCH names node and version", async () => {
    const data = randomBytes(3 * 1024 * 1024 + 17);
    const r = await tusUpload(endpoint, data, meta("/inbox/deep/new.bin"), { token: bob.token });
    const stat = await s.api("GET", `/api/v1/shares/${shareId}/files/stat?path=${q("/inbox/deep/new.bin")}`);
    assert.equal(stat.status, 200);
    assert.equal(r.headers("ScaiDrive-Node-Id"), stat.body.id);
    assert.equal(r.headers("ScaiDrive-Version-Id"), stat.body.current_version_id);
    assert.equal(r.headers("ETag"), `"${sha(data)}"`);
    assert.equal(stat.body.sha256, sha(data));
    assert.equal(stat.body.size, data.length);
    assert.equal(stat.body.owner_id, bob.id);
    assert.equal(await contentSha("/inbox/deep/new.bin"), sha(data));
    const folder = await s.api("GET", `/api/v1/shares/${shareId}/files/stat?path=/inbox/deep`);
    assert.equal(folder.body.type, "folder");
    // A second upload to the same path is a new version of the same file.
    const again = randomBytes(1000);
    const r2 = await tusUpload(endpoint, again, meta("/inbox/deep/new.bin"), { token: bob.token });
    assert.equal(r2.headers("ScaiDrive-Node-Id"), stat.body.id);
    assert.notEqual(r2.headers("ScaiDrive-Version-Id"), stat.body.current_version_id);
    const versions = await s.api("GET", `/api/v1/files/${stat.body.id}/versions`);
    assert.equal(versions.body.versions.length, 2);
    assert.equal(await contentSha("/inbox/deep/new.bin"), sha(again));
  });

  test("completion renames the received file into the blob store (same inode), nothing is left behind", async () => {
    const data = randomBytes(2 * 1024 * 1024);
    const uploads = join(s.dataDir, "blobs", "uploads");
    let inode: number | undefined;
    const r = await tusUpload(endpoint, data, meta("/inode.bin"), {
      token: bob.token,
      chunkSize: 1024 * 1024,
      onBeforeRequest(req) {
        if (req.getMethod() === "PATCH" && req.getHeader("Upload-Offset") === String(1024 * 1024)) {
          const id = req.getURL().split("/").pop()!;
          const part = join(uploads, `${id}.part`);
          assert.equal(statSync(part).size, 1024 * 1024, "the first chunk is on disk in the data dir");
          inode = statSync(part).ino;
        }
      },
    });
    assert.ok(inode !== undefined);
    assert.equal(statSync(blobPath(join(s.dataDir, "blobs"), sha(data))).ino, inode);
    const id = r.url.split("/").pop()!;
    assert.ok(!existsSync(join(uploads, `${id}.part`)));
    // The finished upload still answers its owner: complete.
    const head = await raw("HEAD", r.url, auth(bob.token));
    assert.equal(head.status, 200);
    assert.equal(head.headers.get("upload-offset"), String(data.length));
  });

  test("small, empty and creation-with-upload uploads", async () => {
    const small = Buffer.from("hello tus");
    await tusUpload(endpoint, small, meta("/small.txt"), { token: bob.token, uploadDataDuringCreation: true });
    assert.equal((await download("/small.txt")).body, "hello tus");
    const empty = await tusUpload(endpoint, Buffer.alloc(0), meta("/empty.txt"), { token: bob.token });
    assert.ok(empty.headers("ScaiDrive-Node-Id"));
    const stat = await s.api("GET", `/api/v1/shares/${shareId}/files/stat?path=/empty.txt`);
    assert.equal(stat.body.size, 0);
  });

  test("resumes after the connection is cut mid-PATCH; the file is byte for byte the source", async () => {
    const data = randomBytes(8 * 1024 * 1024 + 3);
    const proxy = await startCuttingProxy(new URL(s.url), 3 * 1024 * 1024);
    try {
      const r = await tusUpload(`${proxy.url}/api/v1/uploads`, data, meta("/resumed.bin"), {
        token: bob.token,
        retryDelays: [50, 100, 200, 400],
      });
      assert.equal(proxy.cuts, 1);
      const methods = r.requests.map((x) => x.method);
      assert.deepEqual(methods.slice(0, 3), ["POST", "PATCH", "HEAD"], methods.join());
      const resumedAt = Number(r.requests.filter((x) => x.method === "PATCH").at(-1)!.offset);
      assert.ok(resumedAt > 0 && resumedAt < data.length, `resumed at ${resumedAt}`);
    } finally {
      proxy.close();
    }
    assert.equal(await contentSha("/resumed.bin"), sha(data));
  });

  test("if_match: 412 at creation, or at the last PATCH after a change (the upload is discarded)", async () => {
    const v1 = await s.api("PUT", `/api/v1/shares/${shareId}/content?path=/guarded.txt`, { raw: "version one" });
    const etag = `"${v1.body.sha256}"`;
    const wrong = await tusUpload(
      endpoint,
      Buffer.from("x"),
      meta("/guarded.txt", { if_match: `"${"0".repeat(64)}"` }),
      {
        token: bob.token,
      },
    ).then(
      () => assert.fail("accepted"),
      (err: unknown) => refusal(err),
    );
    assert.equal(wrong.status, 412);
    assert.equal(wrong.body.error.code, "PRECONDITION_FAILED");

    const data = randomBytes(64 * 1024);
    let url = "";
    const changed = await tusUpload(endpoint, data, meta("/guarded.txt", { if_match: etag }), {
      token: bob.token,
      chunkSize: 32 * 1024,
      async onBeforeRequest(req) {
        url = req.getURL();
        if (req.getMethod() === "PATCH" && req.getHeader("Upload-Offset") === String(32 * 1024)) {
          const put = await s.api("PUT", `/api/v1/shares/${shareId}/content?path=/guarded.txt`, { raw: "two" });
          assert.equal(put.status, 200);
        }
      },
    }).then(
      () => assert.fail("accepted"),
      (err: unknown) => refusal(err),
    );
    assert.equal(changed.status, 412);
    assert.equal(changed.body.error.code, "PRECONDITION_FAILED");
    assert.equal((await download("/guarded.txt")).body, "two");
    assert.equal((await raw("HEAD", url, auth(bob.token))).status, 404);
    // With the current ETag the upload goes through.
    const current = `"${sha(Buffer.from("two"))}"`;
    await tusUpload(endpoint, data, meta("/guarded.txt", { if_match: current }), { token: bob.token });
    assert.equal(await contentSha("/guarded.txt"), sha(data));
  });

  test("a signed-in browser uploads with its session cookie and CSRF headers; without them it is refused", async () => {
    const browser = await BrowserSession.signIn(s.url, "admin@localhost", ADMIN_PASSWORD);
    const data = randomBytes(100 * 1024);
    const headers = { cookie: browser.cookie, origin: s.url, "x-csrf-token": browser.csrfToken };
    const r = await tusUpload(endpoint, data, meta("/from-browser.bin"), { headers, chunkSize: 64 * 1024 });
    assert.ok(r.headers("ScaiDrive-Node-Id"));
    assert.equal(await contentSha("/from-browser.bin"), sha(data));
    const noCsrf = await tusUpload(endpoint, data, meta("/no-csrf.bin"), {
      headers: { cookie: browser.cookie, origin: s.url },
    }).then(
      () => assert.fail("accepted"),
      (err: unknown) => refusal(err),
    );
    assert.equal(noCsrf.status, 403);
    assert.equal(noCsrf.body.error.code, "CSRF_REJECTED");
  });

  test("another user's upload does not exist for them (404), administrators included", async () => {
    const url = await create(bob.token, "/mine.bin", 10);
    for (const token of [carol.token, s.adminToken]) {
      const head = await raw("HEAD", url, auth(token));
      assert.equal(head.status, 404);
      const patch = await raw(
        "PATCH",
        url,
        { ...auth(token), "upload-offset": "0", "content-type": "application/offset+octet-stream" },
        Buffer.from("0123456789"),
      );
      assert.equal(patch.status, 404);
      assert.equal(((await patch.json()) as any).error.code, "NOT_FOUND");
      assert.equal((await raw("DELETE", url, auth(token))).status, 404);
    }
    const mine = await raw("HEAD", url, auth(bob.token));
    assert.equal(mine.status, 200);
    assert.equal(mine.headers.get("upload-offset"), "0");
    assert.equal((await raw("DELETE", url, auth(bob.token))).status, 204);
    assert.equal((await raw("HEAD", url, auth(bob.token))).status, 404);
    assert.ok(!existsSync(join(s.dataDir, "blobs", "uploads", `${url.split("/").pop()}.part`)));
  });

  test("creation refusals: name rules (400), 413 over the limit, 403 without WRITE, 404, 409", async () => {
    const refuse = (path: string, data: Buffer, token = bob.token, extra: Record<string, string> = {}) =>
      tusUpload(endpoint, data, meta(path, extra), { token }).then(
        () => assert.fail(`${path} accepted`),
        (err: unknown) => refusal(err),
      );
    const badName = await refuse("/docs/a\u0001b.txt", Buffer.from("x"));
    assert.equal(badName.status, 400);
    assert.equal(badName.body.error.code, "INVALID_NAME");
    assert.match(badName.body.error.message, /control characters/);
    const dots = await refuse("/docs/../x.txt", Buffer.from("x"));
    assert.equal(dots.status, 400);
    assert.match(dots.body.error.message, /".." is not allowed/);
    const tooLarge = await refuse("/big.bin", Buffer.alloc(MAX_UPLOAD + 1));
    assert.equal(tooLarge.status, 413);
    assert.equal(tooLarge.body.error.code, "PAYLOAD_TOO_LARGE");
    const readOnly = await refuse("/readonly/x.txt", Buffer.from("x"), carol.token);
    assert.equal(readOnly.status, 403);
    assert.equal(readOnly.body.error.code, "FORBIDDEN");
    const hidden = await refuse("/x.txt", Buffer.from("x"), carol.token);
    assert.equal(hidden.status, 404);
    const folder = await refuse("/readonly", Buffer.from("x"));
    assert.equal(folder.status, 409);
    const noShare = await tusUpload(endpoint, Buffer.from("x"), { path: "/x.txt" }, { token: bob.token }).then(
      () => assert.fail("accepted"),
      (err: unknown) => refusal(err),
    );
    assert.equal(noShare.status, 400);
    assert.equal(noShare.body.error.details.field, "metadata.share_id");
    const unknownShare = await tusUpload(
      endpoint,
      Buffer.from("x"),
      { share_id: "shr_01ARZ3NDEKTSV4RRFFQ69G5FAV", path: "/x.txt" },
      { token: bob.token },
    ).then(
      () => assert.fail("accepted"),
      (err: unknown) => refusal(err),
    );
    assert.equal(unknownShare.status, 404);
    // Nothing was created for any of them.
    const left = readdirSync(join(s.dataDir, "blobs", "uploads")).filter((n) => n.endsWith(".part"));
    assert.deepEqual(left, []);
  });

  test("protocol details: auth, Tus-Resumable, offsets, discovery, security headers", async () => {
    const noAuth = await raw("POST", "/api/v1/uploads", { "upload-length": "1" });
    assert.equal(noAuth.status, 401);
    const noVersion = await fetch(`${s.url}/api/v1/uploads`, {
      method: "POST",
      headers: {
        ...auth(bob.token),
        "upload-length": "1",
        "upload-metadata": `share_id ${b64(shareId)},path ${b64("/v")}`,
      },
    });
    assert.equal(noVersion.status, 412);
    assert.equal(((await noVersion.json()) as any).error.code, "PRECONDITION_FAILED");
    const url = await create(bob.token, "/offsets.bin", 4);
    const wrongOffset = await raw(
      "PATCH",
      url,
      { ...auth(bob.token), "upload-offset": "2", "content-type": "application/offset+octet-stream" },
      Buffer.from("ab"),
    );
    assert.equal(wrongOffset.status, 409);
    assert.equal(((await wrongOffset.json()) as any).error.code, "CONFLICT");
    const tooMuch = await raw(
      "PATCH",
      url,
      { ...auth(bob.token), "upload-offset": "0", "content-type": "application/offset+octet-stream" },
      Buffer.from("abcdef"),
    );
    assert.equal(tooMuch.status, 413);
    const ok = await raw(
      "PATCH",
      url,
      { ...auth(bob.token), "upload-offset": "0", "content-type": "application/offset+octet-stream" },
      Buffer.from("ab"),
    );
    assert.equal(ok.status, 204);
    assert.equal(ok.headers.get("upload-offset"), "2");
    assert.equal(ok.headers.get("tus-resumable"), "1.0.0");
    assert.ok(ok.headers.get("upload-expires"));
    assert.equal(ok.headers.get("x-content-type-options"), "nosniff");
    assert.match(ok.headers.get("content-security-policy") ?? "", /default-src 'none'/);
    assert.equal(ok.headers.get("access-control-allow-origin"), null);
    const options = await fetch(`${s.url}/api/v1/uploads`, { method: "OPTIONS" });
    assert.equal(options.status, 204);
    assert.equal(options.headers.get("tus-version"), "1.0.0");
    assert.match(options.headers.get("tus-extension") ?? "", /creation.*termination.*expiration/);
  });
});

describe("resumable uploads: expiry and the idle timeout", () => {
  let s: TestServer;
  let shareId: string;
  const metadata = (path: string) => `share_id ${b64(shareId)},path ${b64(path)}`;
  const headers = (extra: Record<string, string> = {}) => ({
    authorization: `Bearer ${s.adminToken}`,
    "tus-resumable": "1.0.0",
    ...extra,
  });

  before(async () => {
    // Expiry well above the idle timeout, so the stalled upload is still there to be asked about on a busy machine.
    s = await startTestServer({ config: { uploadExpiryMs: 1500, uploadIdleTimeoutMs: 300 } });
    shareId = (await s.api("POST", "/api/v1/shares", { json: { name: "Expiry" } })).body.id;
  });
  after(async () => s?.close());

  const create = async (path: string, length: number) => {
    const r = await fetch(`${s.url}/api/v1/uploads`, {
      method: "POST",
      headers: headers({ "upload-length": String(length), "upload-metadata": metadata(path) }),
    });
    assert.equal(r.status, 201, await r.text());
    return new URL(r.headers.get("location")!, s.url).toString();
  };

  test("an incomplete upload is removed once expired: 404 on access, its files swept", async () => {
    const uploads = join(s.dataDir, "blobs", "uploads");
    const a = await create("/a.bin", 10);
    const b = await create("/b.bin", 10);
    const patch = await fetch(a, {
      method: "PATCH",
      headers: headers({ "upload-offset": "0", "content-type": "application/offset+octet-stream" }),
      body: "12345",
    });
    assert.equal(patch.status, 204);
    assert.ok(readdirSync(uploads).length >= 4);
    await delay(1600);
    const head = await fetch(a, { method: "HEAD", headers: headers() });
    assert.equal(head.status, 404);
    // The sweep removes what nobody asks for again.
    assert.ok((await s.built.context.uploads.removeExpired()) >= 1);
    assert.deepEqual(readdirSync(uploads), []);
    assert.equal((await fetch(b, { method: "HEAD", headers: headers() })).status, 404);
  });

  test("a PATCH whose body stalls gets 408 after the idle timeout; what arrived counts", async () => {
    const url = new URL(await create("/stall.bin", 100));
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        url,
        {
          method: "PATCH",
          headers: headers({
            "upload-offset": "0",
            "content-type": "application/offset+octet-stream",
            "content-length": "100",
          }),
        },
        (res) => {
          res.resume();
          resolve(res.statusCode!);
        },
      );
      req.on("error", reject);
      req.write(Buffer.alloc(40, 1));
      // ...and nothing more.
    });
    assert.equal(status, 408);
    await delay(50);
    const head = await fetch(url, { method: "HEAD", headers: headers() });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get("upload-offset"), "40");
  });
});
