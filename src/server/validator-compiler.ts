import type { FastifySchema, FastifySchemaCompiler } from "fastify";
import AjvModule from "ajv";
import addFormatsModule from "ajv-formats";

// ajv and ajv-formats are CommonJS with a default export.
const Ajv = AjvModule.default;
const addFormats = addFormatsModule.default;

/**
 * Request validation with Fastify's Ajv settings, except that JSON bodies are not coerced.
 * Query strings, path parameters and headers arrive as text, so `?limit=10` must become a
 * number; a JSON body already carries its types, and `{"name": 5}` or `{"enabled": "yes"}`
 * is a client error to report (400 VALIDATION_FAILED naming the field), not a value to convert.
 */
export function createValidatorCompiler(): FastifySchemaCompiler<FastifySchema> {
  const make = (coerceTypes: "array" | false) => {
    const ajv = new Ajv({ coerceTypes, useDefaults: true, removeAdditional: false, allErrors: false, addUsedSchema: false });
    addFormats(ajv);
    return ajv;
  };
  const body = make(false);
  const text = make("array");
  return ({ schema, httpPart }) => (httpPart === "body" ? body : text).compile(schema as object);
}
