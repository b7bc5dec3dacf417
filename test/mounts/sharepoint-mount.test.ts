/**
 * The same mount behaviours against the Graph + Entra emulator (over HTTPS, real MSAL tokens)
 * through a SharePoint connector. The SharePoint connector definition is not registered in
 * connectors/index.ts yet, so this test registers a minimal one (type "sharepoint", the real
 * SharePoint Remote adapter pointed at the emulator) — mounts only rely on the definition's
 * `openRemote`, which is what is exercised here.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { Type } from "typebox";
import type { GraphEmulator } from "../emulators/graph/emulator.js";
import type { ConnectorDefinition } from "../../src/connectors/connector-definition.js";
import { createConnectorRoutes } from "../../src/server/connector-routes.js";
import {
  control,
  freshFolder,
  readAll,
  remoteFor,
  startEmulator,
} from "../connectors/sharepoint/sharepoint-test-kit.js";
import { startMountServer, type MountKit } from "./mount-test-kit.js";

describe("remote mount on a SharePoint connector (Graph emulator)", () => {
  let emu: GraphEmulator;
  let kit: MountKit;
  let shareId: string;
  let connectorId: string;
  let folder: string;
  const q = (path: string) => `?path=${encodeURIComponent(path)}`;

  before(async () => {
    emu = await startEmulator();
    folder = await freshFolder(emu, "mnt");
    await control(emu, "content/files", { path: `${folder}/hello.txt`, content: "hello from SharePoint" });
    const def: ConnectorDefinition = {
      type: "sharepoint",
      remoteName: "sharepoint",
      title: "SharePoint (test definition)",
      configSchema: Type.Object({
        library_label: Type.String({ default: "Documents", description: "label only; the emulator's drive is used" }),
      }),
      secretFields: [],
      immutableFields: [],
      secretScopeFields: [],
      principalField: "sharepoint_principal",
      defaultDirection: "sharepoint_to_scaidrive",
      async openRemote() {
        return remoteFor(emu, "");
      },
      async test() {
        return { success: true, message: "ok", error: null };
      },
    };
    kit = await startMountServer({
      definitions: [def],
      connectorRoutes: [createConnectorRoutes(def, "/api/v1/sharepoint-connectors")],
    });
    shareId = (await kit.api("POST", "/api/v1/shares", { json: { name: "SP" } })).body.id;
    const c = await kit.api("POST", "/api/v1/sharepoint-connectors", {
      json: { name: "sp", target_share_id: shareId, target_path: "/sp-sync", sync_interval_minutes: 0 },
    });
    assert.equal(c.status, 201, JSON.stringify(c.body));
    connectorId = c.body.id;
  });
  after(async () => {
    await kit?.close();
    await emu?.close();
  });

  test("mount, list, SharePoint-side file appears, download with Range, upload, rename, delete", async () => {
    const m = await kit.api("POST", "/api/v1/mounts", {
      json: { share_id: shareId, path: "/lib", connector_id: connectorId, remote_path: folder },
    });
    assert.equal(m.status, 201, JSON.stringify(m.body));
    const list = await kit.api("GET", `/api/v1/shares/${shareId}/files${q("/lib")}`);
    assert.equal(list.status, 200, JSON.stringify(list.body));
    assert.deepEqual(
      list.body.items.map((n: any) => n.name),
      ["hello.txt"],
    );
    assert.match(list.body.items[0].id, /^fil_[0-9A-HJKMNP-TV-Z]{26}$/);

    await control(emu, "content/files", { path: `${folder}/later.txt`, content: "added in SharePoint" });
    const again = await kit.api("GET", `/api/v1/shares/${shareId}/files${q("/lib")}`);
    assert.deepEqual(
      again.body.items.map((n: any) => n.name),
      ["hello.txt", "later.txt"],
    );

    const part = await kit.api("GET", `/api/v1/shares/${shareId}/content${q("/lib/hello.txt")}`, {
      headers: { range: "bytes=0-4" },
    });
    assert.equal(part.status, 206);
    assert.equal(Buffer.from(part.body).toString(), "hello");

    const up = await kit.api("PUT", `/api/v1/shares/${shareId}/content${q("/lib/docs/up.txt")}`, {
      raw: Buffer.from("uploaded through the mount"),
    });
    assert.equal(up.status, 201, JSON.stringify(up.body));
    const remote = remoteFor(emu, folder);
    try {
      assert.equal((await readAll(await remote.read("docs/up.txt"))).toString(), "uploaded through the mount");
      const mv = await kit.api("POST", `/api/v1/shares/${shareId}/move`, {
        json: { from: "/lib/docs/up.txt", to: "/lib/renamed.txt" },
      });
      assert.equal(mv.status, 200, JSON.stringify(mv.body));
      assert.equal((await remote.stat("renamed.txt")).kind, "file");
      await assert.rejects(remote.stat("docs/up.txt"));
      const del = await kit.api("DELETE", `/api/v1/shares/${shareId}/files${q("/lib/renamed.txt")}`);
      assert.equal(del.status, 204);
      await assert.rejects(remote.stat("renamed.txt"));
      assert.equal((await kit.api("GET", `/api/v1/shares/${shareId}/files/stat${q("/lib/renamed.txt")}`)).status, 404);
    } finally {
      await remote.close();
    }
  });

  test("pull keep, then push with delete after copy, through /api/v1/sharepoint-connectors", async () => {
    const pull = await kit.api("POST", `/api/v1/sharepoint-connectors/${connectorId}/pull`, {
      json: { after_copy: "keep", path: folder },
    });
    assert.equal(pull.status, 202, JSON.stringify(pull.body));
    const pulled = await kit.waitJob(connectorId, pull.body.id, "sharepoint");
    assert.equal(pulled.status, "completed", JSON.stringify(pulled));
    assert.equal(pulled.error_count, 0, JSON.stringify(pulled.entries));
    const got = await kit.api("GET", `/api/v1/shares/${shareId}/content${q(`/sp-sync/${folder}/hello.txt`)}`);
    assert.equal(Buffer.from(got.body).toString(), "hello from SharePoint");

    assert.equal(
      (
        await kit.api("PUT", `/api/v1/shares/${shareId}/content${q(`/sp-sync/${folder}/pushed.txt`)}`, {
          raw: Buffer.from("pushed"),
        })
      ).status,
      201,
    );
    const push = await kit.api("POST", `/api/v1/sharepoint-connectors/${connectorId}/push`, {
      json: { after_copy: "delete", path: folder },
    });
    assert.equal(push.status, 202, JSON.stringify(push.body));
    const pushed = await kit.waitJob(connectorId, push.body.id, "sharepoint");
    assert.equal(pushed.status, "completed", JSON.stringify(pushed));
    assert.equal(pushed.error_count, 0, JSON.stringify(pushed.entries));
    assert.equal(pushed.trigger, "push");
    const remote = remoteFor(emu, folder);
    try {
      assert.equal((await readAll(await remote.read("pushed.txt"))).toString(), "pushed");
      assert.equal((await remote.stat("hello.txt")).kind, "file", "never deleted on the destination");
    } finally {
      await remote.close();
    }
    for (const name of ["pushed.txt", "hello.txt"]) {
      assert.equal(
        (await kit.api("GET", `/api/v1/shares/${shareId}/files/stat${q(`/sp-sync/${folder}/${name}`)}`)).status,
        404,
        `${name}: source deleted after verified copy`,
      );
    }
  });
});
