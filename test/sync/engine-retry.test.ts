/**
 * The engine retries only what the adapter marked `retryable`, whatever the kind: a non-retryable
 * RemoteError (an `unreachable` the adapter's pacer already gave up on, a `locked` file, a
 * `not_found`) is tried once; a retryable one is tried up to the policy's attempts.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { openEngineFixture, type EngineFixture } from "./helpers/engine-fixture.js";
import { decorateRemote } from "./helpers/remote-decorator.js";
import { RemoteError } from "../../src/sync/remote-errors.js";
import { backoffMs, retryAfterMs, withRetry } from "../../src/sync/retry-policy.js";

const FAST = { attempts: 3, baseDelayMs: 1, maxDelayMs: 2 };

describe("retry policy", () => {
  test("withRetry: retryable errors are retried up to the attempts, everything else fails at once", async () => {
    const cases: Array<[string, () => unknown, number]> = [
      ["unreachable (retryable by default)", () => new RemoteError("unreachable", "reset"), 3],
      [
        "unreachable the adapter already retried",
        () => new RemoteError("unreachable", "gave up", { retryable: false }),
        1,
      ],
      ["not_found", () => new RemoteError("not_found", "404"), 1],
      ["access_denied", () => new RemoteError("access_denied", "403"), 1],
      ["exists", () => new RemoteError("exists", "409"), 1],
      ["locked", () => new RemoteError("locked", "sharing violation"), 1],
      ["changed_during_transfer", () => new RemoteError("changed_during_transfer", "moved"), 1],
      ["other marked retryable by its adapter", () => new RemoteError("other", "busy", { retryable: true }), 3],
      ["a foreign error", () => new TypeError("bug"), 1],
    ];
    for (const [name, make, expected] of cases) {
      let calls = 0;
      await assert.rejects(
        withRetry(async () => {
          calls++;
          throw make();
        }, FAST),
      );
      assert.equal(calls, expected, name);
    }
    let calls = 0;
    const value = await withRetry(async () => {
      if (++calls < 3) throw new RemoteError("unreachable", "reset");
      return "ok";
    }, FAST);
    assert.equal(value, "ok");
    assert.equal(calls, 3);
  });

  test("backoff doubles within ±25 % and is capped; Retry-After reads seconds and HTTP dates", () => {
    const policy = { baseDelayMs: 1000, maxDelayMs: 5000 };
    for (let i = 0; i < 50; i++) {
      const [a, b, c, d] = [1, 2, 3, 4].map((n) => backoffMs(policy, n));
      assert.ok(a! >= 750 && a! <= 1250, `${a}`);
      assert.ok(b! >= 1500 && b! <= 2500, `${b}`);
      assert.ok(c! >= 3000 && c! <= 5000, `${c}`);
      assert.ok(d! <= 5000, `${d}`);
    }
    const now = Date.parse("2026-03-01T10:00:00Z");
    assert.equal(retryAfterMs("5", now), 5000);
    assert.equal(retryAfterMs("0", now), 0);
    assert.equal(retryAfterMs("Sun, 01 Mar 2026 10:00:07 GMT", now), 7000);
    assert.equal(retryAfterMs("Sun, 01 Mar 2026 09:00:00 GMT", now), 0, "a date in the past: now");
    assert.equal(retryAfterMs("soon", now), undefined);
    assert.equal(retryAfterMs(null, now), undefined);
  });
});

describe("engine: retries only what the adapter marked retryable", () => {
  let e: EngineFixture;
  before(async () => {
    e = await openEngineFixture();
  });
  after(async () => e.close());

  test("an unreachable error the adapter already gave up on fails the job at once", async () => {
    const p = await e.newPair();
    await p.writeA("a.txt", "a");
    let walks = 0;
    e.decorate.fn = (inner) =>
      decorateRemote(inner, {
        walk() {
          walks++;
          throw new RemoteError("unreachable", "throttled; gave up after 8 attempts", { retryable: false });
        },
      });
    try {
      const job = await p.sync();
      assert.equal(job.status, "failed");
      assert.equal(job.error?.code, "CONNECTOR_UNREACHABLE");
      assert.equal(walks, 1, "the scan was not repeated");
    } finally {
      e.decorate.fn = undefined;
    }
  });

  test("a non-retryable per-file error is tried once and logged; a retryable one is retried and succeeds", async () => {
    const p = await e.newPair();
    await p.writeA("locked.txt", "held open");
    await p.writeA("flaky.txt", "second time lucky");
    const reads: Record<string, number> = {};
    e.decorate.fn = (inner) =>
      decorateRemote(inner, {
        async read(path, range) {
          reads[path] = (reads[path] ?? 0) + 1;
          if (path === "locked.txt") throw new RemoteError("locked", "another client holds it open", { path });
          if (path === "flaky.txt" && reads[path] === 1)
            throw new RemoteError("other", "server busy", { path, retryable: true });
          return inner.read(path, range);
        },
      });
    try {
      const job = await p.sync();
      assert.equal(job.status, "completed");
      assert.equal(job.error_count, 1);
      assert.equal(reads["locked.txt"], 1, "locked: not retried within the run");
      assert.equal(reads["flaky.txt"], 2, "retryable: retried");
      const entry = (await e.stores.jobs.entries(job.id)).find((x) => x.path === "locked.txt");
      assert.equal(entry?.error?.code, "locked");
      assert.equal((await p.treeB())["flaky.txt"], "second time lucky");
    } finally {
      e.decorate.fn = undefined;
    }
  });
});
