/**
 * One retry layer for Graph: the pacer. Against the emulator's fault injection, the number of
 * times the emulator saw one request is exactly the pacer's budget when 429s never stop (for SDK
 * reads and writes, downloads and upload fragments alike), and N + 1 when they stop after N; what
 * the pacer gave up on is not retryable, so the engine's retry does not multiply it; Retry-After
 * is honoured (seconds and HTTP date), and one longer than the pacer waits ends the request at once.
 */
import { describe, test, before, after, afterEach } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import type { GraphEmulator } from "../../emulators/graph/emulator.js";
import { isRemoteError } from "../../../src/sync/remote-errors.js";
import { withRetry } from "../../../src/sync/retry-policy.js";
import { createSharePointRemote, type SharePointRemote } from "../../../src/connectors/sharepoint/sharepoint-remote.js";
import { FRAGMENT_UNIT } from "../../../src/connectors/sharepoint/sharepoint-upload.js";
import { control, freshFolder, graphFor, readAll, startEmulator } from "./sharepoint-test-kit.js";

const BUDGET = 4;
const ITEM_BY_PATH = "^/v1\\.0/drives/[^/]+/root:";

describe("Graph retries: one pacer, a bounded budget", () => {
  let emu: GraphEmulator;

  /** A remote whose pacer tries BUDGET times with ~10 ms backoff steps (Retry-After still wins). */
  const remoteOn = (
    basePath: string,
    extra: { simpleUploadMaxBytes?: number; fragmentBytes?: number } = {},
  ): SharePointRemote =>
    createSharePointRemote({
      graph: graphFor(emu, undefined, { maxAttempts: BUDGET, baseDelayMs: 10 }),
      siteId: emu.info.site_id,
      driveId: emu.info.drive_id,
      basePath,
      ...extra,
    });

  /** Adds a fault rule; returns a function that reads how often it fired. */
  const fault = async (rule: Record<string, unknown>): Promise<() => Promise<number>> => {
    const { id } = await control<{ id: string }>(emu, "faults", rule);
    return async () =>
      (await control<{ value: Array<{ id: string; fired: number }> }>(emu, "faults", undefined, "GET")).value.find(
        (f) => f.id === id,
      )?.fired ?? -1;
  };

  /** Requests the emulator served (faults included) whose `METHOD route` matches `re`. */
  const served = async (re: RegExp): Promise<number> =>
    Object.entries(await control<Record<string, number>>(emu, "counters", undefined, "GET")).reduce(
      (n, [k, v]) => (re.test(k) ? n + v : n),
      0,
    );

  before(async () => {
    emu = await startEmulator();
  });
  afterEach(async () => {
    await control(emu, "faults", {}, "DELETE");
  });
  after(async () => {
    await emu.close();
  });

  test("a read throttled without end is sent exactly the pacer's budget, then fails not retryable", async () => {
    const remote = remoteOn("Campaigns/2026");
    await remote.stat("");
    const fired = await fault({ kind: "429", path: ITEM_BY_PATH, method: "GET", retryAfterSec: 0 });
    await assert.rejects(remote.stat("Budget.xlsx"), (e: unknown) => {
      assert.ok(isRemoteError(e, "unreachable"), String(e));
      assert.equal(e.retryable, false, "the pacer spent the budget: nothing left for the engine");
      assert.match(e.message, new RegExp(`gave up after ${BUDGET} attempts`));
      return true;
    });
    assert.equal(await fired(), BUDGET);
  });

  test("the engine's retry does not multiply it: still the pacer's budget in total", async () => {
    const remote = remoteOn("Campaigns/2026");
    await remote.stat("");
    const fired = await fault({ kind: "429", path: ITEM_BY_PATH, method: "GET", retryAfterSec: 0 });
    let calls = 0;
    const engineTry = () => {
      calls++;
      return remote.stat("Budget.xlsx");
    };
    await assert.rejects(withRetry(engineTry, { attempts: 5, baseDelayMs: 1, maxDelayMs: 1 }), (e: unknown) =>
      isRemoteError(e, "unreachable"),
    );
    assert.equal(calls, 1, "the engine did not call again");
    assert.equal(await fired(), BUDGET);
  });

  test("429s that stop after N < budget: the request succeeds on attempt N + 1", async () => {
    const remote = remoteOn("Campaigns/2026");
    await remote.stat("");
    const n = BUDGET - 2;
    const fired = await fault({ kind: "429", path: ITEM_BY_PATH, method: "GET", retryAfterSec: 0, count: n });
    await control(emu, "counters", undefined, "DELETE");
    assert.equal((await remote.stat("Budget.xlsx")).kind, "file");
    assert.equal(await fired(), n);
    assert.equal(await served(/^GET (?!.*oauth2)/), n + 1, "the throttled attempts and the one that got through");
  });

  test("downloads (pre-authenticated URLs): the same budget", async () => {
    const remote = remoteOn("Campaigns/2026");
    assert.equal((await remote.stat("Budget.xlsx")).kind, "file");
    const fired = await fault({ kind: "429", path: "^/_download/", retryAfterSec: 0 });
    await assert.rejects(
      (async () => readAll(await remote.read("Budget.xlsx")))(),
      (e: unknown) => isRemoteError(e, "unreachable") && !e.retryable,
    );
    assert.equal(await fired(), BUDGET);
    await control(emu, "faults", {}, "DELETE");
    const stops = await fault({ kind: "429", path: "^/_download/", retryAfterSec: 0, count: 1 });
    assert.equal((await readAll(await remote.read("Budget.xlsx"))).toString(), "Budget 2026: 120000 EUR\n");
    assert.equal(await stops(), 1);
    await control(emu, "faults", {}, "DELETE");

    // A content route read through the SDK (items without a download URL).
    const graph = graphFor(emu, undefined, { maxAttempts: BUDGET, baseDelayMs: 10 });
    const contentRoute = `/drives/${emu.info.drive_id}/root:/Campaigns/2026/Budget.xlsx:/content`;
    const viaSdk = await fault({ kind: "429", path: "/content$", method: "GET", retryAfterSec: 0 });
    await assert.rejects(
      graph.getRaw(contentRoute, "download"),
      (e: unknown) => isRemoteError(e, "unreachable") && !e.retryable,
    );
    assert.equal(await viaSdk(), BUDGET);
    await control(emu, "faults", {}, "DELETE");
    assert.equal(await (await graph.getRaw(contentRoute, "download")).text(), "Budget 2026: 120000 EUR\n");
  });

  test(
    "writes: a folder create (POST), a simple upload (PUT) and " +
      "an upload fragment are each sent the budget, no more",
    async () => {
      const base = await freshFolder(emu, "budget");
      const remote = remoteOn(base, { fragmentBytes: FRAGMENT_UNIT });

      const mkdirs = await fault({ kind: "429", path: "/children$", method: "POST", retryAfterSec: 0 });
      await assert.rejects(remote.mkdir("new folder"), (e: unknown) => isRemoteError(e, "unreachable") && !e.retryable);
      assert.equal(await mkdirs(), BUDGET);
      await control(emu, "faults", {}, "DELETE");

      const puts = await fault({ kind: "429", path: "/content$", method: "PUT", retryAfterSec: 0 });
      await assert.rejects(
        remote.write("empty.txt", Readable.from([]), { size: 0, mtimeMs: Date.now() }),
        (e: unknown) => isRemoteError(e, "unreachable") && !e.retryable,
      );
      assert.equal(await puts(), BUDGET);
      await control(emu, "faults", {}, "DELETE");

      // A throttled fragment is the pacer's alone: the upload's resume loop does not start over.
      const fragments = await fault({ kind: "429", path: "^/_upload/", method: "PUT", retryAfterSec: 0 });
      const data = Buffer.alloc(FRAGMENT_UNIT + 10, 1);
      await assert.rejects(
        remote.write("big.bin", Readable.from([data]), { size: data.length, mtimeMs: Date.now() }),
        (e: unknown) => isRemoteError(e, "unreachable") && !e.retryable,
      );
      assert.equal(await fragments(), BUDGET);
      await control(emu, "faults", {}, "DELETE");
      await assert.rejects(
        remote.stat("big.bin"),
        (e: unknown) => isRemoteError(e, "not_found"),
        "nothing half-written is visible",
      );
    },
  );

  test("Graph's refusals (404, 409, 403) are sent once and are not retryable", async () => {
    const remote = remoteOn("Campaigns/2026");
    await remote.stat("");
    await control(emu, "counters", undefined, "DELETE");
    await assert.rejects(
      remote.stat("no such file.txt"),
      (e: unknown) => isRemoteError(e, "not_found") && !e.retryable,
    );
    assert.equal(await served(/^GET (?!.*oauth2)/), 1);
    await assert.rejects(
      remote.write("Budget.xlsx", Readable.from([Buffer.from("x")]), {
        size: 1,
        mtimeMs: Date.now(),
        ifMatchFingerprint: null,
      }),
      (e: unknown) => isRemoteError(e, "exists") && !e.retryable,
    );
    const graph = graphFor(emu, undefined, { maxAttempts: BUDGET, baseDelayMs: 10 });
    await control(emu, "counters", undefined, "DELETE");
    await assert.rejects(
      graph.delete(`/drives/${emu.info.drive_id}/root`, "delete root"),
      (e: unknown) => isRemoteError(e, "access_denied") && !e.retryable,
    );
    assert.equal(await served(/^DELETE /), 1);
  });

  test("Retry-After in seconds is waited for before the next attempt", async () => {
    const remote = remoteOn("Campaigns/2026");
    await remote.stat("");
    const fired = await fault({ kind: "429", path: ITEM_BY_PATH, method: "GET", retryAfterSec: 1, count: 1 });
    const t0 = performance.now();
    assert.equal((await remote.stat("Budget.xlsx")).kind, "file");
    const took = performance.now() - t0;
    assert.equal(await fired(), 1);
    // The backoff step alone would be ~10 ms.
    assert.ok(took >= 950, `waited ${Math.round(took)} ms for Retry-After: 1`);
    assert.ok(took < 5000, `waited ${Math.round(took)} ms`);
  });

  test(
    "Retry-After as an HTTP date is waited for; one " + "longer than the pacer waits ends the request at once",
    async () => {
      let hits = 0;
      type Answer = { status: number; headers: Record<string, string> };
      let answer: () => Answer = () => ({ status: 200, headers: {} });
      const server: Server = createServer((_req, res) => {
        hits++;
        const a = answer();
        res.writeHead(a.status, { "content-type": "text/plain", ...a.headers });
        res.end(a.status === 200 ? "ok" : "throttled");
      });
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/file`;
      const graph = graphFor(emu, undefined, { maxAttempts: BUDGET, baseDelayMs: 10, maxRetryAfterMs: 60_000 });
      try {
        // An HTTP date has whole seconds: 2 s ahead is a wait of more than 1 s.
        answer = (): Answer =>
          hits === 1
            ? { status: 429, headers: { "retry-after": new Date(Date.now() + 2000).toUTCString() } }
            : { status: 200, headers: {} };
        const t0 = performance.now();
        const res = await graph.fetchPreauthenticated(url, { method: "GET" }, "download", { idempotent: true });
        const took = performance.now() - t0;
        assert.equal(await res.text(), "ok");
        assert.equal(hits, 2);
        assert.ok(took >= 950 && took < 5000, `waited ${Math.round(took)} ms for an HTTP-date Retry-After`);

        hits = 0;
        answer = () => ({ status: 503, headers: { "retry-after": "600" } });
        await assert.rejects(
          graph.fetchPreauthenticated(url, { method: "GET" }, "download", { idempotent: true }),
          (e: unknown) => {
            assert.ok(isRemoteError(e, "unreachable"), String(e));
            assert.equal(e.retryable, false);
            assert.match(e.message, /retry after 600/);
            return true;
          },
        );
        assert.equal(hits, 1, "not sent again before the server's time, and not waited for 10 minutes");
      } finally {
        server.closeAllConnections();
        await new Promise((r) => server.close(r));
      }
    },
  );
});
