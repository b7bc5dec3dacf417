import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { request, type IncomingMessage } from "node:http";
import { startTestServer, type TestServer } from "../harness/server.js";

const b64 = (s: string) => Buffer.from(s).toString("base64");

/**
 * A browser that retries a cut PATCH sends the old Upload-Offset again; the server refuses it (409) before reading
 * the body. The connection must not stay open with the unread rest of the body behind the answer: the client
 * keeps it busy until the keep-alive timeout (72 s), and its resumption (HEAD, then PATCH) waited that long.
 */
describe("tus: a refusal given before the body was read closes the connection", () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(async () => {
    await s?.close();
  });

  test("PATCH with a stale offset: 409 with Connection: close, and the socket closes", async () => {
    const share = await s.api("POST", "/api/v1/shares", { json: { name: "T" } });
    const auth = { authorization: `Bearer ${s.adminToken}`, "tus-resumable": "1.0.0" };
    const created = await fetch(`${s.url}/api/v1/uploads`, {
      method: "POST",
      headers: {
        ...auth,
        "upload-length": String(4 * 1024 * 1024),
        "upload-metadata": `share_id ${b64(share.body.id)},path ${b64("/f.bin")}`,
      },
    });
    assert.equal(created.status, 201);
    const url = new URL(created.headers.get("location")!, s.url);

    const chunk = 2 * 1024 * 1024;
    const first = await fetch(url, {
      method: "PATCH",
      headers: { ...auth, "upload-offset": "0", "content-type": "application/offset+octet-stream" },
      body: Buffer.alloc(chunk, 1),
    });
    assert.equal(first.status, 204);

    // The stale retry: offset 0 again, 2 MiB announced, only a part sent, and the request left open, on a
    // connection the client means to keep (as browsers do).
    const req = request(url, {
      method: "PATCH",
      agent: false,
      headers: {
        ...auth,
        connection: "keep-alive",
        "upload-offset": "0",
        "content-type": "application/offset+octet-stream",
        "content-length": String(chunk),
      },
    });
    const closed = new Promise<void>((resolve) => req.on("close", () => resolve()));
    req.on("error", () => undefined);
    const res = await new Promise<IncomingMessage>((resolve) => {
      req.on("response", resolve);
      req.write(Buffer.alloc(256 * 1024, 2));
    });
    res.resume();
    assert.equal(res.statusCode, 409);
    assert.equal(res.headers.connection, "close");
    const timeout = new Promise<string>((resolve) => setTimeout(() => resolve("still open"), 5000).unref());
    assert.equal(await Promise.race([closed.then(() => "closed"), timeout]), "closed");

    const head = await fetch(url, { method: "HEAD", headers: auth });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get("upload-offset"), String(chunk));
  });
});
