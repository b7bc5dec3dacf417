import type { FastifySchema, FastifySchemaCompiler } from "fastify";
import AjvModule, { type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";
import { schemaDigest } from "./serializer-cache.js";

// ajv and ajv-formats are CommonJS with a default export.
const Ajv = AjvModule.default;
const addFormats = addFormatsModule.default;

type JsonSchema = Record<string, unknown>;

/**
 * A copy of `schema` in which every object that lists `properties` and says nothing about
 * `additionalProperties` refuses unknown ones. A field the API does not document is a client
 * mistake (a misspelt option silently ignored) or a probe (a caller choosing its own token
 * secret), so it is answered with 400 naming the field. Free-form dictionaries (metadata) declare
 * no `properties` and stay open; a schema that sets `additionalProperties` itself is left alone.
 */
export function closeObjects(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(closeObjects);
  if (schema === null || typeof schema !== "object") return schema;
  const out: JsonSchema = {};
  for (const [k, v] of Object.entries(schema as JsonSchema)) {
    out[k] =
      k === "properties" || k === "patternProperties" || k === "$defs" || k === "definitions"
        ? Object.fromEntries(Object.entries(v as JsonSchema).map(([name, s]) => [name, closeObjects(s)]))
        : closeObjects(v);
  }
  if (typeof out.properties === "object" && !("additionalProperties" in out)) out.additionalProperties = false;
  return out;
}

/**
 * Validators compiled once per schema per process, like the serializers (serializer-cache.ts): a process that
 * builds the app more than once compiles the same schemas once. A validator is a pure function of its schema.
 */
const compiled = new Map<string, ValidateFunction>();
let ajvs: { body: InstanceType<typeof Ajv>; text: InstanceType<typeof Ajv> } | undefined;

function makeAjv(coerceTypes: "array" | false) {
  // allErrors: a client fixes every problem of its request at once (bodies are at most 1 MiB and
  // nest at most 32 levels, so collecting every error stays cheap); verbose: the messages name
  // known fields and a union's values (validation-message.ts).
  const ajv = new Ajv({
    coerceTypes,
    useDefaults: true,
    removeAdditional: false,
    allErrors: true,
    verbose: true,
    addUsedSchema: false,
  });
  addFormats(ajv);
  return ajv;
}

/**
 * Request validation with Fastify's Ajv settings, except that JSON bodies are not coerced and are
 * closed (see {@link closeObjects}). Query strings, path parameters and headers arrive as text, so
 * `?limit=10` must become a number; a JSON body already carries its types, and `{"name": 5}` or
 * `{"enabled": "yes"}` is a client error to report (400 VALIDATION_FAILED naming the field), not
 * a value to convert.
 */
export function createValidatorCompiler(): FastifySchemaCompiler<FastifySchema> {
  return ({ schema, httpPart }) => {
    const part = httpPart === "body" ? "body" : "text";
    const key = schemaDigest(part, schema);
    let validate = compiled.get(key);
    if (!validate) {
      ajvs ??= { body: makeAjv(false), text: makeAjv("array") };
      validate =
        part === "body" ? ajvs.body.compile(closeObjects(schema) as object) : ajvs.text.compile(schema as object);
      compiled.set(key, validate);
    }
    return validate;
  };
}
