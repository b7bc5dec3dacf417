import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { cachedSerializerFactory } from "../../src/server/serializer-cache.js";
import { createValidatorCompiler } from "../../src/server/validator-compiler.js";
import type { FastifySchema } from "fastify";

// A fresh object each time, as each app builds its own route schemas.
const user = () =>
  ({
    type: "object",
    properties: { id: { type: "string" }, n: { type: "number" } },
  }) as FastifySchema;

describe("schemas compiled once per process", () => {
  test("serializers: one per schema content, shared by every app; another schema gets its own", () => {
    const first = cachedSerializerFactory()(undefined, {});
    const second = cachedSerializerFactory()(undefined, {});
    const a = first({ schema: user(), method: "GET", url: "/a", httpStatus: "200" });
    assert.equal(second({ schema: user(), method: "GET", url: "/b", httpStatus: "200" }), a);
    assert.equal(a({ id: "x", n: 1, secret: "s" }), '{"id":"x","n":1}');
    const other = first({
      schema: { type: "object", properties: { id: { type: "string" } } },
      method: "GET",
      url: "/a",
      httpStatus: "200",
    });
    assert.notEqual(other, a);
    assert.equal(other({ id: "x", n: 1 }), '{"id":"x"}');
    // Other shared schemas: compiled again, a $ref resolves against the app's own.
    const withShared = cachedSerializerFactory()({ Thing: { $id: "Thing", ...user() } }, {});
    const ref = withShared({ schema: { $ref: "Thing#" }, method: "GET", url: "/t", httpStatus: "200" });
    assert.equal(ref({ id: "y", n: 2, extra: true }), '{"id":"y","n":2}');
  });

  test("validators: one per schema and part; bodies are not coerced, query strings are", () => {
    const v1 = createValidatorCompiler();
    const v2 = createValidatorCompiler();
    const body = v1({ schema: user(), method: "POST", url: "/a", httpPart: "body" });
    assert.equal(v2({ schema: user(), method: "PUT", url: "/b", httpPart: "body" }), body);
    const query = v1({ schema: user(), method: "GET", url: "/a", httpPart: "querystring" });
    assert.notEqual(query, body);
    assert.equal(body({ id: "x", n: "5" }), false, "a body's types are not converted");
    assert.equal(body({ id: "x", n: 5, extra: 1 }), false, "a body's unknown fields are refused");
    const q = { id: "x", n: "5" };
    assert.equal(query(q), true);
    assert.deepEqual(q, { id: "x", n: 5 }, "a query string's text becomes a number");
  });
});
