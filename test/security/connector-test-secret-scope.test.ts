/**
 * The connection test with a body (`POST /{id}/test` with PATCH fields, `POST /test` with a create
 * body) must not become a way round the secret-scope rule: testing an edited configuration that
 * aims the stored password at another host, port, share or account without sending the password
 * again is 400 SECRET_REQUIRED, and the attacker's listener sees no connection. Testing a new
 * connection follows the create rules (who may create, MANAGE_PERMISSIONS on the target share).
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server, type Socket } from "node:net";
import { startSamba, type SambaInstance } from "../harness/samba.js";
import { startTestServer, type TestServer } from "../harness/server.js";
import { createUserWithToken } from "../harness/api-helpers.js";

const SMB = "/api/v1/smb-connectors";

/** A TCP listener standing in for the attacker's host: counts every connection, whatever it speaks. */
async function trapListener(): Promise<{ port: number; connections: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const state = { port: 0, connections: 0, close: async () => {} };
  const server: Server = createServer((sock) => {
    sockets.add(sock);
    sock.on("close", () => sockets.delete(sock));
    sock.once("data", (first: Buffer) => {
      // Count SMB only: other processes on this machine may probe ephemeral ports.
      if (first.length >= 8 && (first[4] === 0xfe || first[4] === 0xff) && first.toString("latin1", 5, 8) === "SMB")
        state.connections++;
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  state.port = (server.address() as { port: number }).port;
  state.close = async () => {
    for (const sock of sockets) sock.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  };
  return state;
}

describe("testing an edited or new connection keeps stored secrets bound to their destination", () => {
  let samba: SambaInstance;
  let s: TestServer;
  let mallory: { id: string; token: string };
  let outsider: { id: string; token: string };
  let shareId: string;
  let cnn: string;
  let trap: Awaited<ReturnType<typeof trapListener>>;
  const as = (who: { token: string }, method: string, path: string, json?: unknown) =>
    s.api(method, path, { token: who.token, ...(json === undefined ? {} : { json }) });

  before(async () => {
    samba = await startSamba({ shares: { Finance: {}, Other: {} } });
    trap = await trapListener();
    s = await startTestServer({ withFeatureRoutes: true, config: { connectorCreators: "share-managers" } });
    mallory = await createUserWithToken(s.api, "mallory");
    outsider = await createUserWithToken(s.api, "outsider");
    shareId = (await as(mallory, "POST", "/api/v1/shares", { name: "Mallory" })).body.id;
    const r = await as(mallory, "POST", SMB, {
      name: "Finance",
      server_host: samba.host,
      server_port: samba.port,
      share_name: "Finance",
      domain: samba.domain,
      username: samba.username,
      password: samba.password,
      target_share_id: shareId,
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    cnn = r.body.id;
  });
  after(async () => {
    await s?.close();
    await trap?.close();
    await samba?.stop();
  });

  for (const { change, changed } of [
    { change: { server_host: "localhost", server_port: "port" }, changed: ["server_host", "server_port"] },
    { change: { server_port: "port" }, changed: ["server_port"] },
    { change: { share_name: "Other" }, changed: ["share_name"] },
    { change: { username: "administrator" }, changed: ["username"] },
  ]) {
    test(`POST /{id}/test with ${changed.join("+")} but no password: 400 SECRET_REQUIRED, no connection`, async () => {
      const body = Object.fromEntries(Object.entries(change).map(([k, v]) => [k, v === "port" ? trap.port : v]));
      const r = await as(mallory, "POST", `${SMB}/${cnn}/test`, body);
      assert.equal(r.status, 400, JSON.stringify(r.body));
      assert.equal(r.body.error.code, "SECRET_REQUIRED");
      assert.equal(r.body.error.details.field, "password");
      assert.deepEqual(r.body.error.details.changed_fields, changed);
      assert.equal(trap.connections, 0);
    });
  }

  test("POST /{id}/test with a changed port and a password presents that password only, saves nothing", async () => {
    const r = await as(mallory, "POST", `${SMB}/${cnn}/test`, { server_port: trap.port, password: "a-guess" });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.success, false);
    assert.equal(trap.connections, 1, "the test went where the request said, with the password it sent");
    const now = (await as(mallory, "GET", `${SMB}/${cnn}`)).body;
    assert.equal(now.server_port, samba.port, "the test saved nothing");
    assert.equal((await as(mallory, "POST", `${SMB}/${cnn}/test`)).body.success, true);
    const audit = (await as(mallory, "GET", `${SMB}/${cnn}/audit`)).body.items;
    assert.equal(audit.length, 1, "a test is not a change");
  });

  test("POST /{id}/test of a connection one does not manage is 404; POST /test needs MANAGE on the share", async () => {
    const before = trap.connections;
    const r = await as(outsider, "POST", `${SMB}/${cnn}/test`, { server_port: trap.port, password: "x" });
    assert.equal(r.status, 404, JSON.stringify(r.body));
    const n = await as(outsider, "POST", `${SMB}/test`, {
      name: "Probe",
      server_host: "127.0.0.1",
      server_port: trap.port,
      share_name: "Finance",
      username: "u",
      password: "p",
      target_share_id: shareId,
    });
    assert.equal(n.status, 400, JSON.stringify(n.body));
    assert.equal(n.body.error.details.field, "target_share_id");
    assert.equal(trap.connections, before);
  });
});

describe("POST /test follows SCAIDRIVE_CONNECTOR_CREATORS=admins (the default)", () => {
  let s: TestServer;
  let trap: Awaited<ReturnType<typeof trapListener>>;
  before(async () => {
    trap = await trapListener();
    s = await startTestServer({ withFeatureRoutes: true });
  });
  after(async () => {
    await s?.close();
    await trap?.close();
  });

  test("a non-admin owning the share cannot use POST /test as a port scanner", async () => {
    const user = await createUserWithToken(s.api, "manager");
    const share = (await s.api("POST", "/api/v1/shares", { token: user.token, json: { name: "Dept" } })).body.id;
    const r = await s.api("POST", `${SMB}/test`, {
      token: user.token,
      json: {
        name: "Probe",
        server_host: "127.0.0.1",
        server_port: trap.port,
        share_name: "Finance",
        username: "u",
        password: "p",
        target_share_id: share,
      },
    });
    assert.equal(r.status, 403, JSON.stringify(r.body));
    assert.equal(trap.connections, 0);
  });
});
