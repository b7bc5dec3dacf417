import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { FreshLookup } from "../../src/core/fresh-lookup.js";

/** A query whose answers the test releases one by one; each answer says which query (1, 2, …) gave it. */
function controlledQuery() {
  const pending: { key: string; n: number; answer(): void; fail(err: Error): void }[] = [];
  let sent = 0;
  const query = (key: string) =>
    new Promise<string>((resolve, reject) => {
      const n = ++sent;
      pending.push({ key, n, answer: () => resolve(`${key}#${n}`), fail: reject });
    });
  return { query, pending, sent: () => sent };
}

const turn = () => new Promise<void>((r) => setImmediate(r));

describe("FreshLookup", () => {
  test("a caller never gets the answer of a query sent before it asked", async () => {
    const q = controlledQuery();
    const lookup = new FreshLookup(q.query);
    const first = lookup.get("t");
    assert.equal(q.sent(), 1, "the first caller's query goes out at once");
    // These arrive while query 1 is in flight: they must not share it.
    const second = lookup.get("t");
    const third = lookup.get("t");
    assert.equal(q.sent(), 1, "callers arriving meanwhile wait instead of sending their own");
    q.pending[0]!.answer();
    assert.equal(await first, "t#1");
    await turn();
    assert.equal(q.sent(), 2, "the waiting callers' query goes out once the first has answered");
    // A fourth caller arrives while query 2 runs: it gets query 3, not 2.
    const fourth = lookup.get("t");
    q.pending[1]!.answer();
    assert.equal(await second, "t#2");
    assert.equal(await third, "t#2");
    await turn();
    q.pending[2]!.answer();
    assert.equal(await fourth, "t#3");
    assert.equal(q.sent(), 3);
  });

  test("different keys do not share queries", async () => {
    const q = controlledQuery();
    const lookup = new FreshLookup(q.query);
    const a = lookup.get("a");
    const b = lookup.get("b");
    assert.equal(q.sent(), 2);
    for (const p of q.pending) p.answer();
    assert.equal(await a, "a#1");
    assert.equal(await b, "b#2");
  });

  test("an error reaches every caller of its query; the next query is sent afresh", async () => {
    const q = controlledQuery();
    const lookup = new FreshLookup(q.query);
    const first = lookup.get("t");
    const second = lookup.get("t");
    q.pending[0]!.fail(new Error("connection lost"));
    await assert.rejects(first, /connection lost/);
    await turn();
    q.pending[1]!.fail(new Error("still down"));
    await assert.rejects(second, /still down/);
    await turn();
    const third = lookup.get("t");
    assert.equal(q.sent(), 3, "nothing is left waiting after failures");
    q.pending[2]!.answer();
    assert.equal(await third, "t#3");
  });

  test("once idle, a key holds nothing: the next caller sends a new query", async () => {
    const q = controlledQuery();
    const lookup = new FreshLookup(q.query);
    const first = lookup.get("t");
    q.pending[0]!.answer();
    await first;
    await turn();
    const again = lookup.get("t");
    assert.equal(q.sent(), 2);
    q.pending[1]!.answer();
    assert.equal(await again, "t#2");
  });
});
