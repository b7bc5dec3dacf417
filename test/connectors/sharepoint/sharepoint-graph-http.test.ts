/**
 * The Graph transport's retry and error classification against the emulator's fault injection:
 * idempotent reads survive 500s and connection resets, exhausted retries are `unreachable`,
 * Graph's own refusals keep their kinds, and a read right after enumeration costs one request.
 */
import { describe, test, before, after, afterEach } from "node:test";
import assert from "node:assert/strict";
import type { GraphEmulator } from "../../emulators/graph/emulator.js";
import { isRemoteError } from "../../../src/sync/remote-errors.js";
import { GraphHttp } from "../../../src/connectors/sharepoint/graph-http.js";
import { createSharePointRemote } from "../../../src/connectors/sharepoint/sharepoint-remote.js";
import { anyNetwork, appTokens, control, readAll, remoteFor, startEmulator } from "./sharepoint-test-kit.js";

describe("Graph transport: pacing and error mapping", () => {
  let emu: GraphEmulator;
  const itemRoute = "^/v1\\.0/drives/[^/]+/root:";

  before(async () => {
    emu = await startEmulator();
  });
  afterEach(async () => {
    await control(emu, "faults", {}, "DELETE");
  });
  after(async () => {
    await emu.close();
  });

  test("a GET answered 500 twice, then reset once, still succeeds (our pacer)", async () => {
    const remote = remoteFor(emu, "Campaigns/2026");
    await remote.stat("");
    await control(emu, "faults", { kind: "500", path: itemRoute, method: "GET", count: 2 });
    await control(emu, "faults", { kind: "reset", path: itemRoute, method: "GET", count: 1 });
    assert.equal((await remote.stat("Budget.xlsx")).kind, "file");
    const fired = (await control<{ value: Array<{ fired: number }> }>(emu, "faults", undefined, "GET")).value.map(
      (f) => f.fired,
    );
    assert.deepEqual(fired, [2, 1]);
  });

  test("retries exhausted → unreachable (503 on every read, reset on every read)", async () => {
    const graph = new GraphHttp({
      graphBaseUrl: emu.info.graph_base_url,
      tokens: appTokens(emu),
      network: anyNetwork,
      pacer: { maxAttempts: 2, baseDelayMs: 10 },
    });
    const remote = createSharePointRemote({ graph, driveId: emu.info.drive_id, basePath: "Campaigns/2026" });
    await remote.stat("");
    await control(emu, "faults", { kind: "503", path: itemRoute, retryAfterSec: 0 });
    await assert.rejects(remote.stat("Budget.xlsx"), (e: unknown) => isRemoteError(e, "unreachable") && !e.retryable);
    await control(emu, "faults", {}, "DELETE");
    await control(emu, "faults", { kind: "reset", path: itemRoute });
    await assert.rejects(remote.stat("Budget.xlsx"), (e: unknown) => isRemoteError(e, "unreachable"));
  });

  test("Graph's own refusals keep their kinds: invalid name 400, 404, 409, 403", async () => {
    const graph = new GraphHttp({ graphBaseUrl: emu.info.graph_base_url, tokens: appTokens(emu), network: anyNetwork });
    const children = `/drives/${emu.info.drive_id}/root:/Campaigns/2026:/children`;
    await assert.rejects(graph.post(children, { name: "bad|name", folder: {} }, "create"), (e: unknown) =>
      isRemoteError(e, "invalid_name"),
    );
    await assert.rejects(graph.get(`/drives/${emu.info.drive_id}/root:/nope/nothing:`, "stat"), (e: unknown) =>
      isRemoteError(e, "not_found"),
    );
    await assert.rejects(
      graph.post(children, { name: "Budget.xlsx", folder: {}, "@microsoft.graph.conflictBehavior": "fail" }, "create"),
      (e: unknown) => isRemoteError(e, "exists"),
    );
    await assert.rejects(graph.delete(`/drives/${emu.info.drive_id}/root`, "delete root"), (e: unknown) =>
      isRemoteError(e, "access_denied"),
    );
  });

  test("a read right after enumeration costs one request: the download", async () => {
    const remote = remoteFor(emu, "Campaigns/2026");
    for await (const _ of remote.changes(null)) {
      // enumerate
    }
    await control(emu, "counters", {}, "DELETE");
    assert.equal((await readAll(await remote.read("Budget.xlsx"))).toString(), "Budget 2026: 120000 EUR\n");
    const counters = await control<Record<string, number>>(emu, "counters", undefined, "GET");
    assert.deepEqual(Object.keys(counters).length, 1, JSON.stringify(counters));
    assert.match(Object.keys(counters)[0]!, /^GET \/_download/);
    // Ranges are served from the same URL.
    assert.equal((await readAll(await remote.read("Budget.xlsx", { start: 7, end: 10 }))).toString(), "2026");
  });
});
