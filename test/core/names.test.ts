import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { startTestServer, type TestServer } from "../harness/server.js";
import { normalizeName, parsePath } from "../../src/core/name-rules.js";

const q = encodeURIComponent;

describe("name rules", () => {
  let s: TestServer;
  let shareId: string;
  before(async () => {
    s = await startTestServer();
    shareId = (await s.api("POST", "/api/v1/shares", { json: { name: "Names" } })).body.id;
  });
  after(async () => s.close());

  async function putRaw(rawQueryPath: string) {
    const res = await fetch(`${s.url}/api/v1/shares/${shareId}/content?path=${rawQueryPath}`, {
      method: "PUT",
      headers: { authorization: `Bearer ${s.adminToken}` },
      body: "x",
    });
    return { status: res.status, body: (await res.json()) as any };
  }

  const bad: [string, string, RegExp][] = [
    ["empty path", "", /path/],
    [". segment", q("/a/./b"), /"\." is not allowed/],
    [".. segment", q("/a/../b"), /"\.\." is not allowed/],
    ["only ..", q(".."), /not allowed/],
    ["NUL", q("/a\u0000b"), /NUL/],
    ["control char", q("/a\u0007b"), /control/],
    ["newline", q("/a\nb"), /control/],
    ["DEL", q("/a\u007fb"), /control/],
    ["C1 control", q("/a\u0085b"), /control/],
    ["name over 255 bytes", q(`/${"é".repeat(128)}`), /255/],
    ["path over 4096 bytes", q(`/${Array.from({ length: 20 }, () => "d".repeat(250)).join("/")}`), /4096/],
    ["root as a file", q("/"), /root/],
  ];
  for (const [label, p, msg] of bad) {
    test(`upload rejects ${label} with 400 and a message`, async () => {
      const r = await putRaw(p);
      assert.equal(r.status, 400, JSON.stringify(r.body));
      assert.match(r.body.error.code, /^(INVALID_NAME|VALIDATION_FAILED)$/);
      assert.match(r.body.error.message, msg);
    });
  }

  test("mkdir and move apply the same rules", async () => {
    const mk = await s.api("POST", `/api/v1/shares/${shareId}/folders`, { json: { path: "/ok/../x" } });
    assert.equal(mk.status, 400);
    assert.equal(mk.body.error.code, "INVALID_NAME");
    await putRaw(q("/m.txt"));
    const mv = await s.api("POST", `/api/v1/shares/${shareId}/move`, {
      json: { from: "/m.txt", to: "/bad\u0001name" },
    });
    assert.equal(mv.status, 400);
    assert.equal(mv.body.error.code, "INVALID_NAME");
  });

  test("exactly 255 bytes is accepted; names are stored NFC", async () => {
    const long = "a".repeat(255);
    assert.equal((await putRaw(q(`/${long}`))).status, 201);
    const decomposed = "Cafe\u0301.txt";
    const r = await putRaw(q(`/${decomposed}`));
    assert.equal(r.status, 201);
    assert.equal(r.body.name, "Caf\u00e9.txt");
    const viaComposed = await s.api("GET", `/api/v1/shares/${shareId}/files/stat?path=${q("/Caf\u00e9.txt")}`);
    assert.equal(viaComposed.body.id, r.body.id);
  });

  test("names are case-sensitive and case twins can be found", async () => {
    const a = await putRaw(q("/twin/Readme.md"));
    const b = await putRaw(q("/twin/README.md"));
    assert.equal(a.status, 201);
    assert.equal(b.status, 201);
    assert.notEqual(a.body.id, b.body.id);
    const twins = await s.built.context.nodes.findCaseTwins(shareId, "/twin/readme.MD", {
      userId: "x",
      isAdmin: true,
      groupIds: [],
    });
    assert.deepEqual(twins.map((t) => t.name).sort(), ["README.md", "Readme.md"]);
    const others = await s.built.context.nodes.findCaseTwins(shareId, "/twin/Readme.md", {
      userId: "x",
      isAdmin: true,
      groupIds: [],
    });
    assert.deepEqual(
      others.map((t) => t.name),
      ["README.md"],
    );
  });

  test("unit: normalizeName and parsePath", () => {
    assert.equal(normalizeName("A\u030a"), "\u00c5");
    assert.deepEqual(parsePath("a//b/"), { path: "/a/b", segments: ["a", "b"] });
    assert.deepEqual(parsePath("/"), { path: "/", segments: [] });
    assert.throws(() => normalizeName("a/b"), /must not contain "\/"/);
    assert.throws(() => normalizeName(""), /empty/);
  });
});
