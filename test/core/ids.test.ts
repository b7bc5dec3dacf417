import assert from "node:assert/strict";
import { test } from "node:test";
import { hasPrefix, newId, newUlid } from "../../src/core/ids.js";

const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

/** Crockford base-32 time part back to milliseconds. */
function decodeTime(id: string): number {
  let t = 0;
  for (const ch of id.slice(0, 10)) t = t * 32 + "0123456789ABCDEFGHJKMNPQRSTVWXYZ".indexOf(ch);
  return t;
}

test("ULIDs: Crockford base-32, current time, strictly increasing even within one millisecond", () => {
  const before = Date.now();
  const ids = Array.from({ length: 20000 }, () => newUlid());
  const afterMs = Date.now();
  for (const id of ids) assert.match(id, ULID);
  for (let i = 1; i < ids.length; i++) assert.ok(ids[i - 1] < ids[i], `${ids[i - 1]} < ${ids[i]}`);
  assert.ok(decodeTime(ids[0]) >= before && decodeTime(ids[ids.length - 1]) <= afterMs);
  // The random part is drawn afresh in each new millisecond: no two runs share it.
  const randoms = new Set(ids.map((id) => id.slice(10)));
  assert.equal(randoms.size, ids.length);
});

test("typed ids carry their prefix", () => {
  const id = newId("fil");
  assert.ok(hasPrefix(id, "fil"));
  assert.match(id.slice(4), ULID);
});
