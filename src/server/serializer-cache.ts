/**
 * Fastify's response serializers (fast-json-stringify), compiled once per schema per process. Compiling the
 * serializers of every route is most of the CPU of building the app (about 0.75 s of the 1–2 s), and a process
 * that builds the app more than once — a test file's servers, a second node in one process — would compile the
 * same schemas again. A compiled serializer is reused only for a schema of the same content under the same shared
 * schemas and options; it is a pure function of those.
 */
import { createHash } from "node:crypto";
import { SerializerSelector, type Serializer, type SerializerFactory } from "@fastify/fast-json-stringify-compiler";

const compiled = new Map<string, Serializer>();

/** The key of a compiled schema: a hash of the JSON of what it depends on. Shared with validator-compiler.ts. */
export function schemaDigest(...parts: unknown[]): string {
  const h = createHash("sha256");
  for (const p of parts) h.update(JSON.stringify(p) ?? "undefined").update("\0");
  return h.digest("hex");
}

/** A `compilersFactory.buildSerializer` for Fastify: the default one, with the cache in front. */
export function cachedSerializerFactory(): SerializerFactory {
  const buildDefault = SerializerSelector();
  return (externalSchemas, options) => {
    const compile = buildDefault(externalSchemas, options);
    const context = schemaDigest(externalSchemas ?? null, options ?? null);
    return (route) => {
      const key = schemaDigest(context, route.schema);
      let serialize = compiled.get(key);
      if (!serialize) {
        serialize = compile(route);
        compiled.set(key, serialize);
      }
      return serialize;
    };
  };
}
